import { z } from 'zod';
import { notFound, success, type ServiceResult } from '../../services/kernel/errors';
import {
  createMaintenanceTemplate,
  deleteMaintenanceTemplate,
  getMaintenanceTemplate,
  listMaintenanceTemplates,
  maintenanceTemplateInput,
  updateMaintenanceTemplate,
  type MaintenanceTemplate,
  type MaintenanceTemplateInput,
} from '../../services/maintenance/maintenance-templates';
import { listOf } from '../resources';
import { patched, pathId, route, type ApiCall } from '../route';

const maintenanceTemplateResource = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  description: z.string(),
  /** The schedule form sets the end this long after the start. */
  durationMinutes: z.number().int(),
  components: z.array(z.object({ componentId: z.string(), name: z.string(), archived: z.boolean() })),
  setsUnderMaintenance: z.boolean(),
  notifySubscribers: z.boolean(),
  notifyOnSchedule: z.boolean(),
  notifyReminder: z.boolean(),
  notifyOnStart: z.boolean(),
  notifyOnComplete: z.boolean(),
  createdAt: z.iso.datetime({ offset: false }),
  updatedAt: z.iso.datetime({ offset: false }),
});

/**
 * A template's stored values in the service's input shape, for a PATCH to lay its fields over.
 * A component archived since is left out, as the edit form leaves it out, so the PATCH saves.
 */
const templateFields = (template: MaintenanceTemplate) => ({
  name: template.name,
  title: template.title,
  description: template.description,
  durationMinutes: template.durationMinutes,
  components: template.components.filter((item) => !item.archived).map((item) => item.componentId),
  setsUnderMaintenance: template.setsUnderMaintenance,
  notifySubscribers: template.notifySubscribers,
  notifyOnSchedule: template.notifyOnSchedule,
  notifyReminder: template.notifyReminder,
  notifyOnStart: template.notifyOnStart,
  notifyOnComplete: template.notifyOnComplete,
});

function templateJson(template: MaintenanceTemplate): z.infer<typeof maintenanceTemplateResource> {
  return {
    id: template.id,
    ...templateFields(template),
    components: template.components,
    createdAt: template.createdAt.toISOString(),
    updatedAt: template.updatedAt.toISOString(),
  };
}

async function withTemplate<T>(
  call: ApiCall,
  act: (template: MaintenanceTemplate) => Promise<ServiceResult<T>>,
): Promise<ServiceResult<T>> {
  const template = await getMaintenanceTemplate(call.context, pathId(call));
  return template ? act(template) : notFound('That maintenance template does not exist.');
}

const saved = (result: ServiceResult<MaintenanceTemplate>) => (result.ok ? success(templateJson(result.value)) : result);

const tag = 'Maintenance templates';

export const maintenanceTemplateRoutes = [
  route({
    method: 'GET',
    path: '/maintenance-templates',
    operationId: 'listMaintenanceTemplates',
    summary: 'Every maintenance template, by name',
    tag,
    role: 'viewer',
    response: { status: 200, description: 'The templates', schema: listOf(maintenanceTemplateResource) },
    async handle({ context }) {
      return success({ data: (await listMaintenanceTemplates(context)).map(templateJson) });
    },
  }),
  route({
    method: 'POST',
    path: '/maintenance-templates',
    operationId: 'createMaintenanceTemplate',
    summary: 'Create a maintenance template',
    tag,
    role: 'admin',
    body: maintenanceTemplateInput,
    response: { status: 201, description: 'The new template', schema: maintenanceTemplateResource },
    async handle({ context, principal, body }) {
      return saved(await createMaintenanceTemplate(context, principal.actor, body as MaintenanceTemplateInput));
    },
  }),
  route({
    method: 'GET',
    path: '/maintenance-templates/{id}',
    operationId: 'getMaintenanceTemplate',
    summary: 'One maintenance template',
    tag,
    role: 'viewer',
    response: { status: 200, description: 'The template', schema: maintenanceTemplateResource },
    handle: (call) => withTemplate(call, async (template) => success(templateJson(template))),
  }),
  route({
    method: 'PATCH',
    path: '/maintenance-templates/{id}',
    operationId: 'updateMaintenanceTemplate',
    summary: 'Change a maintenance template (fields left out keep their values)',
    tag,
    role: 'admin',
    body: maintenanceTemplateInput.partial(),
    response: { status: 200, description: 'The template as saved', schema: maintenanceTemplateResource },
    handle: (call) =>
      withTemplate(call, async (template) =>
        saved(
          await updateMaintenanceTemplate(
            call.context,
            call.principal.actor,
            template.id,
            patched(templateFields(template), call.body) as MaintenanceTemplateInput,
          ),
        ),
      ),
  }),
  route({
    method: 'DELETE',
    path: '/maintenance-templates/{id}',
    operationId: 'deleteMaintenanceTemplate',
    summary: 'Delete a maintenance template',
    tag,
    role: 'admin',
    response: { status: 204, description: 'Deleted' },
    async handle({ context, principal, params }) {
      const result = await deleteMaintenanceTemplate(context, principal.actor, pathId({ params }));
      return result.ok ? success(null) : result;
    },
  }),
];
