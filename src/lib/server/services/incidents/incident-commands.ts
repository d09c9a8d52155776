import { eq } from 'drizzle-orm';
import { z } from 'zod';
import {
  componentStatuses,
  incidentUpdateStatuses,
  isIncidentOpen,
  severities,
  severityLabels,
  type ComponentStatus,
  type IncidentStatus,
} from '../../../domain/statuses';
import { classifySeverity, severitySignalIds } from '../../../domain/severity-classifier';
import { incident, incidentUpdate, type IncidentRow, type IncidentUpdateRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import { writePublicUpdate } from './public-updates';
import { emailsUpdate, nextUpdateByFor } from '../../../domain/communication-policy';
import { applyCustomerEmailRule, scheduleCadenceCheck, schedulePostmortemChecks } from '../plan/communication-plan';
import { getCommunicationPolicy } from '../plan/policy';
import { alertNewCriteria, withTickedCriteria } from '../plan/rollback';
import { tickedCriteriaInput } from '../../../domain/rollback-criteria';
import { applyComponentChanges, componentsToRestore, knownComponents, unknownComponentErrors } from './incident-components';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, success, type ServiceResult } from '../kernel/errors';
import { insertOne, updateOne, withLockedRow } from '../kernel/rows';
import { checkboxDefaultOn, idSchema, parseInput, requiredText } from '../kernel/validation';

const componentChangesInput = z
  .array(
    z.object({
      componentId: idSchema,
      status: z.enum(componentStatuses, { error: 'Choose a status for each component.' }),
    }),
  )
  .max(200)
  .default([])
  .refine((items) => new Set(items.map((item) => item.componentId)).size === items.length, 'A component is listed twice.');

const messageInput = requiredText('Message', 10_000);

/** The "next update by" promised with an update; left out, the cadence's default (see nextUpdateByFor). */
const nextUpdateByInput = z.coerce.date({ error: 'Enter a valid date and time.' }).nullish();

export const declareIncidentInput = z.object({
  title: requiredText('Title', 200),
  severity: z.enum(severities, { error: 'Choose a severity.' }),
  /**
   * The monitoring signals staff ticked. When given (the declare form always gives them), a
   * severity other than the classifier's suggestion needs a reason.
   */
  signals: z
    .array(z.enum(severitySignalIds, { error: 'Choose signals from the list.' }))
    .max(severitySignalIds.length)
    .optional(),
  severityOverrideReason: z
    .string()
    .trim()
    .max(500, 'Keep the reason under 500 characters.')
    .nullish()
    .transform((value) => (value ? value : null)),
  status: z.enum(['investigating', 'identified', 'monitoring'], { error: 'Choose a status.' }),
  message: messageInput,
  components: componentChangesInput,
  /** For a backfill: when the incident really began (not in the future). */
  startedAt: z.coerce.date({ error: 'Enter a valid date and time.' }).optional(),
  notifySubscribers: checkboxDefaultOn,
  /** Ids of the rollback criteria that hold (see settings); they only add up. */
  rollbackCriteria: tickedCriteriaInput,
  nextUpdateBy: nextUpdateByInput,
});

export const postIncidentUpdateInput = z.object({
  status: z.enum(incidentUpdateStatuses, { error: 'Choose a status.' }),
  message: messageInput,
  components: componentChangesInput,
  notifySubscribers: checkboxDefaultOn,
  rollbackCriteria: tickedCriteriaInput,
  nextUpdateBy: nextUpdateByInput,
});

export const correctIncidentUpdateInput = z.object({ message: messageInput });

export const incidentDetailsInput = z.object({
  title: requiredText('Title', 200),
  severity: z.enum(severities, { error: 'Choose a severity.' }),
  /** Why the severity changed; kept with the incident and in the audit log. */
  severityReason: z
    .string()
    .trim()
    .max(500, 'Keep the reason under 500 characters.')
    .nullish()
    .transform((value) => (value ? value : null)),
});

const severityRank = (severity: (typeof severities)[number]) => severities.length - severities.indexOf(severity);

/** A start time may lie a little ahead of the server's clock (staff clocks drift), never more. */
const START_TIME_TOLERANCE_MS = 60_000;

