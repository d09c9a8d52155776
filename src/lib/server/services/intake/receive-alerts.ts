import { and, eq, isNull, sql } from 'drizzle-orm';
import {
  ALERT_CLEARED_MESSAGE,
  ALERT_REFIRED_MESSAGE,
  ALERT_RESOLVED_MESSAGE,
  alertName,
  alertPayloadSchemas,
  alertSourceLabels,
  alertSources,
  assessAlert,
  isMoreSevere,
  newAlertsMessage,
  normaliseAlertPayload,
  publicMessage,
  publicTitle,
  type AlertAssessment,
  type AlertSource,
  type NormalisedAlert,
  type NormalisedAlertGroup,
} from '../../../domain/alert-intake';
import { classifySeverity, severitySignalIds, type SeveritySignalId, type SeveritySuggestion } from '../../../domain/severity-classifier';
import {
  componentStatusLabels,
  componentStatusRank,
  isIncidentOpen,
  severityLabels,
  type ComponentStatus,
  type IncidentUpdateStatus,
} from '../../../domain/statuses';
import { hasRole } from '../../../domain/roles';
import type { Database } from '../../db';
import { incident, incidentComponent } from '../../db/schema';
import { alertLink, incidentDraft, intakeEvent } from '../../db/schema/automation';
import { newId } from '../../ids';
import type { ApiPrincipal } from '../access/api-keys';
import { recordAudit } from '../kernel/audit';
import { listComponentTree } from '../components/catalog';
import type { ServiceContext } from '../kernel/context';
import { success, type ServiceFailure, type ServiceResult } from '../kernel/errors';
import { declareIncident, postIncidentUpdate, updateIncidentDetails, type IncidentRow } from '../incidents/incident-commands';
import { getIntakeSettings, type IntakeRule } from './intake-settings';
import { parseInput } from '../kernel/validation';

/**
 * Alert intake (issue 7): Alertmanager and Grafana webhooks open, update and settle incidents
 * (or drafts a responder confirms) through the same service functions as staff, so the
 * communication plan applies to them as to anyone. One alert group (source + groupKey) feeds
 * one incident or draft at a time, through an open `alert_link`; every call is logged in
 * `intake_event` with what it did.
 */

export const intakeOutcomes = [
  'declared',
  'updated',
  'unchanged',
  'monitoring',
  'resolved',
  'drafted',
  'draft_updated',
  'draft_closed',
  'ignored',
  'rejected',
  'failed',
] as const;
export type IntakeOutcome = (typeof intakeOutcomes)[number];

export interface IntakeResult {
  outcome: IntakeOutcome;
  /** What happened, for the admin-only intake log (may quote the alerts' annotations and links). */
  detail: string;
  incidentId?: string;
  draftId?: string;
}

export type IncidentDraftRow = typeof incidentDraft.$inferSelect;
export type AlertLinkRow = typeof alertLink.$inferSelect;
export type IntakeEventRow = typeof intakeEvent.$inferSelect;

/** A class id among PostgreSQL advisory locks for alert groups (the object id is a hash of the group). */
const INTAKE_LOCK_CLASS = 741_425_503;
const DETAIL_MAX = 8_000;
const ANNOTATION_EXCERPT_MAX = 300;

