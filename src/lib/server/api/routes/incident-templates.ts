import { z } from 'zod';
import { componentStatuses, incidentUpdateStatuses, severities } from '../../../domain/statuses';
import {
  createIncidentTemplate,
  deleteIncidentTemplate,
  getIncidentTemplate,
  incidentTemplateInput,
  listIncidentTemplates,
  updateIncidentTemplate,
  type IncidentTemplate,
  type IncidentTemplateInput,
} from '../../services/incidents/incident-templates';
import { notFound, success, type ServiceResult } from '../../services/kernel/errors';
import { listOf } from '../resources';
import { patched, pathId, route, type ApiCall } from '../route';

const incidentTemplateResource = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  message: z.string(),
  status: z.enum(incidentUpdateStatuses),
  severity: z.enum(severities).nullable(),
  components: z.array(z.object({ componentId: z.string(), name: z.string(), status: z.enum(componentStatuses), archived: z.boolean() })),
  notifySubscribers: z.boolean(),
  createdAt: z.iso.datetime({ offset: false }),
  updatedAt: z.iso.datetime({ offset: false }),
});

function templateJson(template: IncidentTemplate): z.infer<typeof incidentTemplateResource> {
  return {
    id: template.id,
    name: template.name,
    title: template.title,
    message: template.message,
    status: template.status,
    severity: template.severity,
    components: template.components,
    notifySubscribers: template.notifySubscribers,
    createdAt: template.createdAt.toISOString(),
    updatedAt: template.updatedAt.toISOString(),
  };
}

/** A template's stored values in the service's input shape, for a PATCH to lay its fields over. */
const templateFields = (template: IncidentTemplate) => ({
  name: template.name,
  title: template.title,
  message: template.message,
  status: template.status,
  severity: template.severity,
  components: template.components.map((item) => ({ componentId: item.componentId, status: item.status })),
  notifySubscribers: template.notifySubscribers,
});

async function withTemplate<T>(call: ApiCall, act: (template: IncidentTemplate) => Promise<ServiceResult<T>>): Promise<ServiceResult<T>> {
  const template = await getIncidentTemplate(call.context, pathId(call));
  return template ? act(template) : notFound('That template does not exist.');
}

const saved = (result: ServiceResult<IncidentTemplate>) => (result.ok ? success(templateJson(result.value)) : result);

export const incidentTemplateRoutes = [
  route({
    method: 'GET',
    path: '/incident-templates',
    operationId: 'listIncidentTemplates',
    summary: 'Every incident template, by name',
    tag: 'Incident templates',
    role: 'viewer',
    response: { status: 200, description: 'The templates', schema: listOf(incidentTemplateResource) },
    async handle({ context }) {
      return success({ data: (await listIncidentTemplates(context)).map(templateJson) });
    },
  }),
  route({
    method: 'POST',
    path: '/incident-templates',
    operationId: 'createIncidentTemplate',
    summary: 'Create an incident template',
    tag: 'Incident templates',
    role: 'admin',
    body: incidentTemplateInput,
    response: { status: 201, description: 'The new template', schema: incidentTemplateResource },
    async handle({ context, principal, body }) {
      return saved(await createIncidentTemplate(context, principal.actor, body as IncidentTemplateInput));
    },
  }),
  route({
    method: 'GET',
    path: '/incident-templates/{id}',
    operationId: 'getIncidentTemplate',
    summary: 'One incident template',
    tag: 'Incident templates',
    role: 'viewer',
    response: { status: 200, description: 'The template', schema: incidentTemplateResource },
    handle: (call) => withTemplate(call, async (template) => success(templateJson(template))),
  }),
  route({
    method: 'PATCH',
    path: '/incident-templates/{id}',
    operationId: 'updateIncidentTemplate',
    summary: 'Change an incident template (fields left out keep their values)',
    tag: 'Incident templates',
    role: 'admin',
    body: incidentTemplateInput.partial(),
    response: { status: 200, description: 'The template as saved', schema: incidentTemplateResource },
    handle: (call) =>
      withTemplate(call, async (template) =>
        saved(
          await updateIncidentTemplate(
            call.context,
            call.principal.actor,
            template.id,
            patched(templateFields(template), call.body) as IncidentTemplateInput,
          ),
        ),
      ),
  }),
  route({
    method: 'DELETE',
    path: '/incident-templates/{id}',
    operationId: 'deleteIncidentTemplate',
    summary: 'Delete an incident template',
    tag: 'Incident templates',
    role: 'admin',
    response: { status: 204, description: 'Deleted' },
    async handle({ context, principal, params }) {
      const result = await deleteIncidentTemplate(context, principal.actor, pathId({ params }));
      return result.ok ? success(null) : result;
    },
  }),
];
