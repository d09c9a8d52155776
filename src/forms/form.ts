import type { AstroCookies } from 'astro';
import type { FormFailure, FormValues } from './posted';
import { hasRole, roleLabels, type Role } from '../lib/domain/roles';
import { recentlyVerified } from '../lib/domain/session-policy';
import { findForbiddenCharacter } from '../lib/domain/hostile-input';
import { readBoundedBody, RefusedInput } from '../lib/server/request-body';
import { setNotice } from '../lib/server/notice';
import { statusOfFailure } from '../lib/server/http';
import type { ServiceContext } from '../lib/server/services/kernel/context';
import type { ServiceResult } from '../lib/server/services/kernel/errors';
import { labelOf, type StaffActor } from '../lib/server/services/access/users';

export interface FormRequest {
  request: Request;
  locals: App.Locals;
  cookies: AstroCookies;
  redirect(path: string, status?: 301 | 302 | 303 | 307 | 308): Response;
}

/**
 * A handler's success: usually where to go next and what to tell the user there; or, for a
 * secret that must be displayed once (a set-password link), values that the answer to the POST
 * itself shows (`Shown`; handlers that never show anything leave it `never`).
 */
type FormSuccess<Shown = never> = { location: string; notice: string } | { shown: Shown };

/** A success rendered by the page that answered the POST, with no redirect. */
export interface FormShown<Shown> {
  intent: string;
  shown: Shown;
}

export interface FormHandler<Shown = never> {
  role: Role;
  /** A sensitive change (roles, API keys, SSO and second factors): the user must have proved who they are in the last 5 minutes. */
  reauthenticate?: boolean;
  run(input: {
    values: FormValues;
    actor: StaffActor;
    context: ServiceContext;
    /** The signed-in session (absent when a handler is run outside a request, as in tests). */
    sessionId?: string;
  }): Promise<ServiceResult<FormSuccess<Shown>>>;
}

type FormOutcome<Shown> = Response | FormFailure | ([Shown] extends [never] ? never : FormShown<Shown>) | null;

const MAX_FORM_BYTES = 256 * 1024;

/** Names that would reach Object.prototype if used as keys; a form field may not use them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function formToObject(form: FormData): FormValues {
  const result: FormValues = {};
  for (const [name, entry] of form.entries()) {
    if (typeof entry !== 'string') continue;
    const path = name.split('.');
    if (path.some((key) => FORBIDDEN_KEYS.has(key))) continue;
    let target: Record<string, unknown> = result;
    for (const [index, key] of path.entries()) {
      if (index === path.length - 1) {
        const existing = Object.hasOwn(target, key) ? target[key] : undefined;
        target[key] = existing === undefined ? entry : Array.isArray(existing) ? [...(existing as unknown[]), entry] : [existing, entry];
      } else {
        const next = Object.hasOwn(target, key) ? target[key] : undefined;
        target = (target[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
      }
    }
  }
  return result;
}

/**
 * The posted form as an object; null when it is not a form. A body over 256 KB (read no further,
 * chunked or not) or a field with a control character throws RefusedInput (413, or 422 naming
 * the field), which the middleware answers before anything is stored.
 */
export async function readForm(request: Request): Promise<FormValues | null> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return null;
  const body = await readBoundedBody(request, MAX_FORM_BYTES);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    return null;
  }
  for (const [name, entry] of form.entries()) {
    const refused = findForbiddenCharacter(typeof entry === 'string' ? { [name]: entry } : name);
    if (refused) {
      const field = refused.field || name;
      throw new RefusedInput(422, `The field ${JSON.stringify(field)} ${refused.message}`, { field, message: refused.message });
    }
  }
  return formToObject(form);
}

/**
 * Handles a POSTed form on a page: picks the handler named by the form's `intent` field, checks
 * the signed-in user's role on the server, runs it, and redirects after success (so a reload
 * never posts twice). A failure comes back for the page to re-render with messages.
 */
export async function handleForm<Shown = never>(
  astro: FormRequest,
  handlers: Record<string, FormHandler<Shown>>,
): Promise<FormOutcome<Shown>> {
  if (astro.request.method !== 'POST') return null;
  const values = await readForm(astro.request);
  const intent = typeof values?.intent === 'string' ? values.intent : 'default';
  const fail = (status: number, message: string, fieldErrors: Record<string, string> = {}): FormFailure => ({
    intent,
    status,
    message,
    fieldErrors,
    values: values ?? {},
  });
  if (!values) return fail(400, 'The form could not be read. Please send it again.');
  const handler = Object.hasOwn(handlers, intent) ? handlers[intent] : undefined;
  if (!handler) return fail(400, 'Unknown form action.');
  const user = astro.locals.user;
  if (!user) return astro.redirect('/login', 303);
  if (!hasRole(user.role, handler.role)) {
    return fail(403, `This needs the ${roleLabels[handler.role]} role or above; you are a ${roleLabels[user.role]}.`);
  }
  if (handler.reauthenticate && !recentlyVerified(astro.locals.sessionVerifiedAt ?? new Date(0), astro.locals.context.clock.now())) {
    const url = new URL(astro.request.url);
    setNotice(astro.cookies, 'For your security, confirm it is you. Then make the change again.');
    return astro.redirect(`/admin/confirm?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
  }
  const actor: StaffActor = { userId: user.id, label: labelOf(user), role: user.role };
  const result = await handler.run({
    values,
    actor,
    context: astro.locals.context,
    ...(astro.locals.sessionId ? { sessionId: astro.locals.sessionId } : {}),
  });
  if (!result.ok)
    return fail(statusOfFailure(result.failure), result.failure.message, 'fieldErrors' in result.failure ? result.failure.fieldErrors : {});
  if ('shown' in result.value) return { intent, shown: result.value.shown } as FormOutcome<Shown>;
  setNotice(astro.cookies, result.value.notice);
  return astro.redirect(result.value.location, 303);
}
