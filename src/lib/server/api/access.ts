import { findForbiddenCharacter } from '../../domain/hostile-input';
import { hasRole, roleLabels } from '../../domain/roles';
import { readBoundedBody, RefusedInput } from '../request-body';
import { consumeRateLimit } from '../auth/rate-limit';
import { authenticateApiKey, type ApiKeyRejection, type ApiPrincipal } from '../services/access/api-keys';
import type { ServiceContext } from '../services/kernel/context';
import { problem } from './problem';
import type { ApiRole } from './route';

const rejections: Record<Exclude<ApiKeyRejection['reason'], 'creator_demoted'> | 'missing', string> = {
  missing: 'Send an API key: Authorization: Bearer herald_… (create one at /admin/api-keys).',
  malformed: 'The Authorization header does not hold a Herald API key (herald_<id>.<secret>).',
  unknown: 'This API key is not known.',
  revoked: 'This API key was revoked.',
  expired: 'This API key has expired.',
  creator_disabled: "This API key's creator is disabled.",
};

const messageOf = (rejection: ApiKeyRejection | { reason: 'missing' }) =>
  rejection.reason === 'creator_demoted'
    ? `This API key's creator no longer has the ${roleLabels[rejection.keyRole]} role.`
    : rejections[rejection.reason];

const unauthorized = (rejection: ApiKeyRejection | { reason: 'missing' }) =>
  problem(401, messageOf(rejection), {
    headers: { 'WWW-Authenticate': `Bearer realm="herald"${rejection.reason === 'missing' ? '' : ', error="invalid_token"'}` },
  });

export interface Admitted {
  principal: ApiPrincipal;
  /** RateLimit-* headers for every answer to this request. */
  rateLimitHeaders: Record<string, string>;
}

/**
 * Lets an API request in, or answers it: a valid key (401 otherwise), within its rate limit (429
 * with Retry-After otherwise; every answer carries `RateLimit-*` headers), with the role the
 * route needs (403 otherwise, naming both roles).
 */
export async function admit(
  request: Request,
  context: ServiceContext,
  options: { role: ApiRole; limitPerMinute: number },
): Promise<Admitted | Response> {
  const header = request.headers.get('authorization') ?? '';
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!token) return unauthorized({ reason: header ? 'malformed' : 'missing' });
  const authenticated = await authenticateApiKey(context, token);
  if (!authenticated.ok) return unauthorized(authenticated);
  const { principal } = authenticated;

  const verdict = await consumeRateLimit(
    context.db,
    `api:${principal.keyId}`,
    { limit: options.limitPerMinute, windowMs: 60_000 },
    context.clock.now(),
  );
  const rateLimitHeaders = {
    'RateLimit-Policy': `${options.limitPerMinute};w=60`,
    'RateLimit-Limit': String(options.limitPerMinute),
    'RateLimit-Remaining': String(verdict.remaining),
    'RateLimit-Reset': String(verdict.resetSeconds),
  };
  if (!verdict.allowed) {
    return problem(
      429,
      `This API key made more than ${options.limitPerMinute} requests this minute; try again in ${verdict.retryAfterSeconds} s.`,
      {
        headers: { ...rateLimitHeaders, 'Retry-After': String(verdict.retryAfterSeconds) },
      },
    );
  }
  if (!hasRole(principal.role, options.role)) {
    return problem(403, `This API key has the ${principal.role} role; this needs ${options.role} or above.`, { headers: rateLimitHeaders });
  }
  return { principal, rateLimitHeaders };
}

/** The largest JSON body the API reads. */
export const MAX_API_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON object body: 415 unless it is sent as JSON, 413 when too large (read no further,
 * chunked or not), 400 when it is not JSON or not an object, 422 naming the field (a dotted path,
 * `components.0.name`) that holds a control character. An empty body is an empty object.
 */
export async function readJsonObject(
  request: Request,
): Promise<{ ok: true; body: Record<string, unknown>; text: string } | { ok: false; response: Response }> {
  let text: string;
  try {
    text = new TextDecoder().decode(await readBoundedBody(request, MAX_API_BODY_BYTES));
  } catch (error) {
    if (error instanceof RefusedInput) return { ok: false, response: problem(error.status, error.message) };
    throw error;
  }
  if (text.trim() === '') return { ok: true, body: {}, text: '' };
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type))
    return { ok: false, response: problem(415, 'Send the body as JSON (Content-Type: application/json).') };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { ok: false, response: problem(400, `The body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}.`) };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, response: problem(400, 'The body must be a JSON object.') };
  const refused = findForbiddenCharacter(body);
  if (refused) return { ok: false, response: problem(422, `${refused.field}: ${refused.message}`, { errors: [refused] }) };
  return { ok: true, body: body as Record<string, unknown>, text };
}