export async function declareIncident(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof declareIncidentInput>,
): Promise<ServiceResult<IncidentRow>> {
  const parsed = parseInput(declareIncidentInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  const startedAt = values.startedAt ?? now;
  if (startedAt.getTime() > now.getTime() + START_TIME_TOLERANCE_MS) {
    return invalid({ startedAt: 'The start time cannot be in the future.' });
  }
  if (startedAt.getFullYear() < 2000) return invalid({ startedAt: 'Enter a start time after the year 2000.' });

  const suggestion = classifySeverity(
    values.signals ?? [],
    values.components.map((change) => change.status),
  );
  if (values.signals !== undefined && values.severity !== suggestion.severity && !values.severityOverrideReason) {
    return invalid({
      severityOverrideReason: `Say why you chose ${severityLabels[values.severity]} rather than the suggested ${severityLabels[suggestion.severity]}.`,
    });
  }

  return context.db.transaction(async (tx) => {
    const known = await knownComponents(
      tx,
      values.components.map((change) => change.componentId),
    );
    const unknown = unknownComponentErrors(values.components, known);
    if (Object.keys(unknown).length > 0) return invalid(unknown);
    const rollback = await withTickedCriteria(tx, [], values.rollbackCriteria);
    if (!rollback.ok) return rollback;
    const policy = await getCommunicationPolicy({ db: tx });
    const promise = nextUpdateByFor(
      policy,
      { severity: values.severity, startedAt },
      { status: values.status, chosen: values.nextUpdateBy },
      now,
    );
    if (!promise.ok) return invalid({ nextUpdateBy: promise.message });

    const created = await insertOne(tx, incident, {
      id: newId(),
      title: values.title,
      severity: values.severity,
      status: values.status,
      startedAt,
      createdAt: now,
      updatedAt: now,
      monitoringAt: values.status === 'monitoring' ? startedAt : null,
      declaredBy: actor.userId,
      ownerId: actor.userId,
      suggestedSeverity: suggestion.severity,
      severitySuggestionReason: suggestion.reason,
      severitySignals: values.signals ?? [],
      severityOverrideReason: values.severity === suggestion.severity ? null : values.severityOverrideReason,
      rollbackCriteriaMet: rollback.value.met,
    });
    const emailed = emailsUpdate(created, policy, values.notifySubscribers);
    const applied = await applyComponentChanges(tx, {
      incidentId: created.id,
      changes: values.components,
      at: startedAt,
      now,
      queue: context.queue,
    });
    await writePublicUpdate(tx, context, {
      incidentId: created.id,
      status: values.status,
      body: values.message,
      componentChanges: applied,
      emailed,
      now,
      displayAt: startedAt,
      createdBy: actor.userId,
      nextUpdateBy: promise.value,
    });
    await applyCustomerEmailRule(tx, context, created, policy, now);
    await scheduleCadenceCheck(tx, context, created, policy);
    await context.queue.send(tx, 'team-alert', { incidentId: created.id, kind: 'declared', occasion: 'declared' });
    await recordAudit(tx, actor, now, {
      action: 'incident.declare',
      entityType: 'incident',
      entityId: created.id,
      after: { ...created, message: values.message, components: applied },
    });
    return success(created);
  });
}

/**
 * Posts an update. Resolving returns every affected component not named in the update to
 * operational, except those another open incident still holds.
 */
export async function postIncidentUpdate(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  input: z.input<typeof postIncidentUpdateInput>,
): Promise<ServiceResult<IncidentUpdateRow>> {
  const parsed = parseInput(postIncidentUpdateInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();

  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, before) => {
    const known = await knownComponents(
      tx,
      values.components.map((change) => change.componentId),
    );
    const unknown = unknownComponentErrors(values.components, known);
    if (Object.keys(unknown).length > 0) return invalid(unknown);
    const rollback = await withTickedCriteria(tx, before.rollbackCriteriaMet, values.rollbackCriteria);
    if (!rollback.ok) return rollback;

    const policy = await getCommunicationPolicy({ db: tx });
    const promise = nextUpdateByFor(policy, before, { status: values.status, chosen: values.nextUpdateBy }, now);
    if (!promise.ok) return invalid({ nextUpdateBy: promise.message });
    const emailed = emailsUpdate(before, policy, values.notifySubscribers);
    const changes: { componentId: string; status: ComponentStatus; maintenanceId?: string }[] = [...values.components];
    if (values.status === 'resolved') changes.push(...(await componentsToRestore(tx, incidentId, changes)));
    const applied = await applyComponentChanges(tx, { incidentId, changes, at: now, now, queue: context.queue });

    const status: IncidentStatus = values.status;
    const after = await updateOne(tx, incident, eq(incident.id, incidentId), {
      status,
      updatedAt: now,
      monitoringAt: status === 'monitoring' ? (before.monitoringAt ?? now) : before.monitoringAt,
      resolvedAt: status === 'resolved' ? (before.resolvedAt ?? now) : isIncidentOpen(status) ? null : before.resolvedAt,
      rollbackCriteriaMet: rollback.value.met,
    });
    const update = await writePublicUpdate(tx, context, {
      incidentId,
      status,
      body: values.message,
      componentChanges: applied,
      emailed,
      now,
      displayAt: now,
      createdBy: actor.userId,
      nextUpdateBy: promise.value,
    });
    await applyCustomerEmailRule(tx, context, after, policy, now);
    await scheduleCadenceCheck(tx, context, after, policy);
    if (status === 'resolved' && before.status !== 'resolved') {
      await schedulePostmortemChecks(tx, context, after, policy);
      // Resolves the PagerDuty alerts the incident triggered (the handler sends only to those).
      await context.queue.send(tx, 'team-alert', { incidentId, kind: 'resolved', occasion: (after.resolvedAt ?? now).toISOString() });
    }
    await alertNewCriteria(tx, context, after, rollback.value.added);
    await recordAudit(tx, actor, now, {
      action: status === 'resolved' ? 'incident.resolve' : 'incident.update',
      entityType: 'incident',
      entityId: incidentId,
      before: { status: before.status },
      after: { status: after.status, message: values.message, components: applied, rollbackCriteriaAdded: rollback.value.added },
    });
    return success(update);
  });
}

