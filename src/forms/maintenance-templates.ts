import { endAfterDuration } from '../lib/domain/maintenance-templates';
import {
  createMaintenanceTemplate,
  deleteMaintenanceTemplate,
  updateMaintenanceTemplate,
  type MaintenanceTemplate,
  type MaintenanceTemplateInput,
} from '../lib/server/services/maintenance/maintenance-templates';
import { type FormHandler } from './form';
import { maintenanceSwitchNames, type MaintenanceFormValues, type MaintenanceSwitch } from './maintenance';
import { fieldText as text, fieldTexts as textList, isTicked, type FormFailure, type FormValues } from './posted';

const TEMPLATES_PAGE = '/admin/templates';

/** The components of a template a form may still choose: archived ones are left out. */
const liveComponentIds = (template: MaintenanceTemplate) =>
  template.components.filter((item) => !item.archived).map((item) => item.componentId);

const switchesOf = (template: MaintenanceTemplate) =>
  Object.fromEntries(maintenanceSwitchNames.map((name) => [name, template[name]])) as Record<MaintenanceSwitch, boolean>;

/** A template as its own form posts it: the same field names, a checked box per live component. */
function templateFormValues(template: MaintenanceTemplate): FormValues {
  const switches = switchesOf(template);
  return {
    name: template.name,
    title: template.title,
    description: template.description,
    durationMinutes: String(template.durationMinutes),
    components: liveComponentIds(template),
    ...Object.fromEntries(maintenanceSwitchNames.map((name) => [name, switches[name] ? 'on' : ''])),
  };
}

/** The edit form filled from a template, in the shape a failed post re-fills it from (no message, no errors). */
export function filledFromMaintenanceTemplate(template: MaintenanceTemplate, intent: string): FormFailure {
  return { intent, status: 200, message: '', fieldErrors: {}, values: templateFormValues(template) };
}

/** The form intent that adds a maintenance template (the templates page also adds incident templates). */
export const CREATE_MAINTENANCE_TEMPLATE = 'create-maintenance';

/** The empty "new maintenance template" form: an hour, every switch on, as on the schedule form. */
export const blankMaintenanceTemplateForm: FormFailure = {
  intent: CREATE_MAINTENANCE_TEMPLATE,
  status: 200,
  message: '',
  fieldErrors: {},
  values: { durationMinutes: '60', ...Object.fromEntries(maintenanceSwitchNames.map((name) => [name, 'on'])) },
};

/** Posted strings cast to the input's types: the service validates them. */
function templateInputOf(values: FormValues): MaintenanceTemplateInput {
  return {
    name: text(values.name),
    title: text(values.title),
    description: text(values.description),
    durationMinutes: text(values.durationMinutes),
    components: textList(values.components),
    ...(Object.fromEntries(maintenanceSwitchNames.map((name) => [name, isTicked(values[name])])) as Record<MaintenanceSwitch, boolean>),
  };
}

export const createMaintenanceTemplateForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await createMaintenanceTemplate(context, actor, templateInputOf(values));
    return result.ok
      ? { ok: true, value: { location: TEMPLATES_PAGE, notice: `Maintenance template “${result.value.name}” added.` } }
      : result;
  },
};

/** Saves the template whose edit page posted; its id comes from the page address, not the form. */
export function updateMaintenanceTemplateForm(id: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await updateMaintenanceTemplate(context, actor, id, templateInputOf(values));
      return result.ok
        ? { ok: true, value: { location: TEMPLATES_PAGE, notice: `Maintenance template “${result.value.name}” saved.` } }
        : result;
    },
  };
}

export function deleteMaintenanceTemplateForm(id: string): FormHandler {
  return {
    role: 'admin',
    async run({ actor, context }) {
      const result = await deleteMaintenanceTemplate(context, actor, id);
      return result.ok
        ? { ok: true, value: { location: TEMPLATES_PAGE, notice: `Maintenance template “${result.value.name}” deleted.` } }
        : result;
    },
  };
}

/** The schedule form filled from a template, and what became of the start staff gave with it. */
export interface ScheduleFromTemplate {
  values: MaintenanceFormValues;
  /** A start was given and the end set from the template's duration. */
  windowSet: boolean;
  /** The start given was not a date and time: the window is left for staff to set. */
  startError: string | undefined;
}

/**
 * The schedule form from a template: its title, description, live components and switches; and,
 * when staff gave a start (a local time in the form's zone), that start and the end the
 * template's duration gives. Without a start the window stays blank for staff to set.
 */
export function scheduleFormFromTemplate(
  template: MaintenanceTemplate,
  startsAt: string,
  defaults: MaintenanceFormValues,
): ScheduleFromTemplate {
  const values: MaintenanceFormValues = {
    ...defaults,
    title: template.title,
    description: template.description,
    components: liveComponentIds(template),
    switches: switchesOf(template),
  };
  if (startsAt.trim() === '') return { values, windowSet: false, startError: undefined };
  const endsAt = endAfterDuration(startsAt, defaults.timeZone, template.durationMinutes);
  if (!endsAt) return { values, windowSet: false, startError: 'Enter the start as a date and time (YYYY-MM-DD HH:MM), or leave it blank.' };
  return { values: { ...values, startsAt: startsAt.trim(), endsAt }, windowSet: true, startError: undefined };
}
