import type { ActionItemState } from './action-items';
import { cadenceMinutesAt, customerEmailDueAt, owesPostmortem, postmortemDueAt, type CommunicationPolicy } from './communication-policy';
import { TEAM_ALERT_LATE_AFTER_MS } from './plan-steps';
import type { Severity } from './statuses';

/**
 * How well the communication plan was kept: for each incident, what the plan asked and what
 * happened, measure by measure, and the same over a period (medians, worst cases, misses).
 */

/** A customer email sent this long after it was due counts as late. */
const CUSTOMER_EMAIL_LATE_AFTER_MS = 60_000;

/** What the report needs to know about one incident, read from its rows. */
export interface IncidentPlanFacts {
  id: string;
  title: string;
  severity: Severity;
  startedAt: Date;
  declaredAt: Date;
  resolvedAt: Date | null;
  /** Team alerts of the declaration recorded (zero: nobody was on the plan) and the first sent. */
  teamAlertsRecorded: number;
  teamAlertFirstSentAt: Date | null;
  /** The public updates staff posted, in the order posted, with the next update each promised. */
  updates: { postedAt: Date; nextUpdateBy: Date | null }[];
  customerEmail: { state: string; dueAt: Date | null; sentAt: Date | null };
  postmortemPublishedAt: Date | null;
  actionItems: { state: ActionItemState; dueAt: Date }[];
}

export const planMeasureKeys = ['teamAlert', 'firstPost', 'customerEmail', 'updateGap', 'postmortem', 'actionItems'] as const;
export type PlanMeasureKey = (typeof planMeasureKeys)[number];

export const planMeasureLabels: Record<PlanMeasureKey, string> = {
  teamAlert: 'Time to the team alert',
  firstPost: 'Time to the first public post',
  customerEmail: 'Customer email lateness',
  updateGap: 'Longest gap between updates',
  postmortem: 'Post-mortem delay',
  actionItems: 'Action items closed',
};

/**
 * One measure of one incident. `valueMs` is what happened (null: not yet, or not measurable) and
 * `limitMs` what the plan allowed (null: no limit applies); `applies` is false when the plan asked
 * nothing of this incident (no contacts paged, not an outage, no post-mortem owed).
 */
export interface PlanMeasure {
  key: PlanMeasureKey;
  applies: boolean;
  valueMs: number | null;
  limitMs: number | null;
  missed: boolean;
  /** What stands out, in words: "not sent yet", "held by staff", "2 of 3 gaps over". */
  note: string | null;
}

/** Action items are counted, not timed: closed of total, missed when one is past due and open. */
interface ActionItemsMeasure extends PlanMeasure {
  key: 'actionItems';
  closed: number;
  total: number;
}

export interface IncidentPlanReport {
  incident: Pick<IncidentPlanFacts, 'id' | 'title' | 'severity' | 'startedAt' | 'resolvedAt'>;
  teamAlert: PlanMeasure;
  firstPost: PlanMeasure;
  customerEmail: PlanMeasure;
  updateGap: PlanMeasure;
  postmortem: PlanMeasure;
  actionItems: ActionItemsMeasure;
  /** The measures the incident missed, in the report's order. */
  misses: PlanMeasureKey[];
}

const elapsed = (from: Date, to: Date) => to.getTime() - from.getTime();

function measure(key: PlanMeasureKey, fields: Partial<Omit<PlanMeasure, 'key'>>): PlanMeasure {
  return { key, applies: true, valueMs: null, limitMs: null, missed: false, note: null, ...fields };
}

function teamAlertMeasure(facts: IncidentPlanFacts, now: Date): PlanMeasure {
  const limitMs = TEAM_ALERT_LATE_AFTER_MS;
  if (facts.teamAlertsRecorded === 0) return measure('teamAlert', { applies: false, limitMs, note: 'nobody on the plan' });
  if (!facts.teamAlertFirstSentAt) {
    const late = elapsed(facts.declaredAt, now) > limitMs;
    return measure('teamAlert', { limitMs, missed: late, note: 'not sent' });
  }
  const valueMs = elapsed(facts.declaredAt, facts.teamAlertFirstSentAt);
  return measure('teamAlert', { limitMs, valueMs, missed: valueMs > limitMs });
}