/** Corrects the text of a posted update; the time of the correction is kept and shown. */
export async function correctIncidentUpdate(
  context: ServiceContext,
  actor: Actor,
  updateId: string,
  input: z.input<typeof correctIncidentUpdateInput>,
): Promise<ServiceResult<IncidentUpdateRow>> {
  const parsed = parseInput(correctIncidentUpdateInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return withLockedRow(context.db, incidentUpdate, eq(incidentUpdate.id, updateId), 'That update does not exist.', async (tx, before) => {
    const after = await updateOne(tx, incidentUpdate, eq(incidentUpdate.id, updateId), { body: parsed.value.message, editedAt: now });
    await tx.update(incident).set({ updatedAt: now }).where(eq(incident.id, before.incidentId));
    await recordAudit(tx, actor, now, {
      action: 'incident_update.correct',
      entityType: 'incident_update',
      entityId: updateId,
      before: { body: before.body },
      after: { body: after.body },
    });
    return success(after);
  });
}

export async function updateIncidentDetails(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  input: z.input<typeof incidentDetailsInput>,
): Promise<ServiceResult<IncidentRow>> {
  const parsed = parseInput(incidentDetailsInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, before) => {
    const { severityReason, ...details } = parsed.value;
    const severityChanged = details.severity !== before.severity;
    const after = await updateOne(tx, incident, eq(incident.id, incidentId), {
      ...details,
      updatedAt: now,
      ...(severityChanged ? { severityOverrideReason: severityReason } : {}),
    });
    if (severityChanged) {
      const policy = await getCommunicationPolicy({ db: tx });
      await applyCustomerEmailRule(tx, context, after, policy, now);
      await schedulePostmortemChecks(tx, context, after, policy);
      // Later deadlines follow the new severity's cadence (a severity newly with one starts owing updates).
      await scheduleCadenceCheck(tx, context, after, policy);
      if (severityRank(details.severity) > severityRank(before.severity) && isIncidentOpen(after.status)) {
        await context.queue.send(tx, 'team-alert', {
          incidentId,
          kind: 'severity_raised',
          occasion: `${details.severity}@${now.toISOString()}`,
        });
      }
    }
    await recordAudit(tx, actor, now, {
      action: severityChanged ? 'incident.severity' : 'incident.edit',
      entityType: 'incident',
      entityId: incidentId,
      before: { title: before.title, severity: before.severity },
      after: { title: after.title, severity: after.severity, ...(severityChanged ? { reason: severityReason } : {}) },
    });
    return success(after);
  });
}
