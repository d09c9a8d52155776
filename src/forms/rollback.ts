import type { RollbackDecision } from '../lib/domain/rollback-criteria';
import type { ServiceResult } from '../lib/server/services/kernel/errors';
import { decideRollback, updateRollbackCriteria } from '../lib/server/services/plan/rollback';
import { type FormHandler } from './form';
import { fieldText as text, indexedList, isTicked, type FormValues } from './posted';

const ROLLBACK_SETTINGS_PAGE = '/admin/settings/rollback';

/** "Rolled back" or "Declined", with the reason: responders decide, as they post updates. */
export function decideRollbackForm(incidentId: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await decideRollback(context, actor, incidentId, {
        decision: text(values.decision) as RollbackDecision,
        reason: text(values.reason),
      });
      return result.ok
        ? { ok: true, value: { location: `/admin/incidents/${incidentId}`, notice: 'Rollback decision recorded.' } }
        : result;
    },
  };
}

/** One row of the settings form: `criteria.<row>.id` (blank on the "add" row), `.label`, `.remove`. */
export interface CriterionRow {
  row: number;
  id: string;
  label: string;
  remove: boolean;
}

export function criterionRows(values: FormValues): CriterionRow[] {
  return indexedList(values.criteria).map((item, row) => {
    const fields = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    return { row, id: text(fields.id).trim(), label: text(fields.label), remove: isTicked(fields.remove) };
  });
}

/** Moves `criteria.<n>` messages from the service's list (the rows sent) back to the form's rows. */
function onCriterionRows<T>(result: ServiceResult<T>, sent: CriterionRow[]): ServiceResult<T> {
  if (result.ok || result.failure.kind !== 'invalid') return result;
  const fieldErrors: Record<string, string> = {};
  for (const [key, message] of Object.entries(result.failure.fieldErrors)) {
    const match = /^criteria\.(\d+)\.(.+)$/.exec(key);
    const row = match ? sent[Number(match[1])]?.row : undefined;
    fieldErrors[row === undefined ? key : `criteria.${row}.${match?.[2]}`] = message;
  }
  return { ok: false, failure: { ...result.failure, fieldErrors } };
}

/** Saves the list: rows ticked "Remove" and a blank "add" row are left out; the rest replace the list. */
export const updateRollbackCriteriaForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const sent = criterionRows(values).filter((row) => !row.remove && (row.id !== '' || row.label.trim() !== ''));
    const result = onCriterionRows(
      await updateRollbackCriteria(context, actor, { criteria: sent.map((row) => ({ id: row.id || undefined, label: row.label })) }),
      sent,
    );
    return result.ok ? { ok: true, value: { location: ROLLBACK_SETTINGS_PAGE, notice: 'Rollback criteria saved.' } } : result;
  },
};
