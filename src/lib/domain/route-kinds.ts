/**
 * Which kind of route a request path is, for the request metrics: a handful of kinds, so that a
 * metric label never holds a URL. The public pages are the ones public-routes.ts keeps, and the
 * visitor pages that are rendered for each request (subscribing, the links in emails).
 */
import { publicCacheKey } from './public-routes';

export const ROUTE_KINDS = ['public', 'admin', 'api', 'intake', 'assets', 'probes', 'metrics', 'other'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

const PROBES = new Set(['/healthz', '/readyz']);
/** Staff pages and the sign-in pages in front of them. */
const ADMIN = /^\/(admin|login|logout|setup|forgot-password|set-password)(\/|$)/;
/** Visitor pages never kept by the edge: subscribing, and the links subscribers and webhook contacts are sent. */
const VISITOR = /^\/(subscribe|subscription|unsubscribe|webhooks\/contact|webhooks\/unsubscribe)(\/|$)/;
/** A built file: /_astro/*, or a name with an extension at the root (favicon.svg) that no page claimed. */
const ASSET = /^\/(_astro\/|[^/]+\.[A-Za-z0-9]+$)/;

/** The kind of the route at `pathname` (the path without its query). */
export function routeKindOf(pathname: string): RouteKind {
  if (PROBES.has(pathname)) return 'probes';
  if (pathname === '/metrics') return 'metrics';
  if (/^\/api\/intake(\/|$)/.test(pathname)) return 'intake';
  if (/^\/api\/admin(\/|$)/.test(pathname)) return 'api';
  if (publicCacheKey(pathname, '') !== null || /^\/api\/v2\//.test(pathname) || VISITOR.test(pathname)) return 'public';
  if (ADMIN.test(pathname)) return 'admin';
  if (ASSET.test(pathname)) return 'assets';
  return 'other';
}
