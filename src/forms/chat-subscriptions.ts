import { chatPlatforms } from '../lib/domain/chat/channel-kinds';
import { config } from '../lib/server/config';
import type { ChatSubscriberRow } from '../lib/server/db/schema/webhooks';
import { statusOfFailure } from '../lib/server/http';
import { findChatSubscriberByToken } from '../lib/server/services/chat-subscribers/chat-unsubscribe-links';
import { confirmChatSubscriber, registerChatSubscriber, unsubscribeChat } from '../lib/server/services/chat-subscribers/chat-subscriptions';
import type { ServiceFailure } from '../lib/server/services/kernel/errors';
import { guardedHttp } from '../lib/server/services/webhooks/outbound-http';
import { readForm, type FormRequest } from './form';
import { fieldText, type FormFailure, type FormValues } from './posted';

const UNREADABLE_FORM = 'The form could not be read. Please send it again.';

function failure(
  intent: string,
  status: number,
  message: string,
  values: FormValues,
  fieldErrors: Record<string, string> = {},
): FormFailure {
  return { intent, status, message, fieldErrors, values };
}

function fieldErrorsOf(serviceFailure: ServiceFailure): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  if ('fieldErrors' in serviceFailure) {
    for (const [key, message] of Object.entries(serviceFailure.fieldErrors)) {
      const [field, text] = key.startsWith('componentIds') ? ['componentIds', 'Choose components from the list.'] : [key, message];
      fieldErrors[field] ??= text;
    }
  }
  return fieldErrors;
}

/** After registering: the code is in the channel, and the page asks for it. */
export interface ChatCodeSent {
  subscriberId: string;
  platform: ChatSubscriberRow['platform'];
}

/** The subscribe page's chat form: posts the code to the channel and stores the pending subscription. */
export async function registerChatFromForm(astro: FormRequest): Promise<ChatCodeSent | FormFailure> {
  const values = await readForm(astro.request);
  if (!values) return failure('chat', 400, UNREADABLE_FORM, {});
  const result = await registerChatSubscriber(
    astro.locals.context,
    {
      // Anything but a string becomes '', which the service refuses with a clear message.
      platform: fieldText(values.platform),
      url: fieldText(values.url),
      ownerEmail: fieldText(values.email),
      componentIds: [values.componentIds ?? []].flat().map((item) => (typeof item === 'string' ? item : '')),
    },
    astro.locals.clientKey,
    { http: guardedHttp, publicUrl: config().publicUrl },
  );
  if (!result.ok) return failure('chat', statusOfFailure(result.failure), result.failure.message, values, fieldErrorsOf(result.failure));
  if (result.value.kind === 'rate_limited') {
    const minutes = Math.max(1, Math.ceil(result.value.retryAfterSeconds / 60));
    return failure('chat', 429, `Too many requests, try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, values);
  }
  return { subscriberId: result.value.subscriberId, platform: result.value.platform };
}

export type ChatConfirmOutcome = { kind: 'confirmed' } | { kind: 'retry'; sent: ChatCodeSent; failure: FormFailure };

/** The code form: the subscription becomes active, or the same form again with why not. */
export async function confirmChatFromForm(astro: FormRequest): Promise<ChatConfirmOutcome> {
  const values = (await readForm(astro.request)) ?? {};
  const subscriberId = fieldText(values.subscriberId);
  const posted = fieldText(values.platform);
  const platform = chatPlatforms.find((known) => known === posted) ?? 'slack';
  const result = await confirmChatSubscriber(astro.locals.context, subscriberId, fieldText(values.code));
  if (result.ok) return { kind: 'confirmed' };
  const fieldErrors = fieldErrorsOf(result.failure);
  if (!fieldErrors.code) fieldErrors.code = result.failure.message;
  return {
    kind: 'retry',
    sent: { subscriberId, platform },
    failure: failure('chat-confirm', statusOfFailure(result.failure), 'The subscription is not confirmed yet.', values, fieldErrors),
  };
}

export type ChatUnsubscribeState = { kind: 'showing'; subscriber: ChatSubscriberRow } | { kind: 'removed' } | { kind: 'gone' };

/**
 * The footer link of every chat message. GET only shows the channel and asks (chat apps and link
 * scanners open links to preview them, which must not unsubscribe); the button POSTs, which removes it.
 */
export async function chatUnsubscribeLink(astro: FormRequest, token: string): Promise<ChatUnsubscribeState> {
  const context = astro.locals.context;
  if (astro.request.method === 'POST') return (await unsubscribeChat(context, token)) ? { kind: 'removed' } : { kind: 'gone' };
  const subscriber = await findChatSubscriberByToken(context.db, token);
  return subscriber ? { kind: 'showing', subscriber } : { kind: 'gone' };
}