/** Customers should read about it on the page before the customer email would be due. */
function firstPostMeasure(facts: IncidentPlanFacts, policy: CommunicationPolicy, now: Date): PlanMeasure {
  const limitMs = elapsed(facts.startedAt, customerEmailDueAt(policy, facts.startedAt));
  const first = facts.updates[0];
  if (!first) return measure('firstPost', { limitMs, missed: elapsed(facts.startedAt, now) > limitMs, note: 'nothing posted' });
  const valueMs = Math.max(0, elapsed(facts.startedAt, first.postedAt));
  return measure('firstPost', { limitMs, valueMs, missed: valueMs > limitMs });
}

function customerEmailMeasure(facts: IncidentPlanFacts, now: Date): PlanMeasure {
  const { state, dueAt, sentAt } = facts.customerEmail;
  const limitMs = CUSTOMER_EMAIL_LATE_AFTER_MS;
  if (state === 'not_required') return measure('customerEmail', { applies: false, note: 'not an outage' });
  if (state === 'held') return measure('customerEmail', { limitMs, note: 'held by staff' });
  if (state === 'skipped' || state === 'cancelled') return measure('customerEmail', { limitMs, note: 'not needed: resolved first' });
  if (state === 'sent' && sentAt && dueAt) {
    const valueMs = Math.max(0, elapsed(dueAt, sentAt));
    return measure('customerEmail', { limitMs, valueMs, missed: valueMs > limitMs });
  }
  if (state === 'sent') return measure('customerEmail', { limitMs, valueMs: 0, note: 'sent by staff' });
  const late = dueAt !== null && elapsed(dueAt, now) > limitMs;
  return measure('customerEmail', { limitMs, missed: late, note: late ? 'due, not sent' : 'scheduled' });
}

/**
 * Each gap runs from one update to the next (the last to the resolution, or to now while open).
 * A gap is allowed what its update promised, or else the severity's cadence at that moment.
 */
function updateGapMeasure(facts: IncidentPlanFacts, policy: CommunicationPolicy, now: Date): PlanMeasure {
  const end = facts.resolvedAt ?? now;
  const open = facts.updates.filter((update) => update.postedAt < end);
  let worst: { gapMs: number; allowedMs: number } | null = null;
  let over = 0;
  let measured = 0;
  for (const [index, update] of open.entries()) {
    const gapMs = elapsed(update.postedAt, open[index + 1]?.postedAt ?? end);
    const cadence = cadenceMinutesAt(policy, facts.severity, elapsed(facts.startedAt, update.postedAt));
    const allowedMs = update.nextUpdateBy ? elapsed(update.postedAt, update.nextUpdateBy) : cadence === null ? null : cadence * 60_000;
    if (allowedMs === null) continue;
    measured += 1;
    if (gapMs > allowedMs) over += 1;
    if (!worst || gapMs > worst.gapMs) worst = { gapMs, allowedMs };
  }
  if (!worst) return measure('updateGap', { applies: false, note: 'no cadence for this severity' });
  return measure('updateGap', {
    valueMs: worst.gapMs,
    limitMs: worst.allowedMs,
    missed: over > 0,
    note: over > 0 ? `${over} of ${measured} gaps over` : null,
  });
}

function postmortemMeasure(facts: IncidentPlanFacts, policy: CommunicationPolicy, now: Date): PlanMeasure {
  const limitMs = policy.postmortemWindowHours * 3_600_000;
  if (!owesPostmortem(policy, facts.severity)) return measure('postmortem', { applies: false, note: 'not owed' });
  if (!facts.resolvedAt) return measure('postmortem', { limitMs, note: 'after resolution' });
  if (facts.postmortemPublishedAt) {
    const valueMs = Math.max(0, elapsed(facts.resolvedAt, facts.postmortemPublishedAt));
    return measure('postmortem', { limitMs, valueMs, missed: valueMs > limitMs });
  }
  const late = now > postmortemDueAt(policy, facts.resolvedAt);
  return measure('postmortem', { limitMs, missed: late, note: late ? 'overdue, not published' : 'not published yet' });
}

function actionItemsMeasure(facts: IncidentPlanFacts, now: Date): ActionItemsMeasure {
  const total = facts.actionItems.length;
  const closed = facts.actionItems.filter((item) => item.state !== 'open').length;
  const overdue = facts.actionItems.filter((item) => item.state === 'open' && item.dueAt < now).length;
  return {
    ...measure('actionItems', { applies: total > 0, missed: overdue > 0, note: overdue > 0 ? `${overdue} overdue` : null }),
    key: 'actionItems',
    closed,
    total,
  };
}