/** A call that must leave nothing behind but its log entry: thrown to roll the transaction back. */
export class IntakeRejection extends Error {
  constructor(
    readonly failure: ServiceFailure,
    readonly detail: string,
  ) {
    super(failure.message);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Components and mapping                                                                      */
/* ------------------------------------------------------------------------------------------ */

interface KnownComponent {
  id: string;
  name: string;
  hidden: boolean;
  /** Display order on the page, so names read as they do there. */
  order: number;
}

async function loadComponents(context: ServiceContext): Promise<Map<string, KnownComponent>> {
  const tree = await listComponentTree(context);
  const ordered = [...tree.ungrouped, ...tree.groups.flatMap((group) => group.components)];
  return new Map(ordered.map((item, order) => [item.id, { id: item.id, name: item.name, hidden: item.hidden, order }]));
}

type Mapping =
  | { ok: true; componentIds: string[]; via: string; note?: string }
  | { ok: false; problem: 'no_label' | 'unknown' | 'ambiguous'; value?: string; matches?: number };

/**
 * The components one alert concerns: its `component` label (an id, or a name compared without
 * case), else every rule whose label has exactly the rule's value.
 */
function mapAlert(alert: NormalisedAlert, components: Map<string, KnownComponent>, rules: readonly IntakeRule[]): Mapping {
  const value = alert.labels.component?.trim();
  let problem: Extract<Mapping, { ok: false }> = { ok: false, problem: 'no_label' };
  if (value) {
    if (components.has(value)) return { ok: true, componentIds: [value], via: `component label "${value}"` };
    const byName = [...components.values()].filter((item) => item.name.toLowerCase() === value.toLowerCase());
    if (byName.length === 1) return { ok: true, componentIds: [byName[0]!.id], via: `component label "${value}"` };
    problem = byName.length === 0 ? { ok: false, problem: 'unknown', value } : { ok: false, problem: 'ambiguous', value, matches: byName.length };
  }
  const matched = rules.filter((rule) => alert.labels[rule.label] === rule.value && components.has(rule.componentId));
  if (matched.length > 0) {
    const note = problem.problem === 'no_label' ? undefined : componentLabelProblem(problem);
    return {
      ok: true,
      componentIds: [...new Set(matched.map((rule) => rule.componentId))],
      via: `rule ${[...new Set(matched.map((rule) => `${rule.label}="${rule.value}"`))].join(', ')}`,
      ...(note ? { note } : {}),
    };
  }
  return problem;
}

function componentLabelProblem(problem: Extract<Mapping, { ok: false }>): string {
  if (problem.problem === 'unknown') return `its "component" label "${problem.value}" names no component (or an archived one)`;
  if (problem.problem === 'ambiguous') return `its "component" label "${problem.value}" names ${problem.matches} components; use the component's id`;
  return 'it has no "component" label';
}

interface MappedAlert {
  alert: NormalisedAlert;
  assessment: AlertAssessment;
  componentIds: string[];
  via: string;
}

interface Analysis {
  mapped: MappedAlert[];
  unmapped: { alert: NormalisedAlert; problem: Extract<Mapping, { ok: false }> }[];
  /** Each affected component with the worst status its alerts ask for, in page order. */
  changes: { componentId: string; status: ComponentStatus }[];
  signals: SeveritySignalId[];
  suggestion: SeveritySuggestion;
  notes: string[];
}

function worstStatusPerComponent(items: { componentId: string; status: ComponentStatus }[], components: Map<string, KnownComponent>) {
  const worst = new Map<string, ComponentStatus>();
  for (const item of items) {
    const current = worst.get(item.componentId);
    if (!current || componentStatusRank[item.status] > componentStatusRank[current]) worst.set(item.componentId, item.status);
  }
  const order = (id: string) => components.get(id)?.order ?? Number.MAX_SAFE_INTEGER;
  return [...worst.entries()].map(([componentId, status]) => ({ componentId, status })).sort((a, b) => order(a.componentId) - order(b.componentId));
}

const orderedSignals = (signals: Iterable<SeveritySignalId>) => {
  const set = new Set(signals);
  return severitySignalIds.filter((id) => set.has(id));
};

function analyse(firing: NormalisedAlert[], components: Map<string, KnownComponent>, rules: readonly IntakeRule[]): Analysis {
  const mapped: MappedAlert[] = [];
  const unmapped: Analysis['unmapped'] = [];
  const notes: string[] = [];
  for (const alert of firing) {
    const mapping = mapAlert(alert, components, rules);
    if (!mapping.ok) {
      unmapped.push({ alert, problem: mapping });
      continue;
    }
    const assessment = assessAlert(alert);
    mapped.push({ alert, assessment, componentIds: mapping.componentIds, via: mapping.via });
    if (mapping.note) notes.push(`Alert "${alertName(alert)}": ${mapping.note}; mapped by ${mapping.via} instead.`);
    for (const note of assessment.notes) notes.push(`Alert "${alertName(alert)}": ${note}.`);
  }
  for (const { alert, problem } of unmapped) notes.push(`Alert "${alertName(alert)}" maps to no component (${componentLabelProblem(problem)}) and was left out.`);
  const changes = worstStatusPerComponent(
    mapped.flatMap((item) => item.componentIds.map((componentId) => ({ componentId, status: item.assessment.componentStatus }))),
    components,
  );
  const signals = orderedSignals(mapped.flatMap((item) => item.assessment.signals));
  const suggestion = classifySeverity(signals, changes.map((change) => change.status));
  return { mapped, unmapped, changes, signals, suggestion, notes };
}

/** The 422 for a group none of whose firing alerts maps to a component, naming what is missing. */
function unmappedFailure(unmapped: Analysis['unmapped']): ServiceFailure {
  const fieldErrors: Record<string, string> = {};
  const sentences: string[] = [];
  for (const { alert, problem } of unmapped) {
    const labels = Object.keys(alert.labels).join(', ') || 'none';
    const rule = `a rule in the intake settings for one of its labels (${labels})`;
    if (problem.problem === 'no_label') {
      fieldErrors[`alerts.${alert.index}.labels.component`] = 'Add a "component" label (a component\'s id or name), or a rule in the intake settings.';
      sentences.push(`No component for alert "${alertName(alert)}": add a "component" label (a component's id or name) or ${rule}.`);
    } else {
      fieldErrors[`alerts.${alert.index}.labels.component`] =
        problem.problem === 'unknown' ? `"${problem.value}" names no component.` : `"${problem.value}" names ${problem.matches} components: use the id.`;
      sentences.push(`No component for alert "${alertName(alert)}": ${componentLabelProblem(problem)}. Use a component's id or name, or add ${rule}.`);
    }
  }
  const shown = sentences.slice(0, 3).join(' ');
  const message = sentences.length > 3 ? `${shown} (${sentences.length - 3} more alerts without a component.)` : shown;
  return { kind: 'invalid', message, fieldErrors };
}

/** Names as the public may read them: hidden components are left out. */
function publicNames(componentIds: readonly string[], components: Map<string, KnownComponent>): string[] {
  return [...new Set(componentIds)]
    .map((id) => components.get(id))
    .filter((item): item is KnownComponent => item !== undefined && !item.hidden)
    .sort((a, b) => a.order - b.order)
    .map((item) => item.name);
}

/* ------------------------------------------------------------------------------------------ */
/* The intake log                                                                              */
/* ------------------------------------------------------------------------------------------ */

const excerpt = (text: string, max = ANNOTATION_EXCERPT_MAX) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
};

/** One line per alert for the admin's intake log: name, fingerprint, mapping, summary, description, links. */
function describeAlerts(alerts: readonly NormalisedAlert[], mapped: readonly MappedAlert[], components: Map<string, KnownComponent>): string[] {
  const byFingerprint = new Map(mapped.map((item) => [item.alert.fingerprint, item]));
  return alerts.map((alert) => {
    const parts = [`- ${alertName(alert)} [${alert.fingerprint}] ${alert.status}`];
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
    for (const [name, url] of Object.entries(alert.links)) parts.push(`${name}: ${excerpt(url, 500)}`);
    return parts.join(' · ');
  });
}

function composeDetail(summary: string, lines: readonly string[], notes: readonly string[]): string {
  const text = [summary, ...lines, ...notes].join('\n');
  return text.length <= DETAIL_MAX ? text : `${text.slice(0, DETAIL_MAX - 1)}…`;
}

async function recordEvent(
  db: Database,
  at: Date,
  principal: ApiPrincipal,
  source: string,
  group: { groupKey: string | null; status: string | null },
  result: IntakeResult,
): Promise<void> {
  await db.insert(intakeEvent).values({
    receivedAt: at,
    source,
    apiKeyId: principal.keyId,
    groupKey: group.groupKey,
    alertStatus: group.status,
    outcome: result.outcome,
    detail: result.detail,
    incidentId: result.incidentId ?? null,
    draftId: result.draftId ?? null,
  });
}

/** Best effort: what a payload that failed validation said about its group, for the log. */
function peekGroup(payload: unknown): { groupKey: string | null; status: string | null } {
  const object = payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  return {
    groupKey: typeof object.groupKey === 'string' && object.groupKey !== '' ? object.groupKey.slice(0, 1_000) : null,
    status: object.status === 'firing' || object.status === 'resolved' ? object.status : null,
  };
}

function failureDetail(failure: ServiceFailure): string {
  const lines = [`Rejected: ${failure.message}`];
  if (failure.kind === 'invalid') for (const [field, message] of Object.entries(failure.fieldErrors)) lines.push(`- ${field}: ${message}`);
  return lines.join('\n');
}

/* ------------------------------------------------------------------------------------------ */
/* Receiving alerts                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** The SQLSTATE of a database error, looking through the wrappers drivers and drizzle add. */
function sqlState(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Worth running the call again: another call won the group's open link (unique violation), or
 * the database chose this transaction to break a deadlock or a serialisation conflict.
 */
const isRetryable = (error: unknown) => ['23505', '40P01', '40001'].includes(sqlState(error) ?? '');
const MAX_ATTEMPTS = 3;

/**
 * Handles one webhook call of `source` made with `principal`'s key: validates the payload,
 * then opens, updates or settles the group's incident or draft, in one transaction. Every call
 * is logged, rejected ones too (in a transaction of their own).
 */
export async function receiveAlerts(
  context: ServiceContext,
  principal: ApiPrincipal,
  source: AlertSource,
  payload: unknown,
): Promise<ServiceResult<IntakeResult>> {
  const receivedAt = context.clock.now();
  if (!(alertSources as readonly string[]).includes(source)) {
    const failure: ServiceFailure = { kind: 'invalid', message: 'Unknown alert source.', fieldErrors: { source: `Choose one of ${alertSources.join(', ')}.` } };
    await recordEvent(context.db, receivedAt, principal, String(source).slice(0, 100), peekGroup(payload), { outcome: 'rejected', detail: failureDetail(failure) });
    return { ok: false, failure };
  }
  if (!hasRole(principal.role, 'responder')) {
    // Alerts declare incidents: a read-only key may not send them (the routes should refuse it first).
    const failure: ServiceFailure = { kind: 'forbidden', message: `The API key "${principal.name}" is a viewer key: alert intake needs a responder or admin key.` };
    await recordEvent(context.db, receivedAt, principal, source, peekGroup(payload), { outcome: 'rejected', detail: failureDetail(failure) });
    return { ok: false, failure };
  }
  const parsed = parseInput(alertPayloadSchemas[source], payload);
  if (!parsed.ok) {
    const failure: ServiceFailure = { ...parsed.failure, message: `This is not a valid ${alertSourceLabels[source]} webhook payload: ${describeFieldErrors(parsed.failure)}` };
    await recordEvent(context.db, receivedAt, principal, source, peekGroup(payload), { outcome: 'rejected', detail: failureDetail(failure) });
    return { ok: false, failure };
  }
  const group = normaliseAlertPayload(source, parsed.value);
  const logged = { groupKey: group.groupKey, status: group.status };

  for (let attempt = 0; ; attempt++) {
    try {
      const result = await context.db.transaction((tx) => processGroup({ ...context, db: tx }, principal, group));
      return success(result);
    } catch (error) {
      if (error instanceof IntakeRejection) {
        await context.db.transaction(async (tx) => {
          await recordEvent(tx, context.clock.now(), principal, source, logged, { outcome: 'rejected', detail: error.detail });
        });
        return { ok: false, failure: error.failure };
      }
      if (attempt + 1 < MAX_ATTEMPTS && isRetryable(error)) continue;
      await recordEvent(context.db, context.clock.now(), principal, source, logged, {
        outcome: 'failed',
        detail: `Failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, DETAIL_MAX),
      }).catch(() => {});
      throw error;
    }
  }
}

function describeFieldErrors(failure: ServiceFailure): string {
  if (failure.kind !== 'invalid') return failure.message;
  const entries = Object.entries(failure.fieldErrors);
  const shown = entries.slice(0, 5).map(([field, message]) => `${field}: ${message}`);
  return `${shown.join('; ')}${entries.length > 5 ? ` (and ${entries.length - 5} more)` : ''}`;
}

/** Serialises calls for one alert group (across processes), so only one can open its link. */
export async function lockGroup(db: Database, source: string, groupKey: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(INTAKE_LOCK_CLASS))}, hashtext(${`${source}\n${groupKey}`}))`);
}

async function openLinkOf(db: Database, source: string, groupKey: string): Promise<AlertLinkRow | undefined> {
  const [row] = await db
    .select()
    .from(alertLink)
    .where(and(eq(alertLink.source, source), eq(alertLink.groupKey, groupKey), isNull(alertLink.closedAt)))
    .for('update');
  return row;
}

async function closeLink(db: Database, linkId: string, now: Date, values: { status?: string; firing?: string[] } = {}) {
  await db
    .update(alertLink)
    .set({ closedAt: now, updatedAt: now, ...values })
    .where(eq(alertLink.id, linkId));
}

async function affectedComponentIds(db: Database, incidentId: string): Promise<string[]> {
  const rows = await db.select({ componentId: incidentComponent.componentId }).from(incidentComponent).where(eq(incidentComponent.incidentId, incidentId));
  return rows.map((row) => row.componentId);
}

const uniqueFingerprints = (alerts: readonly NormalisedAlert[]) => [...new Set(alerts.map((alert) => alert.fingerprint))];

interface GroupState {
  context: ServiceContext;
  principal: ApiPrincipal;
  group: NormalisedAlertGroup;
  now: Date;
  notes: string[];
}

async function processGroup(context: ServiceContext, principal: ApiPrincipal, group: NormalisedAlertGroup): Promise<IntakeResult> {
  const db = context.db;
  const now = context.clock.now();
  await lockGroup(db, group.source, group.groupKey);
  const state: GroupState = { context, principal, group, now, notes: [] };
  if (group.truncatedAlerts > 0) state.notes.push(`The sender left ${group.truncatedAlerts} alerts out of this call (max_alerts).`);

  let link = await openLinkOf(db, group.source, group.groupKey);
  let linkedIncident: IncidentRow | undefined;
  let linkedDraft: IncidentDraftRow | undefined;
  if (link?.incidentId) {
    // Locked before any component, in the order the incident services lock them.
    [linkedIncident] = await db.select().from(incident).where(eq(incident.id, link.incidentId)).for('update');
    if (!linkedIncident || !isIncidentOpen(linkedIncident.status)) {
      // Staff resolved it: this group starts afresh.
      await closeLink(db, link.id, now);
      state.notes.push(`The group's previous incident (${link.incidentId}) is ${linkedIncident?.status ?? 'gone'}; its link was closed.`);
      link = undefined;
      linkedIncident = undefined;
    }
  } else if (link?.draftId) {
    [linkedDraft] = await db.select().from(incidentDraft).where(eq(incidentDraft.id, link.draftId)).for('update');
  }

  const firing = group.alerts.filter((alert) => alert.status === 'firing');
  const result =
    group.status === 'firing' && firing.length > 0
      ? await handleFiring(state, firing, link, linkedIncident, linkedDraft)
      : await handleResolved(state, link, linkedIncident, linkedDraft);
  await recordEvent(db, now, principal, group.source, { groupKey: group.groupKey, status: group.status }, result);
  return result;
}

async function handleFiring(
  state: GroupState,
  firing: NormalisedAlert[],
  link: AlertLinkRow | undefined,
  linkedIncident: IncidentRow | undefined,
  linkedDraft: IncidentDraftRow | undefined,
): Promise<IntakeResult> {
  const { context, group, now } = state;
  const db = context.db;
  const [components, settings] = await Promise.all([loadComponents(context), getIntakeSettings(context)]);
  const analysis = analyse(firing, components, settings.rules);
  const lines = describeAlerts(group.alerts, analysis.mapped, components);
  if (analysis.mapped.length === 0) {
    const failure = unmappedFailure(analysis.unmapped);
    throw new IntakeRejection(failure, composeDetail(`Rejected: ${failure.message}`, lines, []));
  }
  const fingerprints = uniqueFingerprints(firing);
  const notes = [...state.notes, ...analysis.notes];

  if (link && linkedIncident) return updateIncidentFromAlerts(state, link, linkedIncident, analysis, components, fingerprints, lines, notes);
  if (link && linkedDraft) {
    if (!linkedDraft.closedAt) return updateDraftFromAlerts(state, link, linkedDraft, analysis, components, fingerprints, lines, notes);
    // A dismissed draft: the same alerts stay dismissed until they resolve; a new alert starts afresh.
    const fresh = fingerprints.filter((fingerprint) => !link.firing.includes(fingerprint));
    if (fresh.length === 0) {
      await db.update(alertLink).set({ firing: fingerprints, updatedAt: now }).where(eq(alertLink.id, link.id));
      return {
        outcome: 'ignored',
        detail: composeDetail(`Ignored: the draft for this group was dismissed (${linkedDraft.closedBy ?? 'by staff'}) and no new alert fired.`, lines, notes),
        draftId: linkedDraft.id,
      };
    }
    await closeLink(db, link.id, now);
    notes.push(`The group's dismissed draft (${linkedDraft.id}) was left closed; new alerts fired.`);
  }

  if (settings.mode === 'draft') return createDraftFromAlerts(state, analysis, components, fingerprints, lines, notes);
  return declareFromAlerts(state, analysis, components, fingerprints, lines, notes);
}

const mappedAlerts = (analysis: Analysis) => analysis.mapped.map((item) => item.alert);

function describeChanges(changes: Analysis['changes'], components: Map<string, KnownComponent>): string {
  return changes.map((change) => `${components.get(change.componentId)?.name ?? change.componentId} (${componentStatusLabels[change.status].toLowerCase()})`).join(', ');
}

async function declareFromAlerts(
  state: GroupState,
  analysis: Analysis,
  components: Map<string, KnownComponent>,
  fingerprints: string[],
  lines: string[],
  notes: string[],
): Promise<IntakeResult> {
  const { context, principal, group, now } = state;
  const names = publicNames(analysis.changes.map((change) => change.componentId), components);
  const alerts = mappedAlerts(analysis);
  const declared = await declareIncident(context, principal.actor, {
    title: publicTitle(alerts, names),
    severity: analysis.suggestion.severity,
    signals: analysis.signals,
    status: 'investigating',
    message: publicMessage(alerts, names, now),
    components: analysis.changes,
    notifySubscribers: true,
  });
  if (!declared.ok) throw new IntakeRejection(declared.failure, composeDetail(failureDetail(declared.failure), lines, notes));
  await context.db.insert(alertLink).values({
    id: newId(),
    source: group.source,
    groupKey: group.groupKey,
    incidentId: declared.value.id,
    draftId: null,
    firing: fingerprints,
    status: 'firing',
    createdAt: now,
    updatedAt: now,
  });
  return {
    outcome: 'declared',
    incidentId: declared.value.id,
    detail: composeDetail(
      `Declared incident "${declared.value.title}" (${analysis.suggestion.reason}) affecting ${describeChanges(analysis.changes, components)}.`,
      lines,
      notes,
    ),
  };
}

async function updateIncidentFromAlerts(
  state: GroupState,
  link: AlertLinkRow,
  current: IncidentRow,
  analysis: Analysis,
  components: Map<string, KnownComponent>,
  fingerprints: string[],
  lines: string[],
  notes: string[],
): Promise<IntakeResult> {
  const { context, principal, now } = state;
  const db = context.db;
  const done: string[] = [];

  if (isMoreSevere(analysis.suggestion.severity, current.severity)) {
    const raised = await updateIncidentDetails(context, principal.actor, current.id, {
      title: current.title,
      severity: analysis.suggestion.severity,
      severityReason: `Raised by alert intake: ${analysis.suggestion.reason}`,
    });
    if (!raised.ok) throw new IntakeRejection(raised.failure, composeDetail(failureDetail(raised.failure), lines, notes));
    done.push(`raised the severity from ${severityLabels[current.severity]} to ${severityLabels[analysis.suggestion.severity]} (${analysis.suggestion.reason})`);
  }

  const fresh = new Set(fingerprints.filter((fingerprint) => !link.firing.includes(fingerprint)));
  const freshMapped = analysis.mapped.filter((item) => fresh.has(item.alert.fingerprint));
  if (freshMapped.length > 0) {
    const affected = new Set(await affectedComponentIds(db, current.id));
    const added = analysis.changes.filter((change) => !affected.has(change.componentId));
    const message = newAlertsMessage(
      freshMapped.map((item) => item.alert),
      {
        added: publicNames(added.map((change) => change.componentId), components),
        concerned: publicNames(freshMapped.flatMap((item) => item.componentIds), components),
      },
      now,
    );
    // Alerts that cleared (the incident went to monitoring) and fire again reopen the investigation.
    const refired = link.status === 'resolved' && current.status === 'monitoring';
    const posted = await postIncidentUpdate(context, principal.actor, current.id, {
      status: refired ? 'investigating' : (current.status as IncidentUpdateStatus),
      message: refired ? ALERT_REFIRED_MESSAGE : message,
      components: added,
    });
    if (!posted.ok) throw new IntakeRejection(posted.failure, composeDetail(failureDetail(posted.failure), lines, notes));
    done.push(
      `posted an update for ${freshMapped.length} new alert${freshMapped.length === 1 ? '' : 's'}${added.length > 0 ? `, adding ${describeChanges(added, components)}` : ''}`,
    );
  } else if (fresh.size > 0) {
    notes.push(`${fresh.size} new alert${fresh.size === 1 ? '' : 's'} map to no component: nothing posted for them.`);
  }

  await db.update(alertLink).set({ firing: fingerprints, status: 'firing', updatedAt: now }).where(eq(alertLink.id, link.id));
  const subject = `incident "${current.title}" (${current.id})`;
  if (done.length === 0) {
    return { outcome: 'unchanged', incidentId: current.id, detail: composeDetail(`Unchanged: the same alerts are still firing for ${subject}.`, lines, notes) };
  }
  const summary = `Updated ${subject}: ${done.join('; ')}.`;
  return { outcome: 'updated', incidentId: current.id, detail: composeDetail(summary, lines, notes) };
}

/** What a draft should say for some components and signals. */
function draftFields(
  alerts: NormalisedAlert[],
  changes: Analysis['changes'],
  signals: SeveritySignalId[],
  components: Map<string, KnownComponent>,
  now: Date,
) {
  const suggestion = classifySeverity(signals, changes.map((change) => change.status));
  const names = publicNames(changes.map((change) => change.componentId), components);
  return {
    title: publicTitle(alerts, names),
    severity: suggestion.severity,
    severityReason: suggestion.reason,
    signals,
    components: changes,
    message: publicMessage(alerts, names, now),
  };
}

async function createDraftFromAlerts(
  state: GroupState,
  analysis: Analysis,
  components: Map<string, KnownComponent>,
  fingerprints: string[],
  lines: string[],
  notes: string[],
): Promise<IntakeResult> {
  const { context, principal, group, now } = state;
  const db = context.db;
  const fields = draftFields(mappedAlerts(analysis), analysis.changes, analysis.signals, components, now);
  const [draft] = await db
    .insert(incidentDraft)
    .values({ id: newId(), source: group.source, groupKey: group.groupKey, ...fields, createdAt: now, updatedAt: now })
    .returning();
  await db.insert(alertLink).values({
    id: newId(),
    source: group.source,
    groupKey: group.groupKey,
    incidentId: null,
    draftId: draft!.id,
    firing: fingerprints,
    status: 'firing',
    createdAt: now,
    updatedAt: now,
  });
  await recordAudit(db, principal.actor, now, { action: 'incident_draft.create', entityType: 'incident_draft', entityId: draft!.id, after: draft });
  return {
    outcome: 'drafted',
    draftId: draft!.id,
    detail: composeDetail(
      `Drafted incident "${draft!.title}" (${fields.severityReason}) affecting ${describeChanges(analysis.changes, components)}, for a responder to confirm.`,
      lines,
      notes,
    ),
  };
}

async function updateDraftFromAlerts(
  state: GroupState,
  link: AlertLinkRow,
  draft: IncidentDraftRow,
  analysis: Analysis,
  components: Map<string, KnownComponent>,
  fingerprints: string[],
  lines: string[],
  notes: string[],
): Promise<IntakeResult> {
  const { context, principal, now } = state;
  const db = context.db;
  // A draft gathers everything its group has raised while it waits: components and signals only grow.
  const changes = worstStatusPerComponent(
    [...draft.components.map((item) => ({ componentId: item.componentId, status: item.status as ComponentStatus })), ...analysis.changes],
    components,
  );
  const signals = orderedSignals([...(draft.signals as SeveritySignalId[]), ...analysis.signals]);
  const fields = draftFields(mappedAlerts(analysis), changes, signals, components, now);
  const changed =
    fields.title !== draft.title ||
    fields.severity !== draft.severity ||
    fields.severityReason !== draft.severityReason ||
    fields.message !== draft.message ||
    JSON.stringify(fields.signals) !== JSON.stringify(draft.signals) ||
    // jsonb keeps its own key order: compare the pairs, not the text.
    JSON.stringify(fields.components.map((item) => [item.componentId, item.status])) !==
      JSON.stringify(draft.components.map((item) => [item.componentId, item.status]));
  const fresh = fingerprints.filter((fingerprint) => !link.firing.includes(fingerprint));
  if (changed) {
    const [after] = await db
      .update(incidentDraft)
      .set({ ...fields, updatedAt: now })
      .where(eq(incidentDraft.id, draft.id))
      .returning();
    await recordAudit(db, principal.actor, now, {
      action: 'incident_draft.update',
      entityType: 'incident_draft',
      entityId: draft.id,
      before: { title: draft.title, severity: draft.severity, components: draft.components, signals: draft.signals },
      after: { title: after!.title, severity: after!.severity, components: after!.components, signals: after!.signals },
    });
  }
  await db.update(alertLink).set({ firing: fingerprints, status: 'firing', updatedAt: now }).where(eq(alertLink.id, link.id));
  if (!changed && fresh.length === 0) {
    return { outcome: 'unchanged', draftId: draft.id, detail: composeDetail(`Unchanged: the same alerts are still firing for draft "${draft.title}".`, lines, notes) };
  }
  return {
    outcome: 'draft_updated',
    draftId: draft.id,
    detail: composeDetail(
      `Updated draft "${fields.title}" (${fields.severityReason}) affecting ${describeChanges(changes, components)}${fresh.length > 0 ? ` after ${fresh.length} new alert${fresh.length === 1 ? '' : 's'}` : ''}.`,
      lines,
      notes,
    ),
  };
}

async function handleResolved(
  state: GroupState,
  link: AlertLinkRow | undefined,
  linkedIncident: IncidentRow | undefined,
  linkedDraft: IncidentDraftRow | undefined,
): Promise<IntakeResult> {
  const { context, principal, group, now } = state;
  const db = context.db;
  const lines = group.alerts.map((alert) => `- ${alertName(alert)} [${alert.fingerprint}] ${alert.status}`);
  if (!link) {
    return { outcome: 'ignored', detail: composeDetail('Ignored: no open incident or draft for this alert group.', lines, state.notes) };
  }
  if (linkedIncident && link.status === 'resolved') {
    return { outcome: 'ignored', incidentId: linkedIncident.id, detail: composeDetail('Ignored: the alerts had already cleared; the incident is in monitoring.', lines, state.notes) };
  }
  if (linkedIncident) {
    const settings = await getIntakeSettings(context);
    const status = settings.autoResolve ? 'resolved' : 'monitoring';
    const posted = await postIncidentUpdate(context, principal.actor, linkedIncident.id, {
      status,
      message: status === 'resolved' ? ALERT_RESOLVED_MESSAGE : ALERT_CLEARED_MESSAGE,
      components: [],
    });
    if (!posted.ok) throw new IntakeRejection(posted.failure, composeDetail(failureDetail(posted.failure), lines, state.notes));
    // In monitoring the link stays open: if the alerts fire again, the same incident hears of it.
    if (status === 'resolved') await closeLink(db, link.id, now, { status: 'resolved', firing: [] });
    else await db.update(alertLink).set({ status: 'resolved', firing: [], updatedAt: now }).where(eq(alertLink.id, link.id));
    const summary =
      status === 'resolved'
        ? `Resolved incident "${linkedIncident.title}" (${linkedIncident.id}): the alerts cleared and auto-resolve is on.`
        : `Moved incident "${linkedIncident.title}" (${linkedIncident.id}) to monitoring: the alerts cleared. A responder resolves it.`;
    return { outcome: status, incidentId: linkedIncident.id, detail: composeDetail(summary, lines, state.notes) };
  }
  await closeLink(db, link.id, now, { status: 'resolved', firing: [] });
  if (linkedDraft && !linkedDraft.closedAt) {
    await db.update(incidentDraft).set({ closedAt: now, closedBy: 'alert resolved', updatedAt: now }).where(eq(incidentDraft.id, linkedDraft.id));
    await recordAudit(db, principal.actor, now, {
      action: 'incident_draft.close',
      entityType: 'incident_draft',
      entityId: linkedDraft.id,
      after: { closedBy: 'alert resolved' },
    });
    return { outcome: 'draft_closed', draftId: linkedDraft.id, detail: composeDetail(`Closed draft "${linkedDraft.title}": the alerts cleared before anyone confirmed it.`, lines, state.notes) };
  }
  return {
    outcome: 'ignored',
    ...(linkedDraft ? { draftId: linkedDraft.id } : {}),
    detail: composeDetail('Ignored: the alerts cleared; the group’s draft had been dismissed.', lines, state.notes),
  };
}
