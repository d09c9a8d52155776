import { isIP } from 'node:net';
import type { ProxyTrust } from './config';
import type { ServiceFailure } from './services/kernel/errors';

/** The one place service failures become HTTP statuses. */
export function statusOfFailure(failure: ServiceFailure): number {
  switch (failure.kind) {
    case 'invalid':
      return 422;
    case 'not_found':
      return 404;
    case 'forbidden':
      return 403;
    case 'conflict':
      return 409;
  }
}

function isTrusted(address: string, proxies: Extract<ProxyTrust, { kind: 'listed' }>['proxies']): boolean {
  // A zone (`%eth0`) names an interface, not another address.
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  return family !== 0 && proxies.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether the socket's peer is a proxy Herald trusts (any peer with `TRUST_PROXY=true`, listed ones with a list). */
export function fromTrustedProxy(socketAddress: string | undefined, trust: ProxyTrust): boolean {
  if (trust.kind === 'any') return true;
  return trust.kind === 'listed' && socketAddress !== undefined && isTrusted(socketAddress, trust.proxies);
}

/**
 * The client's address. X-Forwarded-For is believed only from a trusted proxy. Trusting any peer
 * (`TRUST_PROXY=true`), its last entry is the client: the one that proxy added, as earlier entries
 * are whatever the client sent. Trusting listed proxies, it is believed only when the socket's peer
 * is one of them, and the client is the right-most entry that is not (each listed proxy added the
 * address of the one before it).
 */
export function clientAddressOf(request: Request, socketAddress: string | undefined, trust: ProxyTrust): string {
  if (trust.kind === 'any') {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  if (trust.kind !== 'listed' || socketAddress === undefined || !fromTrustedProxy(socketAddress, trust)) return socketAddress ?? 'unknown';
  const hops = (request.headers.get('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim());
  let client = socketAddress;
  for (const hop of hops.reverse()) {
    if (!hop) break;
    client = hop;
    if (!isTrusted(hop, trust.proxies)) break;
  }
  return client;
}

/** A non-GET request is same-origin when its Origin (or, lacking one, its Referer) is ours. */
export function isSameOriginRequest(request: Request, allowedOrigins: readonly string[]): boolean {
  if (request.headers.get('sec-fetch-site') === 'cross-site') return false;
  const origin = request.headers.get('origin');
  if (origin && origin !== 'null') return allowedOrigins.includes(origin);
  const referer = request.headers.get('referer');
  if (!referer) return false;
  try {
    return allowedOrigins.includes(new URL(referer).origin);
  } catch {
    return false;
  }
}

export function securityHeaders(options: { secure: boolean; framable: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      "object-src 'none'",
      options.framable ? 'frame-ancestors *' : "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
  if (!options.framable) headers['X-Frame-Options'] = 'DENY';
  if (options.secure) headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

/**
 * Public pages: browsers always ask again (staff see a change at once, and a 304 costs nothing),
 * while a CDN in front may serve a copy for a few seconds, and the last copy it has when Herald
 * cannot answer (RFC 5861).
 */
export const PUBLIC_PAGE_CACHE_CONTROL = 'public, max-age=0, s-maxage=10, stale-while-revalidate=30, stale-if-error=86400';

/**
 * Tells the public edge until when an answer holds with nothing written (an ISO date): it is
 * rendered again then. The edge removes it; without it an answer lasts the edge's ceiling.
 */
export const FRESH_UNTIL_HEADER = 'Herald-Fresh-Until';

/** Marks a public answer built from the snapshot as true until the snapshot's next timed change. */
export function markFreshUntil(headers: Headers, until: Date): void {
  headers.set(FRESH_UNTIL_HEADER, until.toISOString());
}
