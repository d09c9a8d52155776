import { z } from 'zod';
import { parseMeasurement } from './alert-thresholds';

/**
 * The launch checklist's "Initiate rollback if" list, as data beside the severity signals: what
 * staff, the API and alert intake tick on an incident. The list is editable in settings; these
 * are its defaults. Two criteria are measured by alert intake from annotations, so they keep
 * their ids and may be renamed but never removed.
 */

export interface RollbackCriterion {
  id: string;
  label: string;
}

export const defaultRollbackCriteria: readonly RollbackCriterion[] = [
  { id: 'critical_functionality_broken', label: 'Critical functionality broken' },
  { id: 'data_corruption_detected', label: 'Data corruption detected' },
  { id: 'security_vulnerability_discovered', label: 'Security vulnerability discovered' },
  { id: 'payment_processing_failed', label: 'Payment processing failed' },
  { id: 'database_migration_failed', label: 'Database migration failed' },
  { id: 'performance_degradation', label: 'Performance degradation over 50 %' },
  { id: 'error_rate', label: 'Error rate over 5 %' },
];

/** The criteria alert intake ticks: the annotation (else label) it reads, in percent, and the value it must exceed. */
export const measuredRollbackCriteria = [
  { id: 'error_rate', annotation: 'error_rate', over: 5 },
  { id: 'performance_degradation', annotation: 'latency_degradation', over: 50 },
] as const;

const measuredIds: readonly string[] = measuredRollbackCriteria.map((item) => item.id);
export const isMeasuredCriterion = (id: string) => measuredIds.includes(id);

export const MAX_ROLLBACK_CRITERIA = 30;
const MAX_ID_LENGTH = 60;
export const rollbackCriterionIdPattern = /^[a-z0-9_]{1,60}$/;

export type RollbackDecision = 'rolled_back' | 'declined';
export const rollbackDecisionLabels: Record<RollbackDecision, string> = { rolled_back: 'Rolled back', declined: 'Declined' };

/** The ids an incident form or API call ticks; whether each is on the list is checked against the stored list. */
export const tickedCriteriaInput = z
  .array(z.string({ error: 'Choose rollback criteria from the list.' }).trim(), { error: 'Choose rollback criteria from the list.' })
  .max(MAX_ROLLBACK_CRITERIA, 'Choose rollback criteria from the list.')
  .default([]);

const storedList = z
  .array(z.object({ id: z.string().regex(rollbackCriterionIdPattern), label: z.string().min(1).max(100) }))
  .max(MAX_ROLLBACK_CRITERIA);

/** The stored list as read back: anything unreadable is the defaults; a measured criterion missing is put back. */
export function storedRollbackCriteria(value: unknown): RollbackCriterion[] {
  const parsed = storedList.safeParse(value);
  const list = parsed.success ? parsed.data : [...defaultRollbackCriteria];
  const missing = defaultRollbackCriteria.filter((item) => isMeasuredCriterion(item.id) && !list.some((kept) => kept.id === item.id));
  return [...list, ...missing];
}

/** An id for a new criterion, from its label ("Checkout down!" → "checkout_down"), unlike any taken. */
export function criterionIdFromLabel(label: string, taken: ReadonlySet<string>): string {
  const base =
    label
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, MAX_ID_LENGTH - 4) || 'criterion';
  if (!taken.has(base)) return base;
  let suffix = 2;
  while (taken.has(`${base}_${suffix}`)) suffix += 1;
  return `${base}_${suffix}`;
}

export type CriteriaEdit = { ok: true; criteria: RollbackCriterion[] } | { ok: false; errors: Record<string, string> };

/**
 * The list staff want (each row keeps the id it had, or has none when new) checked against the
 * current one: ids must be on it and listed once, labels differ, the measured criteria stay.
 * Errors are keyed `criteria.<row>.label` / `criteria.<row>.id`, or `criteria` for the list.
 */
export function editRollbackCriteria(
  current: readonly RollbackCriterion[],
  wanted: readonly { id?: string; label: string }[],
): CriteriaEdit {
  const errors: Record<string, string> = {};
  const known = new Set(current.map((item) => item.id));
  const seenIds = new Set<string>();
  const seenLabels = new Set<string>();
  wanted.forEach((row, index) => {
    if (row.id !== undefined) {
      if (!known.has(row.id)) errors[`criteria.${index}.id`] = `There is no rollback criterion “${row.id}”.`;
      else if (seenIds.has(row.id)) errors[`criteria.${index}.id`] = 'This criterion is listed twice.';
      seenIds.add(row.id);
    }
    const label = row.label.toLowerCase();
    if (seenLabels.has(label)) errors[`criteria.${index}.label`] = 'Another criterion already has this label.';
    seenLabels.add(label);
  });
  const removed = current.filter((item) => isMeasuredCriterion(item.id) && !seenIds.has(item.id));
  if (removed.length > 0) {
    errors.criteria = `${removed.map((item) => `“${item.label}”`).join(' and ')} cannot be removed: alert intake ticks ${removed.length === 1 ? 'it' : 'them'} from annotations. Rename instead.`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const taken = new Set([...known]);
  const criteria = wanted.map((row) => {
    const id = row.id ?? criterionIdFromLabel(row.label, taken);
    taken.add(id);
    return { id, label: row.label };
  });
  return { ok: true, criteria };
}

/** The ids ticked that are not on the list. */
export const unknownCriteria = (list: readonly RollbackCriterion[], ticked: readonly string[]) =>
  ticked.filter((id) => !list.some((item) => item.id === id));

/** Criteria only add up: the incident's met ids, then the newly ticked ones (each once), and which are new. */
export function addCriteria(met: readonly string[], ticked: readonly string[]): { met: string[]; added: string[] } {
  const added = [...new Set(ticked)].filter((id) => !met.includes(id));
  return { met: [...met, ...added], added };
}

/** Tells one met set from another for the team alert: each newly met set is announced once. */
export const criteriaOccasion = (met: readonly string[]) => [...met].sort().join(',');

/** The labels of met ids, in the order met; a criterion since removed from the list shows its id. */
export const criteriaLabels = (list: readonly RollbackCriterion[], met: readonly string[]) =>
  met.map((id) => list.find((item) => item.id === id)?.label ?? id);

/**
 * The measured criteria firing alerts meet: an `error_rate` over 5 or a `latency_degradation`
 * over 50 (percent), read from an annotation, else a label. Unreadable values become notes for
 * the intake log (an unreadable error rate is already noted by the severity signals).
 */
export function alertRollbackCriteria(alerts: readonly { labels: Record<string, string>; annotations: Record<string, string> }[]): {
  criteria: string[];
  notes: string[];
} {
  const met = new Set<string>();
  const notes: string[] = [];
  for (const alert of alerts) {
    for (const measure of measuredRollbackCriteria) {
      const raw = alert.annotations[measure.annotation] ?? alert.labels[measure.annotation];
      if (raw === undefined || raw.trim() === '') continue;
      const value = parseMeasurement('percent', raw);
      if (value === null) {
        if (measure.annotation !== 'error_rate') notes.push(`could not read ${measure.annotation} "${raw}"`);
      } else if (value > measure.over) met.add(measure.id);
    }
  }
  return { criteria: measuredIds.filter((id) => met.has(id)), notes: [...new Set(notes)] };
}
