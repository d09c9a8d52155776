import type { ComponentStatus, IncidentUpdateStatus, Severity } from '../lib/domain/statuses';
import {
  createIncidentTemplate,
  deleteIncidentTemplate,
  updateIncidentTemplate,
  type IncidentTemplate,
  type IncidentTemplateInput,
} from '../lib/server/services/incidents/incident-templates';
import { type FormHandler } from './form';
import { onFormRows } from './incidents';
import { componentRows, fieldText as text, isTicked, type FormFailure, type FormValues } from './posted';

const TEMPLATES_PAGE = '/admin/templates';

/**
 * A template as its form (and the declare form) would post it: the same field names, a row per
 * component it names. Archived components are left out: no form may choose them.
 */
export function templateFormValues(template: IncidentTemplate): FormValues {
  const live = template.components.filter((item) => !item.archived);
  return {
    name: template.name,
    title: template.title,
    message: template.message,
    status: template.status,
    severity: template.severity ?? '',
    notifySubscribers: template.notifySubscribers ? 'on' : '',
    components: Object.fromEntries(live.map((item, row) => [String(row), { componentId: item.componentId, status: item.status }])),
  };
}

/** A form filled from a template, in the shape a failed post re-fills it from (no message, no errors). */
export function filledFromTemplate(template: IncidentTemplate, intent: string): FormFailure {
  return { intent, status: 200, message: '', fieldErrors: {}, values: templateFormValues(template) };
}

/**
 * The incident page's update form filled from a template: its status, message and notify choice;
 * the statuses it gives the incident's components (the others keep theirs); and, in the form's one
 * "add a component" row, the first template component the incident does not affect yet.
 */
export function updateFilledFromTemplate(
  template: IncidentTemplate,
  affected: readonly { id: string; status: ComponentStatus }[],
  addable: readonly string[],
): FormFailure {
  const live = template.components.filter((item) => !item.archived);
  const statusOf = new Map(live.map((item) => [item.componentId, item.status]));
  const rows = affected.map((item) => ({ componentId: item.id, status: statusOf.get(item.id) ?? item.status }));
  const added = live.find((item) => addable.includes(item.componentId));
  if (added) rows.push({ componentId: added.componentId, status: added.status });
  return {
    intent: 'update',
    status: 200,
    message: '',
    fieldErrors: {},
    values: {
      status: template.status,
      message: template.message,
      notifySubscribers: template.notifySubscribers ? 'on' : '',
      components: Object.fromEntries(rows.map((row, index) => [String(index), row])),
    },
  };
}

/** The empty "new template" form: Investigating, subscribers notified, as on the declare form. */
export const blankTemplateForm: FormFailure = {
  intent: 'create',
  status: 200,
  message: '',
  fieldErrors: {},
  values: { status: 'investigating', notifySubscribers: 'on' },
};

/** The rows staff gave a status; the others are "Not affected". */
const chosenRows = (values: FormValues) => componentRows(values.components).filter((row) => row.componentId !== '' && row.status !== '');

/** Posted strings cast to the input's types: the service validates them. */
function templateInputOf(values: FormValues): IncidentTemplateInput {
  return {
    name: text(values.name),
    title: text(values.title),
    message: text(values.message),
    status: text(values.status) as IncidentUpdateStatus,
    severity: text(values.severity) as Severity | '',
    components: chosenRows(values).map((row) => ({ componentId: row.componentId, status: row.status as ComponentStatus })),
    notifySubscribers: isTicked(values.notifySubscribers),
  };
}

export const createIncidentTemplateForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = onFormRows(await createIncidentTemplate(context, actor, templateInputOf(values)), chosenRows(values));
    return result.ok ? { ok: true, value: { location: TEMPLATES_PAGE, notice: `Template “${result.value.name}” added.` } } : result;
  },
};

/** Saves the template whose edit page posted; its id comes from the page address, not the form. */
export function updateIncidentTemplateForm(id: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = onFormRows(await updateIncidentTemplate(context, actor, id, templateInputOf(values)), chosenRows(values));
      return result.ok ? { ok: true, value: { location: TEMPLATES_PAGE, notice: `Template “${result.value.name}” saved.` } } : result;
    },
  };
}

export function deleteIncidentTemplateForm(id: string): FormHandler {
  return {
    role: 'admin',
    async run({ actor, context }) {
      const result = await deleteIncidentTemplate(context, actor, id);
      return result.ok ? { ok: true, value: { location: TEMPLATES_PAGE, notice: `Template “${result.value.name}” deleted.` } } : result;
    },
  };
}
