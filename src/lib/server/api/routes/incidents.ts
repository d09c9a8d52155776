import { z } from 'zod';
import { classifySeverity } from '../../../domain/severity-classifier';
import type { ComponentStatus } from '../../../domain/statuses';
import { holdCustomerEmail, sendCustomerEmailNow } from '../../services/plan/communication-plan';
import { notFound, success, type ServiceResult } from '../../services/kernel/errors';
import { listIncidents } from '../../services/incidents/incident-lists';
import {
  declareIncident,
  declareIncidentInput,
  incidentDetailsInput,
  postIncidentUpdate,
  postIncidentUpdateInput,
  updateIncidentDetails,
} from '../../services/incidents/incident-commands';
import { getIncidentDetail } from '../../services/incidents/incident-detail';
import { publishPostmortem, publishPostmortemInput } from '../../services/plan/postmortem';
import { decideRollback, rollbackDecisionInput } from '../../services/plan/rollback';
import { incidentDetailJson, incidentResource, incidentSummaryJson, pageOf } from '../resources';
import { pathId, route, type ApiCall } from '../route';

/** Declaring: a severity, or the monitoring signals for the classifier to choose one from. */
const declareInput = declareIncidentInput.partial({ severity: true });
const resolveInput = postIncidentUpdateInput.omit({ status: true });
const severityInput = incidentDetailsInput.pick({ severity: true, severityReason: true });
const holdInput = z.object({ holdReason: z.string().max(500) });

