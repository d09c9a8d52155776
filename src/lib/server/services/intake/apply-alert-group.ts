import { eq } from 'drizzle-orm';
import { alertLine, composeDetail, describeAlerts, type IntakeResult } from '../../../domain/alert-intake-log';
import type { NormalisedAlert, NormalisedAlertGroup } from '../../../domain/alert-intake';
import { analyseAlerts, uniqueFingerprints, unmappedProblem, type KnownComponent } from '../../../domain/alert-mapping';
import { componentsInOrder } from '../../../domain/component-sections';
import { isIncidentOpen } from '../../../domain/statuses';
import { incident, type IncidentRow } from '../../db/schema';
import { incidentDraft, type AlertLinkRow, type IncidentDraftRow } from '../../db/schema/automation';
import type { ApiPrincipal } from '../access/api-keys';
import { listComponentTree } from '../components/catalog';
import type { ServiceContext } from '../kernel/context';
import type { ServiceFailure } from '../kernel/errors';
import { lockRow } from '../kernel/rows';
import { closeLink, lockGroup, lockOpenLink } from './alert-links';
import { createDraftFromAlerts, firingAfterDismissal, settleDraftFromAlerts, updateDraftFromAlerts } from './drafts-from-alerts';
import { declareFromAlerts, settleIncidentFromAlerts, updateIncidentFromAlerts } from './incidents-from-alerts';
import { IntakeRejection, type FiringCall, type GroupCall } from './intake-call';
import { recordIntakeEvent } from './intake-log';
import { getIntakeSettings } from './intake-settings';

/**
 * The transactional step of an intake call: with the group locked, finds what its open link
 * feeds, then opens, updates or settles that incident or draft, and logs what it did.
 */

/** The group's open link and what it feeds, all locked; no link once its incident was resolved by staff. */
interface Linked {
  link?: AlertLinkRow;
  incident?: IncidentRow;
  draft?: IncidentDraftRow;
}

async function lockLinked(call: GroupCall): Promise<Linked> {
  const { context, group, now } = call;
  const tx = context.db;
  const link = await lockOpenLink(tx, group.source, group.groupKey);
  if (link?.incidentId) {
    // Locked before any component, in the order the incident services lock them.
    const linked = await lockRow(tx, incident, eq(incident.id, link.incidentId));
    if (linked && isIncidentOpen(linked.status)) return { link, incident: linked };
    // Staff resolved it: this group starts afresh.
    await closeLink(tx, link.id, now);
    call.notes.push(`The group's previous incident (${link.incidentId}) is ${linked?.status ?? 'gone'}; its link was closed.`);
    return {};
  }
  if (link?.draftId) return { link, draft: await lockRow(tx, incidentDraft, eq(incidentDraft.id, link.draftId)) };
  return link ? { link } : {};
}

/** Components as intake maps to them: every live one, numbered in page order. */
async function loadComponents(context: ServiceContext): Promise<Map<string, KnownComponent>> {
  const tree = await listComponentTree(context);
  const ordered = componentsInOrder(tree);
  return new Map(ordered.map((item, order) => [item.id, { id: item.id, name: item.name, hidden: item.hidden, order }]));
}

async function handleFiring(
  call: GroupCall,
  firing: NormalisedAlert[],
  { link, incident: linkedIncident, draft }: Linked,
): Promise<IntakeResult> {
  const [components, settings] = await Promise.all([loadComponents(call.context), getIntakeSettings(call.context)]);
  const analysis = analyseAlerts(firing, components, settings.rules);
  const lines = describeAlerts(call.group.alerts, analysis.mapped, components);
  if (analysis.mapped.length === 0) {
    const failure: ServiceFailure = { kind: 'invalid', ...unmappedProblem(analysis.unmapped) };
    throw new IntakeRejection(failure, composeDetail(`Rejected: ${failure.message}`, lines, []));
  }
  const mapped: FiringCall = {
    ...call,
    analysis,
    components,
    fingerprints: uniqueFingerprints(firing),
    lines,
    notes: [...call.notes, ...analysis.notes],
    wording: settings.wording,
  };

  if (link && linkedIncident) return updateIncidentFromAlerts(mapped, link, linkedIncident);
  if (link && draft) {
    if (!draft.closedAt) return updateDraftFromAlerts(mapped, link, draft);
    const ignored = await firingAfterDismissal(mapped, link, draft);
    if (ignored) return ignored;
  }
  return settings.mode === 'draft' ? createDraftFromAlerts(mapped) : declareFromAlerts(mapped);
}

async function handleResolved(call: GroupCall, { link, incident: linkedIncident, draft }: Linked): Promise<IntakeResult> {
  const lines = call.group.alerts.map(alertLine);
  if (!link)
    return { outcome: 'ignored', detail: composeDetail('Ignored: no open incident or draft for this alert group.', lines, call.notes) };
  if (linkedIncident) return settleIncidentFromAlerts(call, link, linkedIncident, lines);
  return settleDraftFromAlerts(call, link, draft, lines);
}

/**
 * Applies one validated alert group inside the caller's transaction (`context.db`): throws an
 * IntakeRejection when the call must change nothing.
 */
export async function applyAlertGroup(
  context: ServiceContext,
  principal: ApiPrincipal,
  group: NormalisedAlertGroup,
): Promise<IntakeResult> {
  const now = context.clock.now();
  await lockGroup(context.db, group.source, group.groupKey);
  const call: GroupCall = { context, principal, group, now, notes: [] };
  if (group.truncatedAlerts > 0) call.notes.push(`The sender left ${group.truncatedAlerts} alerts out of this call (max_alerts).`);
  const linked = await lockLinked(call);
  const firing = group.alerts.filter((alert) => alert.status === 'firing');
  const result =
    group.status === 'firing' && firing.length > 0 ? await handleFiring(call, firing, linked) : await handleResolved(call, linked);
  await recordIntakeEvent(context.db, now, principal, group.source, { groupKey: group.groupKey, status: group.status }, result);
  return result;
}
