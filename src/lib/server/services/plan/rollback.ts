import { eq } from 'drizzle-orm';
import { z } from 'zod';
import {
  addCriteria,
  criteriaOccasion,
  editRollbackCriteria,
  MAX_ROLLBACK_CRITERIA,
  rollbackCriterionIdPattern,
  storedRollbackCriteria,
  unknownCriteria,
  type RollbackCriterion,
} from '../../../domain/rollback-criteria';
import { isIncidentOpen } from '../../../domain/statuses';
import { incident, rollbackDecisions, type IncidentRow } from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { conflict, invalid, success, type ServiceResult } from '../kernel/errors';
import { updateOne, withLockedRow, type Transaction } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';
import { readSetting, writeSetting } from '../settings/setting-rows';

/**
 * Rollback criteria: the editable list (a setting row), ticking criteria on an incident (they
 * only add up, and each newly met set alerts the team once), and the decision staff record.
 */

const CRITERIA_KEY = 'rollback_criteria';

export async function getRollbackCriteria(context: Pick<ServiceContext, 'db'>): Promise<RollbackCriterion[]> {
  const row = await readSetting(context.db, CRITERIA_KEY);
  return storedRollbackCriteria(row?.value);
}

export const rollbackCriteriaInput = z.object({
  /** The whole list, in order: a row with an id keeps it (and renames it), a row without one is new. */
  criteria: z
    .array(
      z.object({
        id: z
          .string()
          .regex(rollbackCriterionIdPattern, 'Unknown criterion id.')
          .nullish()
          .transform((value) => value ?? undefined),
        label: requiredText('Label', 100),
      }),
      { error: 'List the rollback criteria.' },
    )
    .min(1, 'Keep at least one rollback criterion.')
    .max(MAX_ROLLBACK_CRITERIA, `At most ${MAX_ROLLBACK_CRITERIA} rollback criteria.`),
});

/** Replaces the list (admins): renames, additions and removals at once, audited. */
export async function updateRollbackCriteria(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof rollbackCriteriaInput>,
): Promise<ServiceResult<RollbackCriterion[]>> {
  const parsed = parseInput(rollbackCriteriaInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const before = await getRollbackCriteria({ db: tx });
    const edit = editRollbackCriteria(before, parsed.value.criteria);
    if (!edit.ok) return invalid(edit.errors);
    await writeSetting(tx, CRITERIA_KEY, edit.criteria, now);
    await recordAudit(tx, actor, now, {
      action: 'settings.rollback_criteria',
      entityType: 'setting',
      entityId: CRITERIA_KEY,
      before,
      after: edit.criteria,
    });
    return success(edit.criteria);
  });
}

/**
 * The incident's met criteria with the ticked ones added, checked against the list in the
 * caller's transaction; an id not on the list is refused (field `rollbackCriteria`).
 */
export async function withTickedCriteria(
  tx: Transaction,
  met: readonly string[],
  ticked: readonly string[],
): Promise<ServiceResult<{ met: string[]; added: string[] }>> {
  if (ticked.length === 0) return success({ met: [...met], added: [] });
  const unknown = unknownCriteria(await getRollbackCriteria({ db: tx }), ticked);
  if (unknown.length > 0) {
    return invalid({
      rollbackCriteria: `Unknown rollback ${unknown.length === 1 ? 'criterion' : 'criteria'}: ${unknown.join(', ')}. Choose from the list in settings.`,
    });
  }
  return success(addCriteria(met, ticked));
}

/**
 * After declaration, criteria newly met on an open incident alert the team (the declaration's
 * recipients) once per met set; at declaration the "declared" alert names them itself.
 */
export async function alertNewCriteria(
  tx: Transaction,
  context: Pick<ServiceContext, 'queue'>,
  row: IncidentRow,
  added: readonly string[],
): Promise<void> {
  if (added.length === 0 || !isIncidentOpen(row.status)) return;
  await context.queue.send(tx, 'team-alert', {
    incidentId: row.id,
    kind: 'rollback_criteria_met',
    occasion: criteriaOccasion(row.rollbackCriteriaMet),
  });
}

/** Ticks criteria on an incident without posting an update (alert intake, when its alerts say so). */
export async function tickRollbackCriteria(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  ticked: readonly string[],
): Promise<ServiceResult<{ incident: IncidentRow; added: string[] }>> {
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, before) => {
    const merged = await withTickedCriteria(tx, before.rollbackCriteriaMet, ticked);
    if (!merged.ok) return merged;
    if (merged.value.added.length === 0) return success({ incident: before, added: [] });
    const after = await updateOne(tx, incident, eq(incident.id, incidentId), { rollbackCriteriaMet: merged.value.met, updatedAt: now });
    await alertNewCriteria(tx, context, after, merged.value.added);
    await recordAudit(tx, actor, now, {
      action: 'incident.rollback_criteria',
      entityType: 'incident',
      entityId: incidentId,
      before: { rollbackCriteriaMet: before.rollbackCriteriaMet },
      after: { rollbackCriteriaMet: after.rollbackCriteriaMet },
    });
    return success({ incident: after, added: merged.value.added });
  });
}

export const rollbackDecisionInput = z.object({
  decision: z.enum(rollbackDecisions, { error: 'Choose whether you rolled back or declined.' }),
  reason: requiredText('The reason', 1000),
});

/** Records whether a rollback was done or declined, why, when and by whom (a later decision replaces it). */
export async function decideRollback(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  input: z.input<typeof rollbackDecisionInput>,
): Promise<ServiceResult<IncidentRow>> {
  const parsed = parseInput(rollbackDecisionInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, before) => {
    if (before.rollbackCriteriaMet.length === 0) return conflict('No rollback criterion holds for this incident.');
    const after = await updateOne(tx, incident, eq(incident.id, incidentId), {
      rollbackDecision: parsed.value.decision,
      rollbackDecisionReason: parsed.value.reason,
      rollbackDecidedAt: now,
      rollbackDecidedBy: actor.userId,
      updatedAt: now,
    });
    await recordAudit(tx, actor, now, {
      action: 'incident.rollback_decision',
      entityType: 'incident',
      entityId: incidentId,
      before: { decision: before.rollbackDecision, reason: before.rollbackDecisionReason },
      after: { decision: after.rollbackDecision, reason: after.rollbackDecisionReason, criteria: after.rollbackCriteriaMet },
    });
    return success(after);
  });
}
