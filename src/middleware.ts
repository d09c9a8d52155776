import { defineMiddleware } from 'astro:middleware';
import { sessionCookieName, staffCookieAttributes, staffCookieOptions } from './lib/server/auth/cookie';
import { validateSessionToken } from './lib/server/auth/session';
import { rateLimitBucket } from './lib/domain/client-bucket';
import { sessionCookieExpiry } from './lib/domain/session-policy';
import { getSecurityPolicy } from './lib/server/services/access/security-policy';
import { config } from './lib/server/config';
import { clientAddressOf, fromTrustedProxy, isSameOriginRequest, securityHeaders } from './lib/server/http';
import { logger } from './lib/server/logger';
import { countUsers } from './lib/server/services/access/users';
import { allowedOrigins, requestContext } from './lib/server/web';
import { failureResponse, refusedInputResponse, refuseRequest } from './lib/server/refused-request';
import { isDatabaseReady } from './lib/server/health';
import { announcePublicChange } from './lib/server/public-cache';
import { takeNotice } from './lib/server/notice';

const PROBE_PATHS = new Set(['/healthz', '/readyz']);
/**
 * RFC 8058 one-click unsubscribe: mail providers POST here from their own servers, with no
 * Origin of ours; the single-purpose token in the path is the whole credential. A webhook's
 * `meta.unsubscribe` link is the same kind of link, POSTed by receivers and scripts.
 */
const ONE_CLICK_UNSUBSCRIBE = /^\/(unsubscribe|webhooks\/unsubscribe)\/[^/]+$/;
/**
 * The management API and the alert intake authenticate every request with an API key in the
 * Authorization header and never read cookies, so a cross-site request cannot borrow a session.
 */
const KEY_AUTHENTICATED = /^\/api\/(admin\/v1|intake)(\/|$)/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Pages a visitor may embed in a frame; everything staff use is never framed. */
const STAFF_PATHS = /^\/(admin|login|logout|setup|set-password|forgot-password)(\/|$)/;
/** Pages that show the one-time notice a form left: the staff area and a subscriber's own page. */
const NOTICE_PATHS = /^\/(admin|login|logout|setup|set-password|forgot-password|subscription)(\/|$)/;
/** Where a user whose role must have a second factor, and who has none, may go: enrolment, and signing out. */
const ENROLMENT_PATHS = /^\/admin\/(account\/(security|passkeys)|confirm)(\/|$)/;

export const onRequest = defineMiddleware(async (context, next) => {
  const started = performance.now();
  const settings = config();
  // A proxy's request id is kept (for log correlation) only behind a trusted proxy, and only if plain.
  const offeredId = fromTrustedProxy(safeClientAddress(), settings.proxyTrust) ? context.request.headers.get('x-request-id') : null;
  const requestId = offeredId && /^[A-Za-z0-9-]{1,64}$/.test(offeredId) ? offeredId : crypto.randomUUID();
  const { pathname } = context.url;
  const log = logger().child({ requestId });

  // Set once the request has a service context (probes answer without one).
  let serviceContext: App.Locals['context'] | undefined;
  let response: Response;
  try {
    response = await handle();
  } catch (error) {
    const refused = refusedInputResponse(error, pathname, requestId);
    if (refused) response = refused;
    else {
      log.error({ err: error, method: context.request.method, path: pathname }, 'request failed');
      response = failureResponse(pathname, requestId, await isDatabaseReady());
    }
  }
  // Whatever a write changed, the next public read loads afresh, here and in every other process.
  if (!SAFE_METHODS.has(context.request.method) && serviceContext) {
    await announcePublicChange(serviceContext.db).catch((error: unknown) => log.warn({ err: error }, 'could not announce a public change'));
  }

  const headers = securityHeaders({ secure: settings.secure, framable: !STAFF_PATHS.test(pathname) });
  for (const [name, value] of Object.entries(headers)) {
    if (!response.headers.has(name)) response.headers.set(name, value);
  }
  response.headers.set('X-Request-Id', requestId);
  if (STAFF_PATHS.test(pathname)) response.headers.set('Cache-Control', 'no-store');
  log.debug(
    { method: context.request.method, path: pathname, status: response.status, ms: Math.round(performance.now() - started) },
    'request',
  );
  return response;

  async function handle(): Promise<Response> {
    context.locals.requestId = requestId;
    // An unknown method, or a control character in the path or query, is refused before any session or query.
    const refused = refuseRequest(context.request.method, context.url, requestId);
    if (refused) return refused;
    // Probes answer without a session or, for liveness, the database.
    if (PROBE_PATHS.has(pathname)) return next();
    context.locals.clientAddress = clientAddressOf(context.request, safeClientAddress(), settings.proxyTrust);
    context.locals.clientKey = rateLimitBucket(context.locals.clientAddress);
    try {
      serviceContext = await requestContext();
    } catch (error) {
      // The database cannot be reached: the public edge answers with what it kept; staff wait.
      log.warn({ err: error, path: pathname }, 'database unreachable');
      return failureResponse(pathname, requestId, false);
    }
    context.locals.context = serviceContext;
    context.locals.user = null;
    context.locals.sessionId = null;
    context.locals.sessionVerifiedAt = null;
    context.locals.notice = null;
    context.locals.publicUrl = settings.publicUrl;

    const csrfChecked =
      !SAFE_METHODS.has(context.request.method) && !ONE_CLICK_UNSUBSCRIBE.test(pathname) && !KEY_AUTHENTICATED.test(pathname);
    if (csrfChecked && !isSameOriginRequest(context.request, allowedOrigins(context.url))) {
      return new Response('Cross-site request refused: this form must be sent from the Herald site itself.', {
        status: 403,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    }

    // Public pages never read or refresh the session, so a shared cache can never store a cookie.
    const token = STAFF_PATHS.test(pathname) ? context.cookies.get(sessionCookieName())?.value : undefined;
    let mustEnrol = false;
    if (token) {
      const now = context.locals.context.clock.now();
      const policy = await getSecurityPolicy(context.locals.context.db);
      const session = await validateSessionToken(context.locals.context.db, token, now, policy.session);
      if (session) {
        context.locals.user = session.user;
        context.locals.sessionId = session.sessionId;
        context.locals.sessionVerifiedAt = session.verifiedAt;
        context.cookies.set(sessionCookieName(), token, staffCookieOptions(sessionCookieExpiry(session.times, policy.session)));
        // The identity provider answers for its own users' second factor.
        mustEnrol = session.method !== 'sso' && !session.hasSecondFactor && policy.secondFactorRoles.includes(session.user.role);
      } else {
        context.cookies.delete(sessionCookieName(), staffCookieAttributes());
      }
    }

    if (/^\/admin(\/|$)/.test(pathname) && !context.locals.user) {
      if ((await countUsers(context.locals.context)) === 0) return context.redirect('/setup', 303);
      return context.redirect(`/login?next=${encodeURIComponent(pathname + context.url.search)}`, 303);
    }
    // The owner requires a second factor for this role: nothing else until one is added.
    if (mustEnrol && /^\/admin(\/|$)/.test(pathname) && !ENROLMENT_PATHS.test(pathname)) {
      return context.redirect('/admin/account/security?required=1', 303);
    }
    // Read here, not in the layouts, so that markup does no I/O: the page that shows it reads locals.
    if (context.request.method === 'GET' && NOTICE_PATHS.test(pathname)) context.locals.notice = takeNotice(context.cookies);
    return next();
  }

  function safeClientAddress(): string | undefined {
    try {
      return context.clientAddress;
    } catch {
      return undefined;
    }
  }
});
