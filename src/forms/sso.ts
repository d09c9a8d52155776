import { config, type SsoConfig } from '../lib/server/config';
import { ssoFlowCookieName, staffCookieAttributes } from '../lib/server/auth/cookie';
import { invalidateSession } from '../lib/server/auth/session';
import {
  beginSsoFlow,
  completeSsoFlow,
  decodeFlowState,
  encodeFlowState,
  SSO_FLOW_TTL_MS,
  type SsoFlowFailure,
  type SsoFlowState,
  type SsoIdentity,
  type SsoPurpose,
} from '../lib/server/auth/oidc';
import { statusOfFailure } from '../lib/server/http';
import { reauthenticateWithSso, signInWithSso, type SsoRequestOrigin } from '../lib/server/services/access/sso';
import { safeNextPath, startSession } from './auth';
import type { FormRequest } from './form';

/** What a page shows when single sign-on stops: the status, a title, the reason, and where to start again. */
export interface SsoProblem {
  status: number;
  title: string;
  message: string;
  retry: { href: string; label: string };
}

/**
 * The cookie that holds a started flow until its callback. Like the session cookie it carries
 * the `__Host-` prefix under https; SameSite=Lax, because the provider sends the browser back
 * with a top-level GET from its own site.
 */
function redirectUri(): string {
  return `${config().publicUrl}/login/sso/callback`;
}

function retryFor(purpose: SsoPurpose, next: string): SsoProblem['retry'] {
  return purpose === 'reauth'
    ? { href: `/admin/confirm?next=${encodeURIComponent(next)}`, label: 'Back to confirming it is you' }
    : { href: `/login?next=${encodeURIComponent(next)}`, label: 'Back to sign in' };
}

function problem(purpose: SsoPurpose, next: string, status: number, message: string): SsoProblem {
  return {
    status,
    title: purpose === 'reauth' ? 'Could not confirm it is you' : 'Could not sign you in',
    message,
    retry: retryFor(purpose, next),
  };
}

function flowProblem(purpose: SsoPurpose, next: string, failure: SsoFlowFailure): SsoProblem {
  return problem(purpose, next, failure.reason === 'unreachable' ? 503 : 400, failure.message);
}

function originOf(astro: FormRequest): SsoRequestOrigin {
  return { address: astro.locals.clientAddress, userAgent: astro.request.headers.get('user-agent') ?? '' };
}

/**
 * Starts single sign-on (`/login/sso?next=…&purpose=reauth`): keeps the flow in its cookie and
 * sends the browser to the provider. Null when SSO is not configured (the page is then a 404).
 */
export async function startSsoFlow(astro: FormRequest): Promise<Response | SsoProblem | null> {
  const sso = config().sso;
  if (!sso) return null;
  const query = new URL(astro.request.url).searchParams;
  const next = safeNextPath(query.get('next'));
  const purpose: SsoPurpose = query.get('purpose') === 'reauth' ? 'reauth' : 'sign-in';
  if (purpose === 'reauth' && !astro.locals.user) return astro.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
  if (purpose === 'sign-in' && astro.locals.user) return astro.redirect(next, 303);
  const started = await beginSsoFlow(sso, redirectUri(), { next, purpose }, astro.locals.context.clock.now());
  if (!started.ok) return flowProblem(purpose, next, started.failure);
  astro.cookies.set(ssoFlowCookieName(), encodeFlowState(started.flow), { ...staffCookieAttributes(), maxAge: SSO_FLOW_TTL_MS / 1000 });
  return astro.redirect(started.url.href, 303);
}

/**
 * The provider's answer (`/login/sso/callback`): the flow cookie is spent whatever happens;
 * a valid answer signs the user in (or, for re-authentication, marks this session verified)
 * and goes on to the page the flow started for. Anything else is a problem page, never a 500.
 */
export async function finishSsoFlow(astro: FormRequest): Promise<Response | SsoProblem | null> {
  const sso = config().sso;
  if (!sso) return null;
  const flow = decodeFlowState(astro.cookies.get(ssoFlowCookieName())?.value);
  astro.cookies.delete(ssoFlowCookieName(), staffCookieAttributes());
  const purpose = flow?.purpose ?? 'sign-in';
  const next = flow?.next ?? '/admin';
  // The redirect URI as registered (PUBLIC_URL), whatever address a proxy in front handed Astro.
  const callbackUrl = new URL(`${redirectUri()}${new URL(astro.request.url).search}`);
  const completed = await completeSsoFlow(sso, callbackUrl, flow, astro.locals.context.clock.now());
  if (!completed.ok) return flowProblem(purpose, next, completed.failure);
  return completed.flow.purpose === 'reauth'
    ? confirmSession(astro, sso, completed.identity, completed.flow)
    : signInSession(astro, sso, completed.identity, completed.flow);
}

async function signInSession(
  astro: FormRequest,
  sso: SsoConfig,
  identity: SsoIdentity,
  flow: SsoFlowState,
): Promise<Response | SsoProblem> {
  const result = await signInWithSso(astro.locals.context, sso, identity, originOf(astro));
  if (!result.ok) return problem(flow.purpose, flow.next, statusOfFailure(result.failure), result.failure.message);
  // Whoever this browser was signed in as before, that session ends with the new one.
  if (astro.locals.sessionId) await invalidateSession(astro.locals.context.db, astro.locals.sessionId);
  await startSession(astro, result.value.userId, 'sso');
  return astro.redirect(safeNextPath(flow.next), 303);
}

async function confirmSession(
  astro: FormRequest,
  sso: SsoConfig,
  identity: SsoIdentity,
  flow: SsoFlowState,
): Promise<Response | SsoProblem> {
  const { user, sessionId } = astro.locals;
  if (!user || !sessionId) return astro.redirect(`/login?next=${encodeURIComponent(flow.next)}`, 303);
  const result = await reauthenticateWithSso(astro.locals.context, sso, identity, { userId: user.id, sessionId }, originOf(astro));
  if (!result.ok) return problem(flow.purpose, flow.next, statusOfFailure(result.failure), result.failure.message);
  return astro.redirect(safeNextPath(flow.next), 303);
}
