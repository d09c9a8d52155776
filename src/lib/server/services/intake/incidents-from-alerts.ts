import { eq } from 'drizzle-orm';
import { isMoreSevere } from '../../../domain/alert-assessment';
import { composeDetail, describeChanges, newAlertCount, type IntakeResult } from '../../../domain/alert-intake-log';
import { freshFingerprints } from '../../../domain/alert-mapping';
import { firingValues, publicMessage, publicTitle, wordedMessage, wordingValues } from '../../../domain/alert-wording';
import { componentsInOrder } from '../../../domain/component-sections';
import { alertRollbackCriteria, criteriaLabels } from '../../../domain/rollback-criteria';
import type { WordingValues } from '../../../domain/public-wording';
import { severityLabels, type IncidentUpdateStatus } from '../../../domain/statuses';
import { incidentComponent, type IncidentRow } from '../../db/schema';
import type { AlertLinkRow } from '../../db/schema/automation';
import { listComponentTree } from '../components/catalog';
import { declareIncident, postIncidentUpdate, updateIncidentDetails } from '../incidents/incident-commands';
import { getRollbackCriteria, tickRollbackCriteria } from '../plan/rollback';
import type { ServiceContext } from '../kernel/context';
import type { Transaction } from '../kernel/rows';
import { closeLink, openLink, updateLink } from './alert-links';
import { refusedStep, type FiringCall, type GroupCall } from './intake-call';
import { getIntakeSettings } from './intake-settings';

/**
 * Alert intake in incident mode: a group's alerts declare, update and settle its incident
 * through the same incident services as staff, so the communication plan applies to them too.
 */

const mappedAlerts = (call: FiringCall) => call.analysis.mapped.map((item) => item.alert);

/** A new group's firing alerts declare an incident (Investigating, subscribers notified) and link the group to it. */
export async function declareFromAlerts(call: FiringCall): Promise<IntakeResult> {
  const { context, principal, group, now, analysis, components, wording } = call;
  const alerts = mappedAlerts(call);
  const values = firingValues(alerts, analysis.changes, components, now);
  const rollback = alertRollbackCriteria(alerts);
  call.notes.push(...rollback.notes);
  const declared = await declareIncident(context, principal.actor, {
    title: publicTitle(alerts, wording, values),
    severity: analysis.suggestion.severity,
    signals: analysis.signals,
    status: 'investigating',
    message: publicMessage(alerts, wording, values),
    components: analysis.changes,
    notifySubscribers: true,
    rollbackCriteria: rollback.criteria,
  });
  if (!declared.ok) throw refusedStep(declared.failure, call.lines, call.notes);
  await openLink(context.db, now, {
    source: group.source,
    groupKey: group.groupKey,
    incidentId: declared.value.id,
    firing: call.fingerprints,
  });
  const criteriaNote = rollback.criteria.length > 0 ? ` Rollback criteria met: ${await criteriaText(context, rollback.criteria)}.` : '';
  return {
    outcome: 'declared',
    incidentId: declared.value.id,
    detail: composeDetail(
      `Declared incident "${declared.value.title}" (${analysis.suggestion.reason}) affecting ${describeChanges(analysis.changes, components)}.${criteriaNote}`,
      call.lines,
      call.notes,
    ),
  };
}

/** Rollback criteria in words for the intake log: "Error rate over 5 %; Performance degradation over 50 %". */
async function criteriaText(context: ServiceContext, ids: readonly string[]): Promise<string> {
  return criteriaLabels(await getRollbackCriteria(context), ids).join('; ');
}

async function affectedComponentIds(tx: Transaction, incidentId: string): Promise<string[]> {
  const rows = await tx
    .select({ componentId: incidentComponent.componentId })
    .from(incidentComponent)
    .where(eq(incidentComponent.incidentId, incidentId));
  return rows.map((row) => row.componentId);
}

/** The placeholders for an open incident: its public components as they are now, and when it started. */
async function incidentValues(context: ServiceContext, current: IncidentRow, now: Date): Promise<WordingValues> {
  const [ids, tree] = await Promise.all([affectedComponentIds(context.db, current.id), listComponentTree(context)]);
  const affected = new Set(ids);
  const shown = componentsInOrder(tree).filter((item) => affected.has(item.id) && !item.hidden);
  return wordingValues(
    { names: shown.map((item) => item.name), statuses: shown.map((item) => item.status), started: current.startedAt },
    now,
  );
}

/**
 * The group fires again: the severity is raised (never lowered) when the alerts point higher,
 * and new alerts post an update adding their components. The same alerts again change nothing.
 */