export function incidentPlanReport(facts: IncidentPlanFacts, policy: CommunicationPolicy, now: Date): IncidentPlanReport {
  const report = {
    incident: { id: facts.id, title: facts.title, severity: facts.severity, startedAt: facts.startedAt, resolvedAt: facts.resolvedAt },
    teamAlert: teamAlertMeasure(facts, now),
    firstPost: firstPostMeasure(facts, policy, now),
    customerEmail: customerEmailMeasure(facts, now),
    updateGap: updateGapMeasure(facts, policy, now),
    postmortem: postmortemMeasure(facts, policy, now),
    actionItems: actionItemsMeasure(facts, now),
  };
  return { ...report, misses: planMeasureKeys.filter((key) => report[key].missed) };
}

/** One measure over a period: how many incidents it applied to, the median and worst, the misses. */
export interface PlanMeasureSummary {
  key: PlanMeasureKey;
  measured: number;
  medianMs: number | null;
  worstMs: number | null;
  /** The incident of the worst case. */
  worstIncidentId: string | null;
  misses: number;
}

function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : Math.round(((sorted[middle - 1] ?? 0) + upper) / 2);
}

/** The period's figures for each timed measure (action items are summed instead: see closedActionItems). */
export function summarisePlanReports(reports: IncidentPlanReport[]): PlanMeasureSummary[] {
  return planMeasureKeys.map((key) => {
    const measured = reports.flatMap((report) => {
      const valueMs = report[key].valueMs;
      return report[key].applies && valueMs !== null ? [{ id: report.incident.id, valueMs }] : [];
    });
    const values = measured.map((item) => item.valueMs).sort((a, b) => a - b);
    const worst = measured.reduce<{ id: string; valueMs: number } | null>(
      (found, item) => (!found || item.valueMs > found.valueMs ? item : found),
      null,
    );
    return {
      key,
      measured: measured.length,
      medianMs: key === 'actionItems' ? null : median(values),
      worstMs: key === 'actionItems' ? null : (values.at(-1) ?? null),
      worstIncidentId: key === 'actionItems' ? null : (worst?.id ?? null),
      misses: reports.filter((report) => report[key].missed).length,
    };
  });
}

export function closedActionItems(reports: IncidentPlanReport[]): { closed: number; total: number } {
  return reports.reduce(
    (sum, report) => ({ closed: sum.closed + report.actionItems.closed, total: sum.total + report.actionItems.total }),
    { closed: 0, total: 0 },
  );
}

/** The periods /admin/report offers, in days. */
export const planReportPeriods = [30, 90, 365] as const;
export type PlanReportPeriod = (typeof planReportPeriods)[number];

/** The period a query string asks for: the first when none is given, null for one not offered. */
export function planReportPeriod(value: string | null): PlanReportPeriod | null {
  if (value === null || value === '') return planReportPeriods[0];
  return planReportPeriods.find((days) => String(days) === value) ?? null;
}

export const planReportPeriodError = `Choose a period of ${planReportPeriods.join(', ')} days.`;

const seconds = (ms: number | null) => (ms === null ? '' : String(Math.round(ms / 1000)));

export const planReportCsvHeader = [
  'incident_id',
  'title',
  'severity',
  'started_at',
  'resolved_at',
  'team_alert_seconds',
  'first_post_seconds',
  'customer_email_late_seconds',
  'longest_update_gap_seconds',
  'longest_update_gap_allowed_seconds',
  'postmortem_delay_seconds',
  'action_items_closed',
  'action_items_total',
  'misses',
];

/** One CSV row of an incident's report; times in seconds, empty when not measured. */
export function planReportCsvRow(report: IncidentPlanReport): string[] {
  return [
    report.incident.id,
    report.incident.title,
    report.incident.severity,
    report.incident.startedAt.toISOString(),
    report.incident.resolvedAt?.toISOString() ?? '',
    seconds(report.teamAlert.valueMs),
    seconds(report.firstPost.valueMs),
    seconds(report.customerEmail.valueMs),
    seconds(report.updateGap.valueMs),
    seconds(report.updateGap.limitMs),
    seconds(report.postmortem.valueMs),
    String(report.actionItems.closed),
    String(report.actionItems.total),
    report.misses.join(' '),
  ];
}
