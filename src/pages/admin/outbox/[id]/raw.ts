import type { APIRoute } from 'astro';
import { allowed } from '../../../../lib/server/authorize';
import { config } from '../../../../lib/server/config';
import { readOutboxEml } from '../../../../lib/server/mail/outbox';

/** One email exactly as it would have gone out, as an .eml download. */
export const GET: APIRoute = async ({ locals, params }) => {
  if (!allowed(locals.user, 'owner'))
    return new Response('This needs the Owner role.', { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const id = params.id ?? '';
  const eml = await readOutboxEml(config().dataDir, id);
  if (!eml) return new Response('No such message.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(new Uint8Array(eml), {
    headers: {
      'Content-Type': 'message/rfc822',
      // The id matched a strict pattern of letters, digits, dots, dashes and underscores.
      'Content-Disposition': `attachment; filename="${id}.eml"`,
    },
  });
};
