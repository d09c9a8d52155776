import type { APIRoute } from 'astro';
import { planReportPeriod, planReportPeriodError } from '../../lib/domain/plan-report';
import { formatUtcDate } from '../../lib/domain/time-format';
import { planReportCsv } from '../../lib/server/services/plan/plan-report';

/** The plan report of a period as CSV, one incident per row, for any signed-in staff member. */
export const GET: APIRoute = async ({ locals, url }) => {
  const days = planReportPeriod(url.searchParams.get('days'));
  if (days === null) return new Response(planReportPeriodError, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const csv = await planReportCsv(locals.context, days);
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="plan-report-${days}-days-${formatUtcDate(locals.context.clock.now())}.csv"`,
    },
  });
};
