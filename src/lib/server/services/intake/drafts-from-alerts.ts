import { eq } from 'drizzle-orm';
import { draftDiffers, draftProposal, grownDraftEvidence, type DraftProposal } from '../../../domain/alert-draft';
import { composeDetail, describeChanges, newAlertCount, type IntakeResult } from '../../../domain/alert-intake-log';
import { freshFingerprints, type ComponentChange } from '../../../domain/alert-mapping';
import { addCriteria, alertRollbackCriteria } from '../../../domain/rollback-criteria';
import type { SeveritySignalId } from '../../../domain/severity-classifier';
import { incidentDraft, type AlertLinkRow, type IncidentDraftRow } from '../../db/schema/automation';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import { insertOne, updateOne } from '../kernel/rows';
import { closeLink, openLink, updateLink } from './alert-links';
import type { FiringCall, GroupCall } from './intake-call';

/**
 * Alert intake in draft mode: a group's alerts propose a draft (nothing public) that grows while
 * the group fires and closes when its alerts clear; a responder confirms or dismisses it
 * (intake-drafts.ts).
 */

const mappedAlerts = (call: FiringCall) => call.analysis.mapped.map((item) => item.alert);

/** A stored draft as the proposal it is (its jsonb columns hold signal ids and component statuses). */
const storedProposal = (draft: IncidentDraftRow): DraftProposal => ({
  ...draft,
  signals: draft.signals as SeveritySignalId[],
  components: draft.components as ComponentChange[],
});

/** What the audit log keeps of a draft's change. */
const pick = ({ title, severity, components, signals, rollbackCriteria }: IncidentDraftRow) => ({
  title,
  severity,
  components,
  signals,
  rollbackCriteria,
});

/** A new group's firing alerts propose a draft and link the group to it. */
export async function createDraftFromAlerts(call: FiringCall): Promise<IntakeResult> {
  const { context, principal, group, now, analysis, components } = call;
  const tx = context.db;
  const alerts = mappedAlerts(call);
  const fields = draftProposal(alerts, analysis.changes, analysis.signals, components, call.wording, now);
  const rollback = alertRollbackCriteria(alerts);
  call.notes.push(...rollback.notes);
  const draft = await insertOne(tx, incidentDraft, {
    id: newId(),
    source: group.source,
    groupKey: group.groupKey,
    ...fields,
    rollbackCriteria: rollback.criteria,
    createdAt: now,
    updatedAt: now,
  });
  await openLink(tx, now, { source: group.source, groupKey: group.groupKey, draftId: draft.id, firing: call.fingerprints });
  await recordAudit(tx, principal.actor, now, {
    action: 'incident_draft.create',
    entityType: 'incident_draft',
    entityId: draft.id,
    after: draft,
  });
  return {
    outcome: 'drafted',
    draftId: draft.id,
    detail: composeDetail(
      `Drafted incident "${draft.title}" (${fields.severityReason}) affecting ${describeChanges(analysis.changes, components)}, for a responder to confirm.`,
      call.lines,
      call.notes,
    ),
  };
}

/** The group fires again while its draft waits: the draft takes in the new components and signals. */
export async function updateDraftFromAlerts(call: FiringCall, link: AlertLinkRow, draft: IncidentDraftRow): Promise<IntakeResult> {
  const { context, principal, now, analysis, components, lines, notes } = call;
  const tx = context.db;
  const stored = storedProposal(draft);
  const { changes, signals } = grownDraftEvidence(stored, { components: analysis.changes, signals: analysis.signals }, components);
  const alerts = mappedAlerts(call);
  const fields = draftProposal(alerts, changes, signals, components, call.wording, now);
  // Criteria only add up, as on an incident: an alert that measured one and cleared leaves it ticked.
  const rollback = alertRollbackCriteria(alerts);
  notes.push(...rollback.notes);
  const criteria = addCriteria(draft.rollbackCriteria, rollback.criteria);
  const changed = draftDiffers(fields, stored) || criteria.added.length > 0;
  const fresh = freshFingerprints(call.fingerprints, link.firing);
  if (changed) {
    const after = await updateOne(tx, incidentDraft, eq(incidentDraft.id, draft.id), {
      ...fields,
      rollbackCriteria: criteria.met,
      updatedAt: now,
    });
    await recordAudit(tx, principal.actor, now, {
      action: 'incident_draft.update',
      entityType: 'incident_draft',
      entityId: draft.id,
      before: pick(draft),
      after: pick(after),
    });
  }
  await updateLink(tx, link.id, now, { status: 'firing', firing: call.fingerprints });
  if (!changed && fresh.length === 0) {
    return {
      outcome: 'unchanged',
      draftId: draft.id,
      detail: composeDetail(`Unchanged: the same alerts are still firing for draft "${draft.title}".`, lines, notes),
    };
  }
  const after = fresh.length > 0 ? ` after ${newAlertCount(fresh.length)}` : '';
  return {
    outcome: 'draft_updated',
    draftId: draft.id,
    detail: composeDetail(
      `Updated draft "${fields.title}" (${fields.severityReason}) affecting ${describeChanges(changes, components)}${after}.`,
      lines,
      notes,
    ),
  };
}

/**
 * The group fires while its draft is dismissed: the same alerts stay dismissed until they
 * resolve (answered here); a new alert closes the link and the caller proposes a new draft (null).
 */
export async function firingAfterDismissal(call: FiringCall, link: AlertLinkRow, draft: IncidentDraftRow): Promise<IntakeResult | null> {
  const { context, now } = call;
  if (freshFingerprints(call.fingerprints, link.firing).length === 0) {
    await updateLink(context.db, link.id, now, { firing: call.fingerprints });
    return {
      outcome: 'ignored',
      detail: composeDetail(
        `Ignored: the draft for this group was dismissed (${draft.closedBy ?? 'by staff'}) and no new alert fired.`,
        call.lines,
        call.notes,
      ),
      draftId: draft.id,
    };
  }
  await closeLink(context.db, link.id, now);
  call.notes.push(`The group's dismissed draft (${draft.id}) was left closed; new alerts fired.`);
  return null;
}

/** The group's alerts cleared while it has a draft: an open draft closes, nobody having confirmed it. */
export async function settleDraftFromAlerts(
  call: GroupCall,
  link: AlertLinkRow,
  draft: IncidentDraftRow | undefined,
  lines: string[],
): Promise<IntakeResult> {
  const { context, principal, now, notes } = call;
  const tx = context.db;
  await closeLink(tx, link.id, now, { status: 'resolved', firing: [] });
  if (draft && !draft.closedAt) {
    await tx.update(incidentDraft).set({ closedAt: now, closedBy: 'alert resolved', updatedAt: now }).where(eq(incidentDraft.id, draft.id));
    await recordAudit(tx, principal.actor, now, {
      action: 'incident_draft.close',
      entityType: 'incident_draft',
      entityId: draft.id,
      after: { closedBy: 'alert resolved' },
    });
    return {
      outcome: 'draft_closed',
      draftId: draft.id,
      detail: composeDetail(`Closed draft "${draft.title}": the alerts cleared before anyone confirmed it.`, lines, notes),
    };
  }
  return {
    outcome: 'ignored',
    ...(draft ? { draftId: draft.id } : {}),
    detail: composeDetail('Ignored: the alerts cleared; the group’s draft had been dismissed.', lines, notes),
  };
}
