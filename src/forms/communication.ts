import { holdCustomerEmail, reassignIncidentOwner, sendCustomerEmailNow } from '../lib/server/services/plan/communication-plan';
import { severities } from '../lib/domain/statuses';
import { updateCommunicationPolicy } from '../lib/server/services/plan/policy';
import { type FormHandler } from './form';
import { fieldText as text, type FormValues } from './posted';

/** Ticked checkboxes of one name: nothing, one string, or an array of them. */
const ticked = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? [value] : [];

/** A typed number; blank stays undefined, so the service says it is required rather than reading 0. */
const typedNumber = (value: unknown): string | undefined => {
  const trimmed = text(value).trim();
  return trimmed === '' ? undefined : trimmed;
};

const incidentPage = (incidentId: string) => `/admin/incidents/${incidentId}`;

/** "Send customer email now": staff send it ahead of (or instead of) the rule. */
export function sendCustomerEmailNowForm(incidentId: string): FormHandler {
  return {
    role: 'responder',
    async run({ actor, context }) {
      const result = await sendCustomerEmailNow(context, actor, incidentId);
      return result.ok
        ? {
            ok: true,
            value: { location: incidentPage(incidentId), notice: 'Customer email sent to the subscribers of the affected components.' },
          }
        : result;
    },
  };
}

/** "Hold customer email", with the reason staff must give; it then waits until someone sends it. */
export function holdCustomerEmailForm(incidentId: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await holdCustomerEmail(context, actor, incidentId, text(values.holdReason));
      return result.ok
        ? {
            ok: true,
            value: { location: incidentPage(incidentId), notice: 'Customer email held. It will not be sent until someone sends it.' },
          }
        : result;
    },
  };
}

/** A nested group of posted fields (`updateCadence.high.everyMinutes`), or nothing. */
const group = (value: unknown): FormValues =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as FormValues) : {};

/** Each severity's cadence as posted; a blank number stays undefined, which the service reads as "none". */
function postedCadence(values: FormValues) {
  return Object.fromEntries(
    severities.map((severity) => {
      const fields = group(group(values.updateCadence)[severity]);
      return [
        severity,
        {
          everyMinutes: typedNumber(fields.everyMinutes),
          forFirstMinutes: typedNumber(fields.forFirstMinutes),
          thenEveryMinutes: typedNumber(fields.thenEveryMinutes),
        },
      ];
    }),
  );
}

/** The posted policy form, as the service's input (the service validates and converts it). */
export function communicationPolicyValues(values: FormValues) {
  return {
    customerEmailDelaySeconds: typedNumber(values.customerEmailDelaySeconds),
    outageSeverities: ticked(values.outageSeverities),
    updateCadence: postedCadence(values),
    postmortemSeverities: ticked(values.postmortemSeverities),
    postmortemWindowHours: typedNumber(values.postmortemWindowHours),
    postmortemReminderHours: typedNumber(values.postmortemReminderHours),
  };
}

export const updateCommunicationPolicyForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await updateCommunicationPolicy(
      context,
      actor,
      communicationPolicyValues(values) as Parameters<typeof updateCommunicationPolicy>[2],
    );
    return result.ok ? { ok: true, value: { location: '/admin/settings/communication', notice: 'Communication plan saved.' } } : result;
  },
};

/** Hands the incident's communication (and its reminders) to another responder. */
export function reassignOwnerForm(incidentId: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await reassignIncidentOwner(context, actor, incidentId, text(values.ownerId));
      return result.ok
        ? { ok: true, value: { location: incidentPage(incidentId), notice: 'The incident has a new communication owner.' } }
        : result;
    },
  };
}
