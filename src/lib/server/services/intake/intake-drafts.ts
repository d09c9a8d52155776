import { and, desc, eq, isNull } from 'drizzle-orm';
import { criteriaLabels } from '../../../domain/rollback-criteria';
import type { SeveritySignalId } from '../../../domain/severity-classifier';
import type { ComponentStatus } from '../../../domain/statuses';
import { component, type IncidentRow } from '../../db/schema';
import { alertLink, incidentDraft, type IncidentDraftRow } from '../../db/schema/automation';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { conflict, notFound, success, type ServiceResult } from '../kernel/errors';
import { lockRow, updateOne, type Transaction } from '../kernel/rows';
import { declareIncident } from '../incidents/incident-commands';
import { getRollbackCriteria } from '../plan/rollback';
import { lockGroup } from './alert-links';
import { IntakeRejection } from './intake-call';

/** Drafts of alert intake (its draft mode): the incidents alerts propose and a responder confirms or dismisses. */

export interface OpenDraft extends IncidentDraftRow {
  /** The draft's components with their names (archived ones left out). */
  affected: { componentId: string; name: string; status: ComponentStatus }[];
  /** The rollback criteria its alerts measured, in words. */
  rollbackCriteriaMet: string[];
}

/** Drafts waiting for a responder, newest first. */
export async function listOpenDrafts(context: ServiceContext): Promise<OpenDraft[]> {
  const [rows, names, criteria] = await Promise.all([
    context.db.select().from(incidentDraft).where(isNull(incidentDraft.closedAt)).orderBy(desc(incidentDraft.createdAt)),
    context.db.select({ id: component.id, name: component.name }).from(component).where(isNull(component.archivedAt)),
    getRollbackCriteria(context),
  ]);
  const nameOf = new Map(names.map((row) => [row.id, row.name]));
  return rows.map((row) => ({
    ...row,
    affected: row.components.flatMap((item) => {
      const name = nameOf.get(item.componentId);
      return name === undefined ? [] : [{ componentId: item.componentId, name, status: item.status as ComponentStatus }];
    }),
    rollbackCriteriaMet: criteriaLabels(criteria, row.rollbackCriteria),
  }));
}

/** Locks a draft's group (as intake does, so the two never deadlock), then the draft. */
async function lockDraft(tx: Transaction, draftId: string): Promise<IncidentDraftRow | undefined> {
  const [peek] = await tx
    .select({ source: incidentDraft.source, groupKey: incidentDraft.groupKey })
    .from(incidentDraft)
    .where(eq(incidentDraft.id, draftId));
  if (!peek) return undefined;
  await lockGroup(tx, peek.source, peek.groupKey);
  return lockRow(tx, incidentDraft, eq(incidentDraft.id, draftId));
}

const closedDraftConflict = (draft: IncidentDraftRow) =>
  conflict(
    draft.confirmedIncidentId
      ? 'This draft was already confirmed as an incident.'
      : draft.closedBy === 'alert resolved'
        ? 'This draft was closed: its alerts cleared.'
        : `This draft was already dismissed${draft.closedBy ? ` by ${draft.closedBy}` : ''}.`,
  );

/**
 * Declares the incident a draft proposes, as the responder who confirms it: the group's link
 * moves to the incident, so further alerts update it.
 */
export async function confirmDraft(
  context: ServiceContext,
  actor: Actor,
  draftId: string,
): Promise<ServiceResult<{ incident: IncidentRow; draft: IncidentDraftRow }>> {
  const now = context.clock.now();
  try {
    return await context.db.transaction(async (tx) => {
      const draft = await lockDraft(tx, draftId);
      if (!draft) return notFound('That draft does not exist.');
      if (draft.closedAt) return closedDraftConflict(draft);
      const live = new Set(
        (await tx.select({ id: component.id }).from(component).where(isNull(component.archivedAt))).map((row) => row.id),
      );
      const components = draft.components.filter((item) => live.has(item.componentId));
      const declared = await declareIncident({ ...context, db: tx }, actor, {
        title: draft.title,
        severity: draft.severity,
        signals: draft.signals as SeveritySignalId[],
        // Only needed when a component was archived since and the suggestion moved.
        severityOverrideReason: `Proposed by alert intake: ${draft.severityReason}`,
        status: 'investigating',
        message: draft.message,
        components: components.map((item) => ({ componentId: item.componentId, status: item.status as ComponentStatus })),
        notifySubscribers: true,
        rollbackCriteria: draft.rollbackCriteria,
      });
      if (!declared.ok) throw new IntakeRejection(declared.failure, '');
      await tx
        .update(alertLink)
        .set({ incidentId: declared.value.id, updatedAt: now })
        .where(and(eq(alertLink.draftId, draft.id), isNull(alertLink.closedAt)));
      const after = await updateOne(tx, incidentDraft, eq(incidentDraft.id, draft.id), {
        closedAt: now,
        closedBy: actor.label,
        confirmedIncidentId: declared.value.id,
        updatedAt: now,
      });
      await recordAudit(tx, actor, now, {
        action: 'incident_draft.confirm',
        entityType: 'incident_draft',
        entityId: draft.id,
        after: { incidentId: declared.value.id },
      });
      return success({ incident: declared.value, draft: after });
    });
  } catch (error) {
    if (error instanceof IntakeRejection) return { ok: false, failure: error.failure };
    throw error;
  }
}

/**
 * Dismisses a draft. Its group stays linked to it, so repeats of the same alerts are ignored
 * until they resolve; a new alert in the group proposes a new draft.
 */
export async function dismissDraft(context: ServiceContext, actor: Actor, draftId: string): Promise<ServiceResult<IncidentDraftRow>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const draft = await lockDraft(tx, draftId);
    if (!draft) return notFound('That draft does not exist.');
    if (draft.closedAt) return closedDraftConflict(draft);
    const after = await updateOne(tx, incidentDraft, eq(incidentDraft.id, draft.id), {
      closedAt: now,
      closedBy: actor.label,
      updatedAt: now,
    });
    await recordAudit(tx, actor, now, {
      action: 'incident_draft.dismiss',
      entityType: 'incident_draft',
      entityId: draft.id,
      before: { title: draft.title },
    });
    return success(after);
  });
}
