import type { APIRoute } from 'astro';
import { formatUtcDate } from '../../../lib/domain/time-format';
import { allowed } from '../../../lib/server/authorize';
import { exportSubscribersCsv } from '../../../lib/server/services/subscribers/subscriber-csv';

/** Every subscriber as a CSV download; addresses are personal data, so admins only. */
export const GET: APIRoute = async ({ locals, rewrite }) => {
  if (!allowed(locals.user, 'admin')) return rewrite('/admin/forbidden?role=admin');
  const csv = await exportSubscribersCsv(locals.context);
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="subscribers-${formatUtcDate(locals.context.clock.now())}.csv"`,
    },
  });
};