const listQuery = z.object({
  state: z.enum(['open', 'closed', 'all']).default('all'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

/** Answers with the incident as it now is, after a write on it succeeded. */
async function incidentAfter(call: ApiCall, result: ServiceResult<unknown>): Promise<ServiceResult<unknown>> {
  if (!result.ok) return result;
  const detail = await getIncidentDetail(call.context, pathId(call));
  return detail ? success(incidentDetailJson(detail, call.publicUrl)) : notFound('That incident does not exist.');
}

export const incidentRoutes = [
  route({
    method: 'GET',
    path: '/incidents',
    operationId: 'listIncidents',
    summary: 'Incidents, newest first, 20 a page',
    tag: 'Incidents',
    role: 'viewer',
    query: listQuery,
    response: { status: 200, description: 'A page of incidents', schema: pageOf(incidentResource) },
    async handle({ context, query, publicUrl }) {
      const { state, page } = query as z.output<typeof listQuery>;
      const result = await listIncidents(context, { page, state });
      return success({
        data: result.items.map((item) => incidentSummaryJson(item, publicUrl)),
        page: result.page,
        pageCount: result.pageCount,
        total: result.total,
      });
    },
  }),
  route({
    method: 'POST',
    path: '/incidents',
    operationId: 'declareIncident',
    summary: 'Declare an incident, with a severity or with signals for the classifier',
    tag: 'Incidents',
    role: 'responder',
    body: declareInput,
    response: { status: 201, description: 'The incident, with its first update', schema: incidentResource },
    async handle(call) {
      const body = call.body as z.input<typeof declareInput>;
      // Without a severity, the classifier's suggestion is the severity (so no override reason is owed).
      const signals = Array.isArray(body.signals) ? body.signals : undefined;
      // The body is JSON as sent (the service validates it later): a listed component may be anything.
      const listed: unknown[] = Array.isArray(call.body.components) ? call.body.components : [];
      const statuses = listed
        .map((item) => (typeof item === 'object' && item !== null && 'status' in item ? item.status : undefined))
        .filter((status): status is ComponentStatus => typeof status === 'string');
      const severity = body.severity ?? (signals ? classifySeverity(signals, statuses).severity : undefined);
      const result = await declareIncident(call.context, call.principal.actor, { ...body, severity } as z.input<
        typeof declareIncidentInput
      >);
      if (!result.ok) return result;
      return incidentAfter({ ...call, params: { id: result.value.id } }, result);
    },
  }),
  route({
    method: 'GET',
    path: '/incidents/{id}',
    operationId: 'getIncident',
    summary: 'One incident with its updates, newest first',
    tag: 'Incidents',
    role: 'viewer',
    response: { status: 200, description: 'The incident', schema: incidentResource },
    handle: (call) => incidentAfter(call, success(null)),
  }),
  route({
    method: 'POST',
    path: '/incidents/{id}/updates',
    operationId: 'postIncidentUpdate',
    summary: 'Post an update (and change component statuses)',
    tag: 'Incidents',
    role: 'responder',
    body: postIncidentUpdateInput,
    response: { status: 201, description: 'The incident with the new update', schema: incidentResource },
    handle: async (call) =>
      incidentAfter(
        call,
        await postIncidentUpdate(call.context, call.principal.actor, pathId(call), call.body as z.input<typeof postIncidentUpdateInput>),
      ),
  }),
  route({
    method: 'POST',
    path: '/incidents/{id}/resolve',
    operationId: 'resolveIncident',
    summary: 'Resolve an incident: its components return to operational unless named',
    tag: 'Incidents',
    role: 'responder',
    body: resolveInput,
    response: { status: 200, description: 'The resolved incident', schema: incidentResource },
    handle: async (call) =>
      incidentAfter(
        call,
        await postIncidentUpdate(call.context, call.principal.actor, pathId(call), {
          ...(call.body as z.input<typeof resolveInput>),
          status: 'resolved',
        }),
      ),
  }),
  route({
    method: 'POST',
    path: '/incidents/{id}/severity',
    operationId: 'changeIncidentSeverity',
    summary: 'Change the severity (the plan re-runs: customer email, alerts, post-mortem)',
    tag: 'Incidents',
    role: 'responder',
    body: severityInput,
    response: { status: 200, description: 'The incident with its new severity', schema: incidentResource },
    async handle(call) {
      const detail = await getIncidentDetail(call.context, pathId(call));
      if (!detail) return notFound('That incident does not exist.');
      const input = { ...(call.body as z.input<typeof severityInput>), title: detail.incident.title };
      return incidentAfter(call, await updateIncidentDetails(call.context, call.principal.actor, pathId(call), input));
    },
  }),
  route({
    method: 'POST',
    path: '/incidents/{id}/postmortem',
    operationId: 'publishPostmortem',
    summary: 'Publish (or republish) the post-mortem, in Markdown',
    tag: 'Incidents',
    role: 'responder',
    body: publishPostmortemInput,
    response: { status: 200, description: 'The incident, now in the post-mortem status', schema: incidentResource },
    handle: async (call) =>
      incidentAfter(
        call,
        await publishPostmortem(call.context, call.principal.actor, pathId(call), call.body as z.input<typeof publishPostmortemInput>),
      ),
  }),
  route({
    method: 'POST',
    path: '/incidents/{id}/rollback-decision',
    operationId: 'decideRollback',
    summary: 'Record whether a rollback was done or declined, with a reason (once a rollback criterion holds)',
    tag: 'Incidents',
    role: 'responder',
    body: rollbackDecisionInput,
    response: { status: 200, description: 'The incident with its rollback decision', schema: incidentResource },
    handle: async (call) =>
      incidentAfter(
        call,
        await decideRollback(call.context, call.principal.actor, pathId(call), call.body as z.input<typeof rollbackDecisionInput>),
      ),
  }),
  route({
    method: 'POST',
    path: '/incidents/{id}/customer-email/send',
    operationId: 'sendCustomerEmailNow',
    summary: 'Send the customer email now, whatever the 5-minute rule says',
    tag: 'Incidents',
    role: 'responder',
    response: { status: 200, description: 'The incident', schema: incidentResource },
    handle: async (call) => incidentAfter(call, await sendCustomerEmailNow(call.context, call.principal.actor, pathId(call))),
  }),
  route({
    method: 'POST',
    path: '/incidents/{id}/customer-email/hold',
    operationId: 'holdCustomerEmail',
    summary: 'Hold the customer email, with a reason',
    tag: 'Incidents',
    role: 'responder',
    body: holdInput,
    response: { status: 200, description: 'The incident', schema: incidentResource },
    handle: async (call) => {
      const reason = typeof call.body.holdReason === 'string' ? call.body.holdReason : '';
      return incidentAfter(call, await holdCustomerEmail(call.context, call.principal.actor, pathId(call), reason));
    },
  }),
];
