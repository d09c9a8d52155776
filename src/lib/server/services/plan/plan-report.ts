import { and, asc, desc, eq, gte, inArray, notInArray, type SQL } from 'drizzle-orm';
import { formatCsv, protectFormula } from '../../../domain/csv';
import {
  closedActionItems,
  incidentPlanReport,
  planReportCsvHeader,
  planReportCsvRow,
  summarisePlanReports,
  type IncidentPlanFacts,
  type IncidentPlanReport,
  type PlanMeasureSummary,
  type PlanReportPeriod,
} from '../../../domain/plan-report';
import { actionItem, incident, incidentUpdate, teamAlert } from '../../db/schema';
import type { ServiceContext } from '../kernel/context';
import { getCommunicationPolicy } from './policy';

/** Only what staff post counts as an update: the "post-mortem published" line comes after the fact. */
const NOT_AN_UPDATE = ['postmortem'] as const;

/** The facts of the incidents a filter selects, newest first, in four queries whatever their number. */
async function readPlanFacts(context: Pick<ServiceContext, 'db'>, where: SQL | undefined): Promise<IncidentPlanFacts[]> {
  const rows = await context.db.select().from(incident).where(where).orderBy(desc(incident.startedAt), asc(incident.id));
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const [updates, alerts, items] = await Promise.all([
    context.db
      .select({ incidentId: incidentUpdate.incidentId, postedAt: incidentUpdate.createdAt, nextUpdateBy: incidentUpdate.nextUpdateBy })
      .from(incidentUpdate)
      .where(and(inArray(incidentUpdate.incidentId, ids), notInArray(incidentUpdate.status, [...NOT_AN_UPDATE])))
      .orderBy(asc(incidentUpdate.createdAt), asc(incidentUpdate.id)),
    context.db
      .select({ incidentId: teamAlert.incidentId, sentAt: teamAlert.sentAt })
      .from(teamAlert)
      .where(and(inArray(teamAlert.incidentId, ids), eq(teamAlert.kind, 'declared'))),
    context.db
      .select({ incidentId: actionItem.incidentId, state: actionItem.state, dueAt: actionItem.dueAt })
      .from(actionItem)
      .where(inArray(actionItem.incidentId, ids)),
  ]);
  const grouped = <T extends { incidentId: string }>(list: T[]) => {
    const byIncident = new Map<string, T[]>();
    for (const item of list) byIncident.set(item.incidentId, [...(byIncident.get(item.incidentId) ?? []), item]);
    return byIncident;
  };
  const updatesOf = grouped(updates);
  const alertsOf = grouped(alerts);
  const itemsOf = grouped(items);
  return rows.map((row) => {
    const declared = alertsOf.get(row.id) ?? [];
    const sentTimes = declared.flatMap((alert) => (alert.sentAt ? [alert.sentAt.getTime()] : []));
    return {
      id: row.id,
      title: row.title,
      severity: row.severity,
      startedAt: row.startedAt,
      declaredAt: row.createdAt,
      resolvedAt: row.resolvedAt,
      teamAlertsRecorded: declared.length,
      teamAlertFirstSentAt: sentTimes.length > 0 ? new Date(Math.min(...sentTimes)) : null,
      updates: (updatesOf.get(row.id) ?? []).map(({ postedAt, nextUpdateBy }) => ({ postedAt, nextUpdateBy })),
      customerEmail: { state: row.customerEmailState, dueAt: row.customerEmailDueAt, sentAt: row.customerEmailSentAt },
      postmortemPublishedAt: row.postmortemPublishedAt,
      actionItems: (itemsOf.get(row.id) ?? []).map(({ state, dueAt }) => ({ state, dueAt })),
    };
  });
}

/** What the plan asked of one incident and what happened; undefined for no incident. */
export async function getIncidentPlanReport(context: ServiceContext, incidentId: string): Promise<IncidentPlanReport | undefined> {
  const [facts] = await readPlanFacts(context, eq(incident.id, incidentId));
  if (!facts) return undefined;
  return incidentPlanReport(facts, await getCommunicationPolicy(context), context.clock.now());
}

export interface PlanReport {
  days: PlanReportPeriod;
  since: Date;
  reports: IncidentPlanReport[];
  summaries: PlanMeasureSummary[];
  actionItems: { closed: number; total: number };
}

/** The plan's record over the last `days`: every incident that started in them, with the period's figures. */
export async function getPlanReport(context: ServiceContext, days: PlanReportPeriod): Promise<PlanReport> {
  const now = context.clock.now();
  const since = new Date(now.getTime() - days * 86_400_000);
  const [facts, policy] = await Promise.all([readPlanFacts(context, gte(incident.startedAt, since)), getCommunicationPolicy(context)]);
  const reports = facts.map((item) => incidentPlanReport(item, policy, now));
  return { days, since, reports, summaries: summarisePlanReports(reports), actionItems: closedActionItems(reports) };
}

/** The period's report as CSV, one incident per row; titles are protected from spreadsheet formulas. */
export async function planReportCsv(context: ServiceContext, days: PlanReportPeriod): Promise<string> {
  const { reports } = await getPlanReport(context, days);
  return formatCsv([planReportCsvHeader, ...reports.map((report) => planReportCsvRow(report).map(protectFormula))]);
}
