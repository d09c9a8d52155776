/**
 * The customer email of an outage tells the whole story (issue 16): title, impact, start, the
 * affected components as they are now, every public update so far newest first, and when the
 * next update is due. Later emails of its thread stay short: the new update and one line of
 * context. The clock is a FakeClock and the customer-email job is run at the delay; the email is
 * read as the subscriber gets it, through the real fan-out and delivery workers and an SMTP sink.
 */
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentStatus, Severity } from '../../src/lib/domain/statuses';
import { notification, type ComponentRow, type IncidentRow } from '../../src/lib/server/db/schema';
import { sendCustomerEmailIfDue } from '../../src/lib/server/jobs/handlers/customer-email';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { DAY, expectOk, MINUTE, testActor } from '../support/factories';
import { startMailWorkers, waitForNotificationSettled, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const PAGE = 'Acme Cloud';
const READER = 'reader@example.com';
/** 14:02 UTC: each test declares its incident at this time of a day of its own. */
const BASE = new Date('2026-03-01T14:02:00.000Z');

const { clock, handle, context } = useTestContext({ start: BASE });
let sink: SmtpSink;
let workers: MailWorkers;
let payouts: ComponentRow;
let api: ComponentRow;

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
  // The customer-email job is run by the tests at the delay; only the subscriber mail runs on its own.
  for (const name of ['customer-email', 'update-cadence-check', 'postmortem-check', 'team-alert'] as const) {
    await handle.jobs.boss.offWork(name, { wait: true });
  }
  expectOk(await updatePageSettings(context, testActor, { name: PAGE, description: '', timeZone: 'UTC' }));
  payouts = expectOk(await createComponent(context, testActor, { name: 'Payouts' }));
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  expectOk(await addSubscriberByAdmin(context, testActor, { email: READER, componentIds: [] }));
});

afterAll(async () => {
  await (workers as MailWorkers | undefined)?.stop();
  await (sink as SmtpSink | undefined)?.close();
});

let days = 0;

/** Declares an incident at 14:02 UTC on a day of its own, affecting Payouts. */
async function declare(options: { title: string; severity: Severity; message: string; status?: ComponentStatus }): Promise<IncidentRow> {
  days += 1;
  clock.set(new Date(BASE.getTime() + days * DAY));
  return expectOk(
    await declareIncident(context, testActor, {
      title: options.title,
      severity: options.severity,
      status: 'investigating',
      message: options.message,
      components: [{ componentId: payouts.id, status: options.status ?? 'partial_outage' }],
      notifySubscribers: true,
    }),
  );
}

function at(row: IncidentRow, offset: number): void {
  clock.set(new Date(row.startedAt.getTime() + offset));
}

async function post(
  row: IncidentRow,
  offset: number,
  status: 'investigating' | 'identified' | 'monitoring' | 'resolved',
  message: string,
  components: { componentId: string; status: ComponentStatus }[] = [],
  nextUpdateBy?: Date,
) {
  at(row, offset);
  return expectOk(
    await postIncidentUpdate(context, testActor, row.id, { status, message, components, notifySubscribers: true, nextUpdateBy }),
  );
}

/** Every message the subscriber got about the incident, once all its notifications are sent. */
async function mailsAbout(row: IncidentRow): Promise<ReceivedMail[]> {
  const notifications = await handle.db
    .select()
    .from(notification)
    .where(eq(notification.incidentId, row.id))
    .orderBy(asc(notification.createdAt));
  for (const item of notifications) await waitForNotificationSettled(handle.db, item.incidentUpdateId!);
  return sink.received.filter((mail) => mail.parsed.text?.includes(`http://status.test/incidents/${row.id}`));
}

/** The text part down to the subscriber footer (whose links are signed per recipient). */
const storyText = (mail: ReceivedMail) => mail.parsed.text!.split('\n--\n')[0]!.trimEnd();

