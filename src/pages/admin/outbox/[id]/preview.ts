import type { APIRoute } from 'astro';
import { allowed } from '../../../../lib/server/authorize';
import { config } from '../../../../lib/server/config';
import { readOutboxEntry } from '../../../../lib/server/mail/outbox';

/**
 * The stored HTML of one email, for the sandboxed frame on its outbox page. Its own headers
 * (the middleware keeps a response's own) let only that page frame it and load nothing at all.
 */
export const GET: APIRoute = async ({ locals, params }) => {
  if (!allowed(locals.user, 'owner'))
    return new Response('This needs the Owner role.', { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const message = await readOutboxEntry(config().dataDir, params.id ?? '');
  if (!message) return new Response('No such message.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(message.html, {
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; sandbox; frame-ancestors 'self'",
      'X-Frame-Options': 'SAMEORIGIN',
      'Referrer-Policy': 'no-referrer',
    },
  });
};