export async function updateIncidentFromAlerts(call: FiringCall, link: AlertLinkRow, current: IncidentRow): Promise<IntakeResult> {
  const { context, principal, now, analysis, components, lines, notes } = call;
  const done: string[] = [];

  if (isMoreSevere(analysis.suggestion.severity, current.severity)) {
    const raised = await updateIncidentDetails(context, principal.actor, current.id, {
      title: current.title,
      severity: analysis.suggestion.severity,
      severityReason: `Raised by alert intake: ${analysis.suggestion.reason}`,
    });
    if (!raised.ok) throw refusedStep(raised.failure, lines, notes);
    done.push(
      `raised the severity from ${severityLabels[current.severity]} to ${severityLabels[analysis.suggestion.severity]} (${analysis.suggestion.reason})`,
    );
  }

  // The alerts still firing may now measure past a rollback criterion: ticked once, announced once.
  const rollback = alertRollbackCriteria(mappedAlerts(call));
  notes.push(...rollback.notes);
  if (rollback.criteria.length > 0) {
    const ticked = await tickRollbackCriteria(context, principal.actor, current.id, rollback.criteria);
    if (!ticked.ok) throw refusedStep(ticked.failure, lines, notes);
    if (ticked.value.added.length > 0) done.push(`ticked the rollback criteria ${await criteriaText(context, ticked.value.added)}`);
  }

  const fresh = new Set(freshFingerprints(call.fingerprints, link.firing));
  const freshMapped = analysis.mapped.filter((item) => fresh.has(item.alert.fingerprint));
  if (freshMapped.length > 0) {
    const affected = new Set(await affectedComponentIds(context.db, current.id));
    const added = analysis.changes.filter((change) => !affected.has(change.componentId));
    // Alerts that cleared (the incident went to monitoring) and fire again reopen the investigation.
    const refired = link.status === 'resolved' && current.status === 'monitoring';
    const alerts = freshMapped.map((item) => item.alert);
    // New components are worded as the alerts set them; otherwise the incident's components as they stand.
    const values =
      added.length > 0 && !refired ? firingValues(alerts, added, components, now) : await incidentValues(context, current, now);
    const posted = await postIncidentUpdate(context, principal.actor, current.id, {
      status: refired ? 'investigating' : (current.status as IncidentUpdateStatus),
      message: refired ? wordedMessage(call.wording, 'reopened', values) : publicMessage(alerts, call.wording, values),
      components: added,
    });
    if (!posted.ok) throw refusedStep(posted.failure, lines, notes);
    done.push(
      `posted an update for ${newAlertCount(freshMapped.length)}${added.length > 0 ? `, adding ${describeChanges(added, components)}` : ''}`,
    );
  } else if (fresh.size > 0) {
    notes.push(`${newAlertCount(fresh.size)} map to no component: nothing posted for them.`);
  }

  await updateLink(context.db, link.id, now, { status: 'firing', firing: call.fingerprints });
  const subject = `incident "${current.title}" (${current.id})`;
  if (done.length === 0) {
    return {
      outcome: 'unchanged',
      incidentId: current.id,
      detail: composeDetail(`Unchanged: the same alerts are still firing for ${subject}.`, lines, notes),
    };
  }
  return { outcome: 'updated', incidentId: current.id, detail: composeDetail(`Updated ${subject}: ${done.join('; ')}.`, lines, notes) };
}

/**
 * The group's alerts cleared: the incident moves to monitoring (the link stays open, so a new
 * firing reopens it), or with auto-resolve on is resolved and the link closed.
 */
export async function settleIncidentFromAlerts(
  call: GroupCall,
  link: AlertLinkRow,
  linked: IncidentRow,
  lines: string[],
): Promise<IntakeResult> {
  const { context, principal, now, notes } = call;
  if (link.status === 'resolved') {
    return {
      outcome: 'ignored',
      incidentId: linked.id,
      detail: composeDetail('Ignored: the alerts had already cleared; the incident is in monitoring.', lines, notes),
    };
  }
  const settings = await getIntakeSettings(context);
  const status = settings.autoResolve ? 'resolved' : 'monitoring';
  const posted = await postIncidentUpdate(context, principal.actor, linked.id, {
    status,
    message: wordedMessage(settings.wording, status === 'resolved' ? 'resolved' : 'cleared', await incidentValues(context, linked, now)),
    components: [],
  });
  if (!posted.ok) throw refusedStep(posted.failure, lines, notes);
  if (status === 'resolved') await closeLink(context.db, link.id, now, { status: 'resolved', firing: [] });
  else await updateLink(context.db, link.id, now, { status: 'resolved', firing: [] });
  const summary =
    status === 'resolved'
      ? `Resolved incident "${linked.title}" (${linked.id}): the alerts cleared and auto-resolve is on.`
      : `Moved incident "${linked.title}" (${linked.id}) to monitoring: the alerts cleared. A responder resolves it.`;
  return { outcome: status, incidentId: linked.id, detail: composeDetail(summary, lines, notes) };
}
