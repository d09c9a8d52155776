import { statusOfFailure } from '../lib/server/http';
import type { ServiceContext } from '../lib/server/services/kernel/context';
import type { WebhookSubscriberRow } from '../lib/server/db/schema';
import {
  findWebhookByToken,
  reenableWebhookSubscriber,
  registerWebhook,
  removeWebhookSubscriber,
  removeWebhookWithToken,
  requestVerificationAgain,
} from '../lib/server/services/webhooks/webhook-subscribers';
import { readForm, type FormHandler, type FormRequest } from './form';
import { fieldText, fieldTexts, type FormFailure, type FormValues } from './posted';

const UNREADABLE_FORM = 'The form could not be read. Please send it again.';

function failure(status: number, message: string, values: FormValues, fieldErrors: Record<string, string> = {}): FormFailure {
  return { intent: 'webhook', status, message, fieldErrors, values };
}

/** What the page shows once, right after a webhook is registered: its secret among it. */
export interface WebhookRegistered {
  url: string;
  signingSecret: string;
  manageUrl: string;
}

/** The subscribe page's webhook form: registers the URL and returns its secret to show once. */
export async function registerWebhookFromForm(astro: FormRequest): Promise<WebhookRegistered | FormFailure> {
  const values = await readForm(astro.request);
  if (!values) return failure(400, UNREADABLE_FORM, {});
  const result = await registerWebhook(
    astro.locals.context,
    // Anything but a string becomes '', which the service refuses as an unknown id.
    {
      url: fieldText(values.url),
      email: fieldText(values.email),
      componentIds: [values.componentIds ?? []].flat().map((item) => (typeof item === 'string' ? item : '')),
    },
    astro.locals.clientKey,
  );
  if (!result.ok) {
    const fieldErrors: Record<string, string> = {};
    if ('fieldErrors' in result.failure) {
      for (const [key, message] of Object.entries(result.failure.fieldErrors)) {
        const [field, text] = key.startsWith('componentIds') ? ['componentIds', 'Choose components from the list.'] : [key, message];
        fieldErrors[field] ??= text;
      }
    }
    return failure(statusOfFailure(result.failure), result.failure.message, values, fieldErrors);
  }
  if (result.value.kind === 'rate_limited') {
    const minutes = Math.max(1, Math.ceil(result.value.retryAfterSeconds / 60));
    return failure(429, `Too many requests, try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, values);
  }
  return {
    url: result.value.url,
    signingSecret: result.value.signingSecret,
    manageUrl: `/webhooks/unsubscribe/${result.value.unsubscribeToken}`,
  };
}

export type WebhookLinkState =
  { kind: 'showing'; webhook: WebhookSubscriberRow; notice: string | null } | { kind: 'removed' } | { kind: 'gone' };

/**
 * The webhook's own page (the `meta.unsubscribe` link): GET shows its state; POST removes it
 * (the default: a receiver may POST the link as it is) or, with `intent=verify`, asks for
 * another verification request.
 */
export async function webhookLink(astro: FormRequest, token: string): Promise<WebhookLinkState> {
  const context: ServiceContext = astro.locals.context;
  if (astro.request.method === 'POST') {
    const values = (await readForm(astro.request)) ?? {};
    if (fieldText(values.intent) === 'verify') {
      const outcome = await requestVerificationAgain(context, token);
      if (outcome === 'gone') return { kind: 'gone' };
      const notice = {
        queued: 'A verification request is on its way. Reload this page in a few seconds to see the result.',
        not_pending: 'This webhook is not waiting for verification.',
        rate_limited: 'Too many verification requests for this webhook; try again in an hour.',
      }[outcome];
      const webhook = await findWebhookByToken(context.db, token);
      return webhook ? { kind: 'showing', webhook, notice } : { kind: 'gone' };
    }
    return (await removeWebhookWithToken(context, token)) ? { kind: 'removed' } : { kind: 'gone' };
  }
  const webhook = await findWebhookByToken(context.db, token);
  return webhook ? { kind: 'showing', webhook, notice: null } : { kind: 'gone' };
}

/** The admin page's forms: remove a webhook, or give a disabled one another chance. */
export const webhookAdminForms: Record<string, FormHandler> = {
  remove: {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await removeWebhookSubscriber(context, actor, fieldText(values.subscriberId));
      return result.ok
        ? { ok: true, value: { location: '/admin/subscribers/webhooks', notice: `Removed the webhook to ${result.value.url}.` } }
        : result;
    },
  },
  reenable: {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await reenableWebhookSubscriber(context, actor, fieldText(values.subscriberId));
      return result.ok
        ? {
            ok: true,
            value: {
              location: '/admin/subscribers/webhooks',
              notice: `A verification request is on its way to ${result.value.url}; it is active again once answered.`,
            },
          }
        : result;
    },
  },
};

/** The component ids a failed webhook form posted, to tick the same boxes again. */
export function postedWebhookComponents(failed: FormFailure | null): string[] {
  return failed ? fieldTexts(failed.values.componentIds) : [];
}
