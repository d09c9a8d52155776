import { alertSourceLabels, type AlertSource } from '../lib/domain/alert-intake';
import type { IntakeOutcome } from '../lib/domain/alert-intake-log';
import { wordingKinds, type WordingTemplates } from '../lib/domain/public-wording';
import type { ServiceResult } from '../lib/server/services/kernel/errors';
import { confirmDraft, dismissDraft } from '../lib/server/services/intake/intake-drafts';
import { updateIntakeSettings, type IntakeMode } from '../lib/server/services/intake/intake-settings';
import { type FormHandler } from './form';
import { fieldText as text, indexedList, isTicked } from './posted';

/**
 * The forms of alert intake (issue 7): its settings at /admin/settings/intake (admins), and the
 * Confirm / Dismiss buttons of a draft at /admin/intake (responders).
 */

/** One rule row of the settings form: `rules.<row>.label`, `rules.<row>.value`, `rules.<row>.componentId`. */
export interface RuleRow {
  row: number;
  label: string;
  value: string;
  componentId: string;
}

/** The posted rule rows, in the form's order, blank ones included (the page shows them again after a failure). */
export function ruleRows(value: unknown): RuleRow[] {
  return indexedList(value).map((item, row) => {
    const fields = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    return { row, label: text(fields.label), value: text(fields.value), componentId: text(fields.componentId) };
  });
}

/** A row with neither a label nor a value is no rule: the empty rows for adding one, or a rule removed by clearing it. */
export const isBlankRule = (row: Pick<RuleRow, 'label' | 'value'>): boolean => row.label.trim() === '' && row.value.trim() === '';

/**
 * Renumbers `rules.<n>` field errors from the service's list (only the rows sent) back to the
 * form's own rows, so each message lands next to the row it is about.
 */
function onFormRows<T>(result: ServiceResult<T>, sent: RuleRow[]): ServiceResult<T> {
  if (result.ok || result.failure.kind !== 'invalid') return result;
  const fieldErrors: Record<string, string> = {};
  for (const [key, message] of Object.entries(result.failure.fieldErrors)) {
    const match = /^rules\.(\d+)(\..+)?$/.exec(key);
    const row = match ? sent[Number(match[1])]?.row : undefined;
    fieldErrors[row === undefined ? key : `rules.${row}${match?.[2] ?? ''}`] = message;
  }
  return { ok: false, failure: { ...result.failure, fieldErrors } };
}

/** The posted wording templates, `wording.<kind>` (blank when not sent: the service then uses the default). */
export function postedWording(value: unknown): WordingTemplates {
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return Object.fromEntries(wordingKinds.map((kind) => [kind, text(fields[kind])])) as WordingTemplates;
}

const SETTINGS_PAGE = '/admin/settings/intake';
const INTAKE_PAGE = '/admin/intake';

export const updateIntakeSettingsForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const sent = ruleRows(values.rules).filter((row) => !isBlankRule(row));
    const result = onFormRows(
      await updateIntakeSettings(context, actor, {
        // Posted strings are cast to the input's types: the service validates them.
        mode: (text(values.mode) || undefined) as IntakeMode | undefined,
        autoResolve: isTicked(values.autoResolve),
        // A component left unchosen is sent as missing, for the service's "Choose a component." (not "Unknown id.").
        rules: sent.map((row) => ({
          label: row.label,
          value: row.value,
          componentId: row.componentId === '' ? (undefined as unknown as string) : row.componentId,
        })),
        wording: postedWording(values.wording),
      }),
      sent,
    );
    if (!result.ok) return result;
    const count = result.value.rules.length;
    return {
      ok: true,
      value: { location: SETTINGS_PAGE, notice: `Alert intake settings saved (${count} ${count === 1 ? 'rule' : 'rules'}).` },
    };
  },
};

/** "Confirm": declares the incident the draft proposes, then shows it. */
export const confirmDraftForm: FormHandler = {
  role: 'responder',
  async run({ values, actor, context }) {
    const result = await confirmDraft(context, actor, text(values.draftId));
    if (!result.ok) return result;
    const { incident } = result.value;
    return {
      ok: true,
      value: {
        location: `/admin/incidents/${incident.id}`,
        notice: `Draft confirmed: incident “${incident.title}” declared. Further alerts of its group update it.`,
      },
    };
  },
};

/** "Dismiss": no incident; repeats of the same alerts are ignored until they resolve. */
export const dismissDraftForm: FormHandler = {
  role: 'responder',
  async run({ values, actor, context }) {
    const result = await dismissDraft(context, actor, text(values.draftId));
    if (!result.ok) return result;
    return {
      ok: true,
      value: {
        location: INTAKE_PAGE,
        notice: `Draft “${result.value.title}” dismissed. Repeats of the same alerts are ignored; a new alert in its group proposes a new draft.`,
      },
    };
  },
};

/** A source as people call it; an unknown one (a rejected call's) as sent. */
export const sourceLabel = (source: string): string =>
  Object.hasOwn(alertSourceLabels, source) ? alertSourceLabels[source as AlertSource] : source;

/** What an intake call did, in words, for the intake log. */
const intakeOutcomeLabels: Record<IntakeOutcome, string> = {
  declared: 'Declared an incident',
  updated: 'Updated the incident',
  unchanged: 'Nothing new',
  monitoring: 'Moved the incident to monitoring',
  resolved: 'Resolved the incident',
  drafted: 'Proposed a draft',
  draft_updated: 'Updated the draft',
  draft_closed: 'Closed the draft',
  ignored: 'Ignored',
  rejected: 'Rejected',
  failed: 'Failed (server error)',
};

export const outcomeLabel = (outcome: string): string =>
  Object.hasOwn(intakeOutcomeLabels, outcome) ? intakeOutcomeLabels[outcome as IntakeOutcome] : outcome;
