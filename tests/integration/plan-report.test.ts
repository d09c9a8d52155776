/**
 * How well the plan was kept, read from what really happened: the team alert job, the updates
 * staff posted, the customer email rule, the post-mortem and the action items of each incident;
 * per incident, over a period, and as CSV.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/lib/domain/csv';
import { actionItem, type IncidentRow } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { sendCustomerEmailIfDue } from '../../src/lib/server/jobs/handlers/customer-email';
import { sendTeamAlert } from '../../src/lib/server/jobs/handlers/team-alert';
import type { Mailer } from '../../src/lib/server/mail/transport';
import { createContact } from '../../src/lib/server/services/plan/contacts';
import { getIncidentPlanReport, getPlanReport, planReportCsv } from '../../src/lib/server/services/plan/plan-report';
import { publishPostmortem } from '../../src/lib/server/services/plan/postmortem';
import { DAY, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const { newComponent, declare, post } = incidentHelpers({ clock, context }, { step: 0 });
const mailer: Mailer = { async send() {}, close() {}, describe: () => 'memory' };
const START = new Date('2026-04-10T09:00:00.000Z');
const at = (offset: number) => new Date(START.getTime() + offset);

let old: IncidentRow;
let outage: IncidentRow;

beforeAll(async () => {
  const api = await newComponent('API');
  // Forty days before: a medium incident (no cadence breach, no post-mortem owed), quickly resolved.
  old = await declare({ title: '=SUM(A1:A9)', severity: 'medium', components: [{ componentId: api.id, status: 'degraded_performance' }] });
  clock.advance(30 * MINUTE);
  await post(old.id, { status: 'resolved', components: [{ componentId: api.id, status: 'operational' }] });

  expectOk(await createContact(context, testActor, { name: 'Sam', role: 'On call', email: 'sam@example.com', severities: ['critical'] }));
  clock.set(START);
  outage = await declare({
    title: 'Payouts delayed',
    severity: 'critical',
    severityOverrideReason: 'Payments are failing.',
    components: [{ componentId: api.id, status: 'major_outage' }],
  });
  clock.set(at(4_000));
  await sendTeamAlert(context, mailer, {
    incidentId: outage.id,
    kind: 'declared',
    occasion: 'declared',
    publicUrl: 'http://status.test',
    http: { post: async () => ({ ok: true, status: 200 }) },
  });
  clock.set(at(5 * MINUTE));
  expect(await sendCustomerEmailIfDue(context, outage.id)).toBe('sent');
  clock.set(at(20 * MINUTE));
  await post(outage.id, { status: 'identified', nextUpdateBy: at(65 * MINUTE).toISOString() });
  // Within what the last update promised, though past the 20-minute cadence.
  clock.set(at(60 * MINUTE));
  await post(outage.id, { status: 'monitoring' });
  // 50 minutes of silence: more than the cadence allows.
  clock.set(at(110 * MINUTE));
  await post(outage.id, { status: 'resolved', components: [{ componentId: api.id, status: 'operational' }] });
  clock.set(at(110 * MINUTE + 30 * HOUR));
  expectOk(
    await publishPostmortem(context, testActor, outage.id, { body: 'What happened, and what we changed.', notifySubscribers: false }),
  );
  const item = { incidentId: outage.id, createdAt: clock.now(), updatedAt: clock.now() };
  await handle.db.insert(actionItem).values([
    { ...item, id: newId(), title: 'Alert on queue age', dueAt: at(28 * DAY), state: 'done', closedAt: clock.now() },
    { ...item, id: newId(), title: 'Retry payouts automatically', dueAt: at(28 * DAY), state: 'open' },
  ]);
});

describe('one incident', () => {
  it('reports what the plan asked and what happened, step by step', async () => {
    clock.set(at(2 * DAY));
    const report = (await getIncidentPlanReport(context, outage.id))!;
    expect(report.teamAlert).toMatchObject({ valueMs: 4_000, missed: false });
    expect(report.firstPost).toMatchObject({ valueMs: 0, missed: false });
    expect(report.customerEmail).toMatchObject({ valueMs: 0, missed: false });
    expect(report.updateGap).toMatchObject({ valueMs: 50 * MINUTE, limitMs: 20 * MINUTE, missed: true, note: '1 of 3 gaps over' });
    expect(report.postmortem).toMatchObject({ valueMs: 30 * HOUR, limitMs: 24 * HOUR, missed: true });
    expect(report.actionItems).toMatchObject({ closed: 1, total: 2, missed: false });
    expect(report.misses).toEqual(['updateGap', 'postmortem']);
    expect(await getIncidentPlanReport(context, 'no-such-incident')).toBeUndefined();
  });

  it('counts an action item left open past its due date as a miss', async () => {
    clock.set(at(29 * DAY));
    const report = (await getIncidentPlanReport(context, outage.id))!;
    expect(report.actionItems).toMatchObject({ closed: 1, total: 2, missed: true, note: '1 overdue' });
  });
});

describe('a period', () => {
  it('takes the incidents that started in it, with medians, worst cases and misses', async () => {
    clock.set(at(2 * DAY));
    const month = await getPlanReport(context, 30);
    expect(month.reports.map((report) => report.incident.id)).toEqual([outage.id]);
    const year = await getPlanReport(context, 365);
    expect(year.reports.map((report) => report.incident.id)).toEqual([outage.id, old.id]);
    const gap = year.summaries.find((summary) => summary.key === 'updateGap')!;
    expect(gap).toMatchObject({ measured: 2, worstMs: 50 * MINUTE, worstIncidentId: outage.id, misses: 1 });
    const postmortem = year.summaries.find((summary) => summary.key === 'postmortem')!;
    expect(postmortem).toMatchObject({ measured: 1, medianMs: 30 * HOUR, misses: 1 });
    expect(year.actionItems).toEqual({ closed: 1, total: 2 });
  });

  it('exports one CSV row per incident, titles safe from spreadsheet formulas', async () => {
    clock.set(at(2 * DAY));
    const parsed = parseCsv(await planReportCsv(context, 90));
    if (!parsed.ok) throw new Error(parsed.error);
    const [header, newest, oldest] = parsed.records.map((record) => record.fields);
    expect(header).toContain('longest_update_gap_seconds');
    expect(newest).toEqual([
      outage.id,
      'Payouts delayed',
      'critical',
      START.toISOString(),
      at(110 * MINUTE).toISOString(),
      '4',
      '0',
      '0',
      String(50 * 60),
      String(20 * 60),
      String(30 * 3600),
      '1',
      '2',
      'updateGap postmortem',
    ]);
    expect(oldest![1]).toBe("'=SUM(A1:A9)");
  });
});
