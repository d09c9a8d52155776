import { describe, expect, it } from 'vitest';
import { defaultCommunicationPolicy } from '../../src/lib/domain/communication-policy';
import {
  closedActionItems,
  incidentPlanReport,
  planReportCsvRow,
  planReportPeriod,
  summarisePlanReports,
  type IncidentPlanFacts,
} from '../../src/lib/domain/plan-report';
import { measureAskedText, measureHappenedText, measureVerdict } from '../../src/lib/domain/plan-report-words';

const MINUTE = 60_000;
const start = new Date('2026-03-01T12:00:00.000Z');
const at = (minutes: number) => new Date(start.getTime() + minutes * MINUTE);
const policy = defaultCommunicationPolicy;

/** A critical outage declared at the start, alerted in 3 s, posted at once, resolved after 90 min. */
function facts(overrides: Partial<IncidentPlanFacts> = {}): IncidentPlanFacts {
  return {
    id: 'inc-1',
    title: 'Payouts delayed',
    severity: 'critical',
    startedAt: start,
    declaredAt: start,
    resolvedAt: at(90),
    teamAlertsRecorded: 2,
    teamAlertFirstSentAt: new Date(start.getTime() + 3_000),
    updates: [0, 20, 40, 60, 80].map((minutes) => ({ postedAt: at(minutes), nextUpdateBy: null })),
    customerEmail: { state: 'sent', dueAt: at(5), sentAt: new Date(at(5).getTime() + 1_500) },
    postmortemPublishedAt: at(90 + 20 * 60),
    actionItems: [
      { state: 'done', dueAt: at(60 * 24 * 28) },
      { state: 'open', dueAt: at(60 * 24 * 28) },
    ],
    ...overrides,
  };
}

describe('one incident against the plan', () => {
  it('keeps every step of a well-run incident and says what was asked in words', () => {
    const report = incidentPlanReport(facts(), policy, at(60 * 24));
    expect(report.misses).toEqual([]);
    expect(report.teamAlert).toMatchObject({ valueMs: 3_000, limitMs: MINUTE, missed: false });
    expect(report.customerEmail.valueMs).toBe(1_500);
    // Critical: every 20 min in the first two hours, so the 20-minute gaps are kept.
    expect(report.updateGap).toMatchObject({ valueMs: 20 * MINUTE, limitMs: 20 * MINUTE, missed: false });
    expect(report.postmortem).toMatchObject({ valueMs: 20 * 60 * MINUTE, missed: false });
    expect(report.actionItems).toMatchObject({ closed: 1, total: 2, missed: false });
    expect(measureAskedText(report.updateGap)).toBe('no gap over 20 min');
    expect(measureHappenedText(report.actionItems)).toBe('1 of 2 closed');
    expect(measureVerdict(report.teamAlert)).toBe('kept');
  });

  it('names each miss: a slow alert, a late post, a long silence, a late post-mortem, an overdue item', () => {
    const report = incidentPlanReport(
      facts({
        startedAt: at(-30),
        teamAlertFirstSentAt: at(3),
        updates: [
          { postedAt: at(0), nextUpdateBy: null },
          { postedAt: at(45), nextUpdateBy: null },
        ],
        customerEmail: { state: 'sent', dueAt: at(-25), sentAt: at(1) },
        postmortemPublishedAt: at(90 + 30 * 60),
      }),
      policy,
      at(60 * 24 * 40),
    );
    expect(report.misses).toEqual(['teamAlert', 'firstPost', 'customerEmail', 'updateGap', 'postmortem', 'actionItems']);
    expect(report.updateGap).toMatchObject({ valueMs: 45 * MINUTE, note: '2 of 2 gaps over' });
    expect(measureHappenedText(report.actionItems)).toBe('1 of 2 closed, 1 overdue');
    expect(measureVerdict(report.postmortem)).toBe('missed');
  });

  it('measures a gap against the time the update promised, when it promised one', () => {
    const updates = [
      { postedAt: at(0), nextUpdateBy: at(45) },
      { postedAt: at(40), nextUpdateBy: null },
    ];
    const report = incidentPlanReport(facts({ updates, resolvedAt: at(60) }), policy, at(61));
    expect(report.updateGap).toMatchObject({ valueMs: 40 * MINUTE, limitMs: 45 * MINUTE, missed: false });
  });

  it('asks nothing the plan does not: no contacts, not an outage, no post-mortem, no cadence', () => {
    const report = incidentPlanReport(
      facts({
        severity: 'low',
        teamAlertsRecorded: 0,
        teamAlertFirstSentAt: null,
        customerEmail: { state: 'not_required', dueAt: null, sentAt: null },
        postmortemPublishedAt: null,
        actionItems: [],
      }),
      policy,
      at(200),
    );
    expect(report.misses).toEqual([]);
    for (const key of ['teamAlert', 'customerEmail', 'updateGap', 'postmortem', 'actionItems'] as const) {
      expect(measureVerdict(report[key]), key).toBe('not_asked');
    }
  });

  it('counts an open incident up to now: the silence since the last update is a gap', () => {
    const report = incidentPlanReport(facts({ resolvedAt: null, updates: [{ postedAt: at(0), nextUpdateBy: null }] }), policy, at(25));
    expect(report.updateGap).toMatchObject({ valueMs: 25 * MINUTE, missed: true });
    expect(measureVerdict(report.postmortem)).toBe('open');
  });
});

describe('a period of incidents', () => {
  it('gives medians, worst cases with their incident, misses, and one CSV row each', () => {
    const quick = incidentPlanReport(facts({ id: 'a' }), policy, at(60 * 24));
    const slow = incidentPlanReport(facts({ id: 'b', teamAlertFirstSentAt: at(2) }), policy, at(60 * 24));
    const slower = incidentPlanReport(facts({ id: 'c', teamAlertFirstSentAt: at(4) }), policy, at(60 * 24));
    const summary = summarisePlanReports([quick, slow, slower]).find((item) => item.key === 'teamAlert')!;
    expect(summary).toMatchObject({ measured: 3, medianMs: 2 * MINUTE, worstMs: 4 * MINUTE, worstIncidentId: 'c', misses: 2 });
    expect(closedActionItems([quick, slow])).toEqual({ closed: 2, total: 4 });
    const row = planReportCsvRow(slow);
    expect(row.slice(0, 3)).toEqual(['b', 'Payouts delayed', 'critical']);
    expect(row[5]).toBe('120');
    expect(row.at(-1)).toBe('teamAlert');
  });

  it('reads the period from the query: 30 by default, null for one not offered', () => {
    expect(planReportPeriod(null)).toBe(30);
    expect(planReportPeriod('365')).toBe(365);
    expect(planReportPeriod('7')).toBeNull();
    expect(planReportPeriod('90abc')).toBeNull();
  });
});
