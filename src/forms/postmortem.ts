import { postmortemDraftInput, publishPostmortem, savePostmortemDraft } from '../lib/server/services/plan/postmortem';
import { parseInput } from '../lib/server/services/kernel/validation';
import { invalid, notFound } from '../lib/server/services/kernel/errors';
import { getPostmortemTemplate } from '../lib/server/services/plan/postmortem-timeline';
import { type FormHandler } from './form';
import { fieldText as text, isTicked as notifyChecked } from './posted';

export const postmortemPage = (incidentId: string) => `/admin/incidents/${incidentId}/postmortem`;

/** The editor's text as the page that answers the POST shows it: a preview (rendered below), or the template put in. */
export interface PostmortemPreview {
  body: string;
  notifySubscribers: boolean;
  rendered: boolean;
}

/** Renders the posted text without saving anything. */
export const previewPostmortemForm: FormHandler<PostmortemPreview> = {
  role: 'responder',
  async run({ values }) {
    const parsed = parseInput(postmortemDraftInput, { body: text(values.body) });
    if (!parsed.ok) return parsed;
    const { body } = parsed.value;
    return { ok: true, value: { shown: { body, notifySubscribers: notifyChecked(values.notifySubscribers), rendered: true } } };
  },
};

const TEMPLATE_NEEDS_EMPTY = 'The template goes only into an empty post-mortem: clear the text first, or keep writing.';

/** Fills an empty editor with the template (summary, impact, the incident's timeline, ...); never replaces text. */
export function postmortemTemplateForm(incidentId: string): FormHandler<PostmortemPreview> {
  return {
    role: 'responder',
    async run({ values, context }) {
      if (text(values.body).trim() !== '') return invalid({ body: TEMPLATE_NEEDS_EMPTY }, TEMPLATE_NEEDS_EMPTY);
      const body = await getPostmortemTemplate(context, incidentId);
      if (body === undefined) return notFound('That incident does not exist.');
      return { ok: true, value: { shown: { body, notifySubscribers: notifyChecked(values.notifySubscribers), rendered: false } } };
    },
  };
}

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
