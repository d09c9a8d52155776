import type { ActionItemState } from '../lib/domain/action-items';
import type { ActionItemRow } from '../lib/server/db/schema';
import { addActionItem, changeActionItemState, editActionItem } from '../lib/server/services/plan/action-items';
import { type FormHandler } from './form';
import { fieldText as text } from './posted';
import { postmortemPage } from './postmortem';

/** The post-mortem page's action items: add, edit, and close or reopen. The item's id is posted as `itemId`. */

const stateNotices: Record<ActionItemState, string> = {
  open: 'reopened',
  done: 'marked done',
  dropped: 'dropped',
};

export function addActionItemForm(incidentId: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await addActionItem(context, actor, incidentId, {
        title: text(values.title),
        ownerId: text(values.ownerId),
        dueDate: text(values.dueDate),
      });
      return result.ok
        ? { ok: true, value: { location: postmortemPage(incidentId), notice: `Action item “${result.value.title}” added.` } }
        : result;
    },
  };
}

export const editActionItemForm: FormHandler = {
  role: 'responder',
  async run({ values, actor, context }) {
    const result = await editActionItem(context, actor, text(values.itemId), {
      title: text(values.title),
      ownerId: text(values.ownerId),
      dueDate: text(values.dueDate),
    });
    return result.ok
      ? { ok: true, value: { location: postmortemPage(result.value.incidentId), notice: `Action item “${result.value.title}” saved.` } }
      : result;
  },
};

/** Closes (done, dropped) or reopens an item, then goes back to `returnTo` (the page that posted, by default the item's post-mortem). */
export function actionItemStateForm(returnTo?: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await changeActionItemState(context, actor, text(values.itemId), { state: text(values.state) as ActionItemState });
      if (!result.ok) return result;
      const item: ActionItemRow = result.value;
      return {
        ok: true,
        value: {
          location: returnTo ?? postmortemPage(item.incidentId),
          notice: `Action item “${item.title}” ${stateNotices[item.state]}.`,
        },
      };
    },
  };
}