describe('the customer email at the delay', () => {
  it('tells a Critical incident that went to monitoring before 5:00 from the start: components now, three updates, the promised next update', async () => {
    const row = await declare({ title: 'Payouts outage', severity: 'critical', message: 'Payouts are failing for some merchants.' });
    await post(row, 2 * MINUTE, 'identified', 'A bad deploy broke the payout queue.', [
      { componentId: payouts.id, status: 'major_outage' },
    ]);
    // Staff promised the next update for 14:45 rather than the cadence's 14:26.
    await post(
      row,
      4 * MINUTE,
      'monitoring',
      'The alert has cleared; we are monitoring.',
      [{ componentId: payouts.id, status: 'degraded_performance' }],
      new Date('2026-03-02T14:45:00.000Z'),
    );
    at(row, 4 * MINUTE + 59_000);
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('not_due');

    at(row, 5 * MINUTE);
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('sent');
    const mails = await mailsAbout(row);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.parsed.subject).toBe(`[${PAGE}] Payouts outage: Monitoring`);
    expect(mail!.parsed.messageId).toBe(`<incident.${row.id}@status.test>`);
    expect(storyText(mail!)).toBe(
      [
        'Payouts outage',
        'Impact: Critical',
        'Started: 2026-03-02 14:02 UTC',
        '',
        'Affected components:',
        '- Payouts: Degraded performance',
        '',
        'Updates (newest first):',
        '',
        'Monitoring · 2026-03-02 14:06 UTC',
        'The alert has cleared; we are monitoring.',
        '',
        'Identified · 2026-03-02 14:04 UTC',
        'A bad deploy broke the payout queue.',
        '',
        'Investigating · 2026-03-02 14:02 UTC',
        'Payouts are failing for some merchants.',
        '',
        'Next update by 14:45 UTC',
        '',
        `Follow this incident: http://status.test/incidents/${row.id}`,
      ].join('\n'),
    );
    const html = mail!.parsed.html as string;
    for (const part of [
      'Payouts outage',
      'Critical',
      '2026-03-02 14:02 UTC',
      'Payouts: Degraded performance',
      'Next update by 14:45 UTC',
      `href="http://status.test/incidents/${row.id}"`,
    ]) {
      expect(html).toContain(part);
    }
    const order = ['The alert has cleared', 'A bad deploy broke', 'Payouts are failing'].map((body) => html.indexOf(body));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('tells a High incident still investigating with its one update, and promises the next update 30 minutes after it', async () => {
    const row = await declare({ title: 'Slow payouts', severity: 'high', message: 'Payouts take minutes to arrive.' });
    at(row, 5 * MINUTE);
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('sent');
    const [mail, ...more] = await mailsAbout(row);
    expect(more).toEqual([]);
    expect(mail!.parsed.subject).toBe(`[${PAGE}] Slow payouts: Investigating`);
    expect(storyText(mail!)).toBe(
      [
        'Slow payouts',
        'Impact: Major',
        'Started: 2026-03-03 14:02 UTC',
        '',
        'Affected components:',
        '- Payouts: Partial outage',
        '',
        'Updates (newest first):',
        '',
        'Investigating · 2026-03-03 14:02 UTC',
        'Payouts take minutes to arrive.',
        '',
        'Next update by 14:32 UTC',
        '',
        `Follow this incident: http://status.test/incidents/${row.id}`,
      ].join('\n'),
    );
  });

  it('tells an incident identified before 5:00 with both updates, and promises the next update 30 minutes after the newest', async () => {
    const row = await declare({ title: 'Payout errors', severity: 'high', message: 'Some payouts fail.' });
    await post(row, 3 * MINUTE, 'identified', 'A certificate expired at the bank.');
    at(row, 5 * MINUTE);
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('sent');
    const [mail, ...more] = await mailsAbout(row);
    expect(more).toEqual([]);
    expect(mail!.parsed.subject).toBe(`[${PAGE}] Payout errors: Identified`);
    expect(storyText(mail!)).toContain(
      [
        'Identified · 2026-03-04 14:05 UTC',
        'A certificate expired at the bank.',
        '',
        'Investigating · 2026-03-04 14:02 UTC',
        'Some payouts fail.',
        '',
        'Next update by 14:35 UTC',
      ].join('\n'),
    );
  });

  it('promises no next update when the owed email goes with the resolution', async () => {
    const row = await declare({ title: 'Payout delays', severity: 'high', message: 'Payouts are delayed.' });
    // No worker ran at 5:00: the email owed since then goes with the resolution at 6:00.
    await post(row, 6 * MINUTE, 'resolved', 'Payouts are back to normal.', [{ componentId: payouts.id, status: 'operational' }]);
    const [mail, ...more] = await mailsAbout(row);
    expect(more).toEqual([]);
    const text = storyText(mail!);
    expect(text).toContain(
      [
        'Affected components:',
        '- Payouts: Operational',
        '',
        'Updates (newest first):',
        '',
        'Resolved · 2026-03-05 14:08 UTC',
        'Payouts are back to normal.',
        '',
        'Investigating · 2026-03-05 14:02 UTC',
        'Payouts are delayed.',
        '',
        `Follow this incident: http://status.test/incidents/${row.id}`,
      ].join('\n'),
    );
    expect(text).not.toContain('Next update');
    expect(mail!.parsed.html).not.toContain('Next update');
  });
});

describe('later emails of the thread', () => {
  it('carry the new update and one line of context, threaded under the customer email', async () => {
    const row = await declare({ title: 'Payouts outage', severity: 'critical', message: 'Payouts are failing.' });
    at(row, 5 * MINUTE);
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('sent');
    await post(row, 12 * MINUTE, 'identified', 'The payout queue is stuck; we are draining it.', [
      { componentId: payouts.id, status: 'major_outage' },
      { componentId: api.id, status: 'degraded_performance' },
    ]);
    const [story, later, ...more] = await mailsAbout(row);
    expect(more).toEqual([]);
    expect(story!.parsed.text).toContain('Updates (newest first):');
    expect(later!.parsed.subject).toBe(`[${PAGE}] Payouts outage: Identified`);
    expect(later!.parsed.inReplyTo).toBe(`<incident.${row.id}@status.test>`);
    expect(storyText(later!)).toBe(
      [
        'Payouts outage',
        'Identified · 2026-03-06 14:14 UTC',
        '',
        'The payout queue is stuck; we are draining it.',
        '',
        // Critical, 12 minutes in: every 20 minutes.
        'Next update by 14:34 UTC',
        '',
        'Payouts outage since 14:02 UTC · Critical · Affects: Payouts (major outage), API (degraded performance)',
        '',
        `Follow this incident: http://status.test/incidents/${row.id}`,
      ].join('\n'),
    );
    expect(later!.parsed.html).toContain(
      'Payouts outage since 14:02 UTC · Critical · Affects: Payouts (major outage), API (degraded performance)',
    );
    expect(later!.parsed.text).not.toContain('Payouts are failing.');
  });
});

describe('incidents that are not outages', () => {
  it('keep their one-update email', async () => {
    const row = await declare({
      title: 'Slow dashboard',
      severity: 'medium',
      message: 'The dashboard is slow.',
      status: 'degraded_performance',
    });
    const [mail, ...more] = await mailsAbout(row);
    expect(more).toEqual([]);
    expect(storyText(mail!)).toBe(
      [
        'Slow dashboard',
        'Investigating · 2026-03-07 14:02 UTC · Impact: Minor',
        '',
        'The dashboard is slow.',
        '',
        'Next update by 15:02 UTC',
        '',
        'Affected components:',
        '- Payouts: Degraded performance',
        '',
        `Follow this incident: http://status.test/incidents/${row.id}`,
      ].join('\n'),
    );
  });
});

describe('escaping', () => {
  it('escapes the title and the updates in the HTML part and keeps them intact in the text part', async () => {
    const title = '<script>alert("x")</script> Payouts & refunds';
    const row = await declare({ title, severity: 'critical', message: 'Refunds <b>fail</b> & payouts too.' });
    at(row, 5 * MINUTE);
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('sent');
    const [mail] = await mailsAbout(row);
    const html = mail!.parsed.html as string;
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>fail</b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Payouts &amp; refunds');
    expect(html).toContain('Refunds &lt;b&gt;fail&lt;/b&gt; &amp; payouts too.');
    expect(mail!.parsed.text).toContain(title);
    expect(mail!.parsed.text).toContain('Refunds <b>fail</b> & payouts too.');
  });
});
