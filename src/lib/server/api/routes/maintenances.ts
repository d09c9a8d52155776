import { z } from 'zod';
import { utcToZonedTime } from '../../../domain/recurrence';
import { notFound, success, type ServiceResult } from '../../services/kernel/errors';
import { maintenanceActionInput, scheduleMaintenanceInput, updateMaintenanceInput } from '../../services/maintenance/maintenance-input';
import { getMaintenanceDetail, listMaintenances, maintenanceSummariesByIds } from '../../services/maintenance/maintenance-queries';
import { cancelMaintenance, completeMaintenance, startMaintenanceNow } from '../../services/maintenance/maintenance-action-commands';
import { scheduleMaintenance, updateMaintenance } from '../../services/maintenance/maintenance-schedule-commands';
import { listOf, maintenanceJson, maintenanceResource, pageOf } from '../resources';
import { patched, pathId, route, type ApiCall } from '../route';

const listQuery = z.object({
  state: z.enum(['upcoming', 'active', 'past']).default('upcoming'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

async function maintenanceAfter(call: ApiCall, result: ServiceResult<unknown>): Promise<ServiceResult<unknown>> {
  if (!result.ok) return result;
  const detail = await getMaintenanceDetail(call.context, pathId(call));
  return detail ? success(maintenanceJson(detail, call.publicUrl)) : notFound('That maintenance does not exist.');
}

type ActionService = typeof startMaintenanceNow;

/** start, complete, cancel: one body (an optional message, notifySubscribers), the maintenance back. */
const action = (verb: string, operationId: string, summary: string, service: ActionService) =>
  route({
    method: 'POST',
    path: `/maintenances/{id}/${verb}`,
    operationId,
    summary,
    tag: 'Maintenance',
    role: 'responder',
    body: maintenanceActionInput,
    response: { status: 200, description: 'The maintenance', schema: maintenanceResource },
    handle: async (call) => maintenanceAfter(call, await service(call.context, call.principal.actor, pathId(call), call.body)),
  });

export const maintenanceRoutes = [
  route({
    method: 'GET',
    path: '/maintenances',
    operationId: 'listMaintenances',
    summary: 'Maintenances by state: upcoming (soonest first), active, or past (newest first); 25 a page',
    tag: 'Maintenance',
    role: 'viewer',
    query: listQuery,
    response: { status: 200, description: 'A page of maintenances', schema: pageOf(maintenanceResource) },
    async handle({ context, query, publicUrl }) {
      const result = await listMaintenances(context, query as z.output<typeof listQuery>);
      return success({
        data: result.items.map((item) => maintenanceJson(item, publicUrl)),
        page: result.page,
        pageCount: result.pageCount,
        total: result.total,
      });
    },
  }),
  route({
    method: 'POST',
    path: '/maintenances',
    operationId: 'scheduleMaintenance',
    summary: 'Schedule a maintenance (times are wall-clock in `timeZone`), a recurring series, or a backfill',
    tag: 'Maintenance',
    role: 'responder',
    body: scheduleMaintenanceInput,
    response: {
      status: 201,
      description: 'The maintenances created (one, or every occurrence of a series)',
      schema: listOf(maintenanceResource),
    },
    async handle(call) {
      const result = await scheduleMaintenance(call.context, call.principal.actor, call.body as z.input<typeof scheduleMaintenanceInput>);
      if (!result.ok) return result;
      const created = await maintenanceSummariesByIds(
        call.context,
        result.value.map((row) => row.id),
      );
      return success({ data: created.map((item) => maintenanceJson(item, call.publicUrl)) });
    },
  }),
  route({
    method: 'GET',
    path: '/maintenances/{id}',
    operationId: 'getMaintenance',
    summary: 'One maintenance with its updates, newest first',
    tag: 'Maintenance',
    role: 'viewer',
    response: { status: 200, description: 'The maintenance', schema: maintenanceResource },
    handle: (call) => maintenanceAfter(call, success(null)),
  }),
  route({
    method: 'PATCH',
    path: '/maintenances/{id}',
    operationId: 'updateMaintenance',
    summary: 'Change or reschedule a maintenance (fields left out keep their values)',
    tag: 'Maintenance',
    role: 'responder',
    body: updateMaintenanceInput.partial(),
    response: { status: 200, description: 'The maintenance as saved', schema: maintenanceResource },
    async handle(call) {
      const detail = await getMaintenanceDetail(call.context, pathId(call));
      if (!detail) return notFound('That maintenance does not exist.');
      const row = detail.maintenance;
      const zone = typeof call.body.timeZone === 'string' ? call.body.timeZone : row.timeZone;
      const stored = {
        title: row.title,
        description: row.description,
        components: detail.components.map((item) => item.id),
        startsAt: safeLocal(row.scheduledFor, zone) ?? utcToZonedTime(row.scheduledFor, row.timeZone),
        endsAt: safeLocal(row.scheduledUntil, zone) ?? utcToZonedTime(row.scheduledUntil, row.timeZone),
        timeZone: row.timeZone,
        setsUnderMaintenance: row.setsUnderMaintenance,
        notifySubscribers: row.notifySubscribers,
        notifyOnSchedule: row.notifyOnSchedule,
        notifyReminder: row.notifyReminder,
        notifyOnStart: row.notifyOnStart,
        notifyOnComplete: row.notifyOnComplete,
      };
      const input = patched(stored, call.body) as z.input<typeof updateMaintenanceInput>;
      return maintenanceAfter(call, await updateMaintenance(call.context, call.principal.actor, row.id, input));
    },
  }),
  action('start', 'startMaintenance', 'Start a scheduled maintenance now', startMaintenanceNow),
  action('complete', 'completeMaintenance', 'Complete a maintenance in progress now', completeMaintenance),
  action('cancel', 'cancelMaintenance', 'Cancel a maintenance (components return as at its end)', cancelMaintenance),
];

/**
 * The stored times read in the zone a PATCH names, so that changing only the zone keeps the
 * same instants; undefined when the zone is not one (the service then refuses it by name).
 */
function safeLocal(instant: Date, zone: string): string | undefined {
  try {
    return utcToZonedTime(instant, zone);
  } catch {
    return undefined;
  }
}
