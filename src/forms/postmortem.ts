import { postmortemDraftInput, publishPostmortem, savePostmortemDraft } from '../lib/server/services/plan/postmortem';
import { parseInput } from '../lib/server/services/kernel/validation';
import { type FormHandler } from './form';
import { fieldText as text, isTicked as notifyChecked } from './posted';

const postmortemPage = (incidentId: string) => `/admin/incidents/${incidentId}/postmortem`;

/** A preview: the posted text and its rendering, shown by the page that answers the POST. */
export interface PostmortemPreview {
  body: string;
  notifySubscribers: boolean;
}

/** Renders the posted text without saving anything. */
export const previewPostmortemForm: FormHandler<PostmortemPreview> = {
  role: 'responder',
  async run({ values }) {
    const parsed = parseInput(postmortemDraftInput, { body: text(values.body) });
    if (!parsed.ok) return parsed;
    const { body } = parsed.value;
    return { ok: true, value: { shown: { body, notifySubscribers: notifyChecked(values.notifySubscribers) } } };
  },
};

export function savePostmortemDraftForm(incidentId: string): FormHandler<PostmortemPreview> {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await savePostmortemDraft(context, actor, incidentId, { body: text(values.body) });
      return result.ok
        ? { ok: true, value: { location: postmortemPage(incidentId), notice: 'Draft saved. It is not public yet.' } }
        : result;
    },
  };
}

export function publishPostmortemForm(incidentId: string): FormHandler<PostmortemPreview> {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await publishPostmortem(context, actor, incidentId, {
        body: text(values.body),
        notifySubscribers: notifyChecked(values.notifySubscribers),
      });
      return result.ok ? { ok: true, value: { location: postmortemPage(incidentId), notice: 'Post-mortem published.' } } : result;
    },
  };
}
