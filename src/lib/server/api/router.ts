import type { Logger } from 'pino';
import { parseInput } from '../services/kernel/validation';
import type { ServiceContext } from '../services/kernel/context';
import { admit, readJsonObject } from './access';
import { claimIdempotencyKey } from './idempotency';
import { problem, problemOfFailure } from './problem';
import type { ApiRoute } from './route';
import { actionItemRoutes } from './routes/action-items';
import { componentRoutes } from './routes/components';
import { incidentTemplateRoutes } from './routes/incident-templates';
import { incidentRoutes } from './routes/incidents';
import { maintenanceTemplateRoutes } from './routes/maintenance-templates';
import { maintenanceRoutes } from './routes/maintenances';
import { settingsRoutes } from './routes/settings';
import { subscriberRoutes } from './routes/subscribers';

/** Every route of the management API, under /api/admin/v1. */
export const apiRoutes: ApiRoute[] = [
  ...componentRoutes,
  ...incidentRoutes,
  ...incidentTemplateRoutes,
  ...actionItemRoutes,
  ...maintenanceRoutes,
  ...maintenanceTemplateRoutes,
  ...subscriberRoutes,
  ...settingsRoutes,
];

export const API_PREFIX = '/api/admin/v1';

const ID = '[a-z0-9]{1,40}';

/** Each route's path as a pattern: `{id}` matches an id and is captured by name. */
const patterns = apiRoutes.map((item) => ({
  route: item,
  regex: new RegExp(`^${item.path.replace(/\{(\w+)\}/g, (_, name: string) => `(?<${name}>${ID})`)}$`),
}));

export type RouteMatch =
  { kind: 'found'; route: ApiRoute; params: Record<string, string> } | { kind: 'wrong_method'; allowed: string[] } | { kind: 'none' };

export function matchRoute(method: string, path: string): RouteMatch {
  const candidates = patterns.flatMap((item) => {
    const match = item.regex.exec(path);
    return match ? [{ route: item.route, params: { ...match.groups } }] : [];
  });
  const exact = candidates.find((item) => item.route.method === method);
  if (exact) return { kind: 'found', route: exact.route, params: exact.params };
  if (candidates.length > 0) return { kind: 'wrong_method', allowed: [...new Set(candidates.map((item) => item.route.method))] };
  return { kind: 'none' };
}

const json = (status: number, body: unknown, headers: Record<string, string>) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { ...(status === 204 ? {} : { 'Content-Type': 'application/json; charset=utf-8' }), 'Cache-Control': 'no-store', ...headers },
  });

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

/**
 * Answers one management API request: match, admit (key, rate limit, role), read the body and
 * query, honour an Idempotency-Key on POST, run the route, and turn its result into JSON or a
 * problem document.
 */
export async function handleApiRequest(
  request: Request,
  options: { path: string; context: ServiceContext; publicUrl: string; limitPerMinute: number; log: Logger },
): Promise<Response> {
  const method = request.method.toUpperCase();
  const matched = matchRoute(method, options.path);
  if (matched.kind === 'none') return problem(404, `No route ${method} ${API_PREFIX}${options.path}; see ${API_PREFIX}/openapi.json.`);
  if (matched.kind === 'wrong_method') {
    return problem(405, `${method} is not allowed here; use ${matched.allowed.join(' or ')}.`, {
      headers: { Allow: matched.allowed.join(', ') },
    });
  }
  const { route, params } = matched;

  const admitted = await admit(request, options.context, { role: route.role, limitPerMinute: options.limitPerMinute });
  if (admitted instanceof Response) return admitted;
  const headers = admitted.rateLimitHeaders;

  const read = method === 'POST' || method === 'PATCH' ? await readJsonObject(request) : { ok: true as const, body: {}, text: '' };
  if (!read.ok) return withHeaders(read.response, headers);

  let query: Record<string, unknown> = {};
  if (route.query) {
    const parsed = parseInput(route.query, Object.fromEntries(new URL(request.url).searchParams));
    if (!parsed.ok) return withHeaders(problemOfFailure(parsed.failure), headers);
    query = parsed.value;
  }

  const idempotencyKey = method === 'POST' ? request.headers.get('idempotency-key') : null;
  const claim = idempotencyKey
    ? await claimIdempotencyKey(options.context, {
        apiKeyId: admitted.principal.keyId,
        key: idempotencyKey,
        method,
        path: options.path,
        bodyText: read.text,
      })
    : null;
  if (claim instanceof Response) return withHeaders(claim, headers);
  if (claim?.kind === 'answered') return withHeaders(claim.response, headers);

  let result;
  try {
    result = await route.handle({
      params,
      body: read.body,
      query,
      principal: admitted.principal,
      context: options.context,
      publicUrl: options.publicUrl,
    });
  } catch (error) {
    // Not remembered: the retry may succeed.
    await claim?.forget();
    options.log.error({ err: error, method, path: options.path, apiKey: admitted.principal.keyId }, 'API request failed');
    return withHeaders(problem(500, 'Something went wrong on our side; the request may be retried.'), headers);
  }
  if (!result.ok) {
    const response = problemOfFailure(result.failure);
    await claim?.remember(response.status, await response.clone().json());
    return withHeaders(response, headers);
  }
  await claim?.remember(route.response.status, route.response.status === 204 ? null : result.value);
  return json(route.response.status, result.value, headers);
}
