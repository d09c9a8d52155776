import { alertName, type NormalisedAlert } from './alert-intake';
import type { ComponentChange, KnownComponent, MappedAlert } from './alert-mapping';
import { componentStatusLabels } from './statuses';

/**
 * What the admin's intake log says about a call (issue 7): its outcome, a one-line summary, a
 * line per alert (which may quote the alerts' annotations and links: the log is admin-only) and
 * notes. The public never reads any of it.
 */

export type IntakeOutcome =
  | 'declared'
  | 'updated'
  | 'unchanged'
  | 'monitoring'
  | 'resolved'
  | 'drafted'
  | 'draft_updated'
  | 'draft_closed'
  | 'ignored'
  | 'rejected'
  | 'failed';

export interface IntakeResult {
  outcome: IntakeOutcome;
  /** What happened, for the admin-only intake log (may quote the alerts' annotations and links). */
  detail: string;
  incidentId?: string;
  draftId?: string;
}

/** A log entry's detail is cut at this length. */
export const DETAIL_MAX = 8_000;
const ANNOTATION_EXCERPT_MAX = 300;
const LINK_EXCERPT_MAX = 500;

/** Text cut to at most `max` characters, an ellipsis marking the cut. */
export const shortened = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Text on one line, cut at `max` characters. */
export const excerpt = (text: string, max = ANNOTATION_EXCERPT_MAX): string => shortened(text.replace(/\s+/g, ' ').trim(), max);

/** "- HighErrorRate [4c2f1a9be0d7c3e8] firing" */
export const alertLine = (alert: Pick<NormalisedAlert, 'labels' | 'fingerprint' | 'status'>): string =>
  `- ${alertName(alert)} [${alert.fingerprint}] ${alert.status}`;

/** One line per alert: name, fingerprint, status, mapping, signals, summary, description, links. */
export function describeAlerts(
  alerts: readonly NormalisedAlert[],
  mapped: readonly MappedAlert[],
  components: ReadonlyMap<string, KnownComponent>,
): string[] {
  const byFingerprint = new Map(mapped.map((item) => [item.alert.fingerprint, item]));
  return alerts.map((alert) => {
    const parts = [alertLine(alert)];
    const item = byFingerprint.get(alert.fingerprint);
    if (item) {
      const names = item.componentIds.map((id) => components.get(id)?.name ?? id).join(', ');
      parts.push(`→ ${names} (${componentStatusLabels[item.assessment.componentStatus].toLowerCase()}, by ${item.via})`);
      if (item.assessment.signals.length > 0) parts.push(`signals: ${item.assessment.signals.join(', ')}`);
    }
    for (const name of ['summary', 'description']) {
      const value = alert.annotations[name];
      if (value) parts.push(`${name}: ${excerpt(value)}`);
    }
    for (const [name, url] of Object.entries(alert.links)) parts.push(`${name}: ${excerpt(url, LINK_EXCERPT_MAX)}`);
    return parts.join(' · ');
  });
}

/** "Search (major outage), API (degraded performance)" */
export function describeChanges(changes: readonly ComponentChange[], components: ReadonlyMap<string, KnownComponent>): string {
  return changes
    .map(
      (change) =>
        `${components.get(change.componentId)?.name ?? change.componentId} (${componentStatusLabels[change.status].toLowerCase()})`,
    )
    .join(', ');
}

/** "1 new alert", "3 new alerts" */
export const newAlertCount = (count: number): string => `${count} new alert${count === 1 ? '' : 's'}`;

/** The summary, then the alert lines and notes, cut to what the log keeps. */
export function composeDetail(summary: string, lines: readonly string[], notes: readonly string[]): string {
  return shortened([summary, ...lines, ...notes].join('\n'), DETAIL_MAX);
}

/** A detail read back for the log page: its first line is the summary, the rest (alert lines, notes) is shown on demand. */
export function splitDetail(detail: string): { summary: string; more: string } {
  const [first = '', ...rest] = detail.split('\n');
  return { summary: first, more: rest.join('\n').trim() };
}

/** A refusal as the log words it: the message, then each field error on its own line. */
export function failureDetail(failure: { message: string; fieldErrors?: Record<string, string> }): string {
  const lines = [`Rejected: ${failure.message}`];
  for (const [field, message] of Object.entries(failure.fieldErrors ?? {})) lines.push(`- ${field}: ${message}`);
  return lines.join('\n');
}

/** The first five field errors on one line, for the message of a payload that failed validation. */
export function describeFieldErrors(fieldErrors: Record<string, string>): string {
  const entries = Object.entries(fieldErrors);
  const shown = entries.slice(0, 5).map(([field, message]) => `${field}: ${message}`);
  return `${shown.join('; ')}${entries.length > 5 ? ` (and ${entries.length - 5} more)` : ''}`;
}
