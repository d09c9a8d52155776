import { statusOfFailure } from '../lib/server/http';
import type { ServiceContext } from '../lib/server/services/kernel/context';
import type { ServiceFailure } from '../lib/server/services/kernel/errors';
import { checkSubscriberToken } from '../lib/server/services/subscribers/subscriber-tokens';
import {
  confirmSubscription,
  requestSubscription,
  unsubscribe,
  updateSubscriptionComponents,
  type TokenFailure,
} from '../lib/server/services/subscribers/subscribers';
import { readForm, type FormRequest } from './form';
import { setNotice } from '../lib/server/notice';
import { type FormFailure, type FormValues } from './posted';

const UNREADABLE_FORM = 'The form could not be read. Please send it again.';
const COMPONENT_CHOICE_ERROR = 'Choose components from the list.';

/** Subscriber pages carry a secret in their address: no cache may keep them. */
export function keepPrivate(headers: Headers): void {
  headers.set('Cache-Control', 'no-store');
}

function redirectPrivately(astro: FormRequest, location: string): Response {
  const response = astro.redirect(location, 303);
  keepPrivate(response.headers);
  return response;
}

/** The ticked component checkboxes: none, one (a string) or several (an array). */
function chosenIds(values: FormValues): string[] {
  const raw = values.componentIds;
  if (raw === undefined) return [];
  // Anything but a string becomes '', which the service refuses as an unknown id.
  return (Array.isArray(raw) ? raw : [raw]).map((item) => (typeof item === 'string' ? item : ''));
}

/** The component choice a failed form posted, to tick the same boxes again. */
export function postedComponentIds(failure: FormFailure | null): string[] {
  return failure ? chosenIds(failure.values) : [];
}

function formFailure(
  intent: string,
  status: number,
  message: string,
  values: FormValues,
  fieldErrors: Record<string, string> = {},
): FormFailure {
  return { intent, status, message, fieldErrors, values };
}

function serviceFailure(intent: string, values: FormValues, failure: ServiceFailure): FormFailure {
  const fieldErrors: Record<string, string> = {};
  if ('fieldErrors' in failure) {
    // A bad id is reported as `componentIds.3`; the page shows one message next to the whole choice.
    for (const [key, message] of Object.entries(failure.fieldErrors)) {
      const field = key.startsWith('componentIds') ? 'componentIds' : key;
      fieldErrors[field] ??= field === 'componentIds' ? COMPONENT_CHOICE_ERROR : message;
    }
  }
  return formFailure(intent, statusOfFailure(failure), failure.message, values, fieldErrors);
}

/** Asks for a confirmation email. 'sent' is the one answer for new, pending and confirmed addresses alike. */
export async function subscribe(astro: FormRequest): Promise<'sent' | FormFailure> {
  const values = await readForm(astro.request);
  if (!values) return formFailure('subscribe', 400, UNREADABLE_FORM, {});
  const result = await requestSubscription(
    astro.locals.context,
    { email: typeof values.email === 'string' ? values.email : '', componentIds: chosenIds(values) },
    astro.locals.clientKey,
  );
  if (!result.ok) return serviceFailure('subscribe', values, result.failure);
  if (result.value.kind === 'rate_limited') {
    const minutes = Math.max(1, Math.ceil(result.value.retryAfterSeconds / 60));
    return formFailure('subscribe', 429, `Too many requests, try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, values);
  }
  return 'sent';
}

/** Why an emailed link cannot be used: an unknown link is not found, a spent or expired one is gone. */
export interface LinkProblem {
  status: 404 | 410;
  reason: TokenFailure;
}

function linkProblem(reason: TokenFailure): LinkProblem {
  return { status: reason === 'invalid' ? 404 : 410, reason };
}

/** Checks a confirmation link without spending it: mail scanners open links, so GET never confirms. */
export async function checkConfirmLink(context: ServiceContext, token: string): Promise<LinkProblem | null> {
  const check = await checkSubscriberToken(context.db, token, 'confirm', context.clock.now());
  return check.ok ? null : linkProblem(check.reason);
}

/** Confirms with the emailed link and goes on to the subscriber's preferences. */
export async function confirm(astro: FormRequest, token: string): Promise<Response | LinkProblem> {
  const result = await confirmSubscription(astro.locals.context, token);
  if (!result.ok) return linkProblem(result.reason);
  setNotice(astro.cookies, 'Your subscription is confirmed.');
  return redirectPrivately(astro, `/subscription/${encodeURIComponent(result.manageToken)}`);
}

/** The manage page's two forms: save the component choice, or unsubscribe. */
export async function manageSubscription(astro: FormRequest, token: string): Promise<Response | FormFailure | 'unsubscribed' | 'gone'> {
  const values = await readForm(astro.request);
  if (!values) return formFailure('save', 400, UNREADABLE_FORM, {});
  const { context } = astro.locals;
  if (values.intent === 'unsubscribe') return (await unsubscribe(context, token, 'manage')) ? 'unsubscribed' : 'gone';
  if (values.intent !== 'save') return formFailure('save', 400, 'Unknown form action.', values);
  const result = await updateSubscriptionComponents(context, token, { componentIds: chosenIds(values) });
  if (!result.ok) return result.failure.kind === 'not_found' ? 'gone' : serviceFailure('save', values, result.failure);
  setNotice(astro.cookies, 'Your preferences are saved.');
  return redirectPrivately(astro, `/subscription/${encodeURIComponent(token)}`);
}

/** The address an unsubscribe link stops, or null when nobody is subscribed through it. */
export async function unsubscribeLinkEmail(context: ServiceContext, token: string): Promise<string | null> {
  const check = await checkSubscriberToken(context.db, token, 'unsubscribe', context.clock.now());
  return check.ok ? check.email : null;
}

/**
 * Unsubscribes from an email's link, from our page or as an RFC 8058 one-click POST by the
 * mail provider. Repeating it is harmless: the answer is then that nobody is subscribed.
 */
export async function unsubscribeWithLink(context: ServiceContext, token: string): Promise<'unsubscribed' | 'not_subscribed'> {
  return (await unsubscribe(context, token, 'unsubscribe')) ? 'unsubscribed' : 'not_subscribed';
}
