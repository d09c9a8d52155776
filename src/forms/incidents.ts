import { classifySeverity, severitySignalIds, type SeveritySignalId, type SeveritySuggestion } from '../lib/domain/severity-classifier';
import { zonedTimeToUtc } from '../lib/domain/recurrence';
import { componentStatuses, type ComponentStatus, type IncidentUpdateStatus, type Severity } from '../lib/domain/statuses';
import type { ServiceResult } from '../lib/server/services/kernel/errors';
import {
  correctIncidentUpdate,
  declareIncident,
  postIncidentUpdate,
  updateIncidentDetails,
} from '../lib/server/services/incidents/incident-commands';
import { type FormHandler } from './form';
import { fieldText as text, fieldTexts as textList, isTicked as notifyChecked, componentRows, type ComponentRow } from './posted';

type DeclareInput = Parameters<typeof declareIncident>[2];

/** The rows sent to the service. Posted strings are cast to the input's types: the service validates them. */
function changesOf(rows: ComponentRow[]) {
  return rows.map((row) => ({ componentId: row.componentId, status: row.status as ComponentStatus }));
}

/**
 * Renumbers `components.<n>` field errors from the service's list (only the rows sent) back to
 * the form's own rows, so each message lands next to the row it is about.
 */
export function onFormRows<T>(result: ServiceResult<T>, sent: ComponentRow[]): ServiceResult<T> {
  if (result.ok || result.failure.kind !== 'invalid') return result;
  const fieldErrors: Record<string, string> = {};
  for (const [key, message] of Object.entries(result.failure.fieldErrors)) {
    const match = /^components\.(\d+)(\..+)?$/.exec(key);
    const row = match ? sent[Number(match[1])]?.row : undefined;
    fieldErrors[row === undefined ? key : `components.${row}${match?.[2] ?? ''}`] = message;
  }
  return { ok: false, failure: { ...result.failure, fieldErrors } };
}

/** A `datetime-local` value read as UTC; blank means "now". Anything unreadable fails validation. */
function utcDateTime(value: unknown): Date | undefined {
  const input = text(value).trim();
  if (input === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(input)) return new Date(`${input}:00Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(input)) return new Date(`${input}Z`);
  return new Date(Number.NaN);
}

/** "Next update by": a `datetime-local` value in the zone the form names; blank leaves the cadence's time. */
function nextUpdateTime(values: Record<string, unknown>): Date | undefined {
  const input = text(values.nextUpdateBy).trim();
  if (input === '') return undefined;
  return zonedTimeToUtc(input, text(values.nextUpdateTimeZone)) ?? new Date(Number.NaN);
}

/**
 * The signal checkboxes of the declare form (`name="signals"`, one value per ticked box). Always a
 * list, possibly empty: the form always asks, so the service always compares with its suggestion.
 */
export function postedSignals(values: Record<string, unknown>): string[] {
  return textList(values.signals);
}

/**
 * The classifier's suggestion for what a declare form holds: its ticked signals and the statuses
 * chosen for the affected components. Unknown values (a forged post) are left out here; the
 * service refuses them when the form is sent.
 */
export function suggestionForForm(values: Record<string, unknown>): SeveritySuggestion {
  const signals = postedSignals(values).filter((id): id is SeveritySignalId => (severitySignalIds as readonly string[]).includes(id));
  const statuses = componentRows(values.components)
    .map((row) => row.status)
    .filter((status): status is ComponentStatus => (componentStatuses as readonly string[]).includes(status));
  return classifySeverity(signals, statuses);
}

const incidentPage = (incidentId: string) => `/admin/incidents/${incidentId}`;

export const declareIncidentForm: FormHandler = {
  role: 'responder',
  async run({ values, actor, context }) {
    const sent = componentRows(values.components).filter((row) => row.status !== '');
    const result = onFormRows(
      await declareIncident(context, actor, {
        title: text(values.title),
        severity: text(values.severity) as Severity,
        signals: postedSignals(values) as SeveritySignalId[],
        severityOverrideReason: text(values.severityOverrideReason),
        status: text(values.status) as DeclareInput['status'],
        message: text(values.message),
        components: changesOf(sent),
        startedAt: utcDateTime(values.startedAt),
        notifySubscribers: notifyChecked(values.notifySubscribers),
        rollbackCriteria: textList(values.rollbackCriteria),
        nextUpdateBy: nextUpdateTime(values),
      }),
      sent,
    );
    return result.ok ? { ok: true, value: { location: incidentPage(result.value.id), notice: 'Incident declared.' } } : result;
  },
};

/** What the declare form's "Suggest severity" button answers with: the form as posted, and the suggestion for it. */
export interface SeveritySuggestionShown {
  values: Record<string, unknown>;
  suggestion: SeveritySuggestion;
}

/**
 * "Suggest severity" on the declare form, for browsers without JavaScript: writes nothing, and
 * answers the post with the same form, its suggestion computed here and pre-selected.
 */
export const suggestSeverityForm: FormHandler<SeveritySuggestionShown> = {
  role: 'responder',
  async run({ values }) {
    return { ok: true, value: { shown: { values, suggestion: suggestionForForm(values) } } };
  },
};

/** Posts an update; a row whose component is left blank (the optional "add a component" row) is skipped. */
export function postIncidentUpdateForm(incidentId: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const sent = componentRows(values.components).filter((row) => row.componentId !== '');
      const result = onFormRows(
        await postIncidentUpdate(context, actor, incidentId, {
          status: text(values.status) as IncidentUpdateStatus,
          message: text(values.message),
          components: changesOf(sent),
          notifySubscribers: notifyChecked(values.notifySubscribers),
          rollbackCriteria: textList(values.rollbackCriteria),
          nextUpdateBy: nextUpdateTime(values),
        }),
        sent,
      );
      return result.ok ? { ok: true, value: { location: incidentPage(incidentId), notice: 'Update posted.' } } : result;
    },
  };
}

/**
 * Resolves an incident. Components left at Operational are not named in the update: the service
 * then returns them to operational itself, except one another open incident still affects.
 */
export function resolveIncidentForm(incidentId: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const sent = componentRows(values.components).filter((row) => row.componentId !== '' && row.status !== 'operational');
      const result = onFormRows(
        await postIncidentUpdate(context, actor, incidentId, {
          status: 'resolved',
          message: text(values.message),
          components: changesOf(sent),
          notifySubscribers: notifyChecked(values.notifySubscribers),
        }),
        sent,
      );
      return result.ok ? { ok: true, value: { location: incidentPage(incidentId), notice: 'Incident resolved.' } } : result;
    },
  };
}

export const correctIncidentUpdateForm: FormHandler = {
  role: 'responder',
  async run({ values, actor, context }) {
    const result = await correctIncidentUpdate(context, actor, text(values.updateId), { message: text(values.message) });
    return result.ok ? { ok: true, value: { location: incidentPage(result.value.incidentId), notice: 'Update text corrected.' } } : result;
  },
};

export function incidentDetailsForm(incidentId: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await updateIncidentDetails(context, actor, incidentId, {
        title: text(values.title),
        severity: text(values.severity) as Severity,
        severityReason: text(values.severityReason),
      });
      return result.ok ? { ok: true, value: { location: incidentPage(incidentId), notice: 'Incident details saved.' } } : result;
    },
  };
}
