/**
 * Step 4 of the communication plan, "send customer email if > 5 min outage", at its edges. The
 * clock is a FakeClock; the customer-email job handler is called directly at chosen moments
 * (pg-boss's delayed job only triggers it, its decisions use the clock). What subscribers get
 * is checked in the notification rows and, where an email is owed, in a real SMTP sink fed by
 * the real fan-out and delivery workers.
 */
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Severity } from '../../src/lib/domain/statuses';
import type { SeveritySignalId } from '../../src/lib/domain/severity-classifier';
import { incident, incidentUpdate, notification, type ComponentRow, type IncidentRow } from '../../src/lib/server/db/schema';
import { sendCustomerEmailIfDue } from '../../src/lib/server/jobs/handlers/customer-email';
import { holdCustomerEmail, sendCustomerEmailNow } from '../../src/lib/server/services/plan/communication-plan';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident, postIncidentUpdate, updateIncidentDetails } from '../../src/lib/server/services/incidents/incident-commands';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { auditRowsFor, DAY, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { startMailWorkers, waitForNotificationSettled, type MailWorkers } from '../support/mail-workers';
import { queuedJobs } from '../support/queued-jobs';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const SECOND = 1000;
const PAGE = 'Acme Cloud';
const READER = 'reader@example.com';
const BASE = new Date('2026-03-01T00:00:00.000Z');

const { clock, handle, context } = useTestContext({ start: BASE });
let sink: SmtpSink;
let workers: MailWorkers;
let api: ComponentRow;

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
  // Only the subscriber mail runs on its own here: the plan's jobs are run by the tests, at the moments they choose.
  for (const name of ['customer-email', 'update-cadence-check', 'postmortem-check', 'team-alert'] as const) {
    await handle.jobs.boss.offWork(name, { wait: true });
  }
  expectOk(await updatePageSettings(context, testActor, { name: PAGE, description: '', timeZone: 'UTC' }));
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  expectOk(await addSubscriberByAdmin(context, testActor, { email: READER, componentIds: [] }));
});

afterAll(async () => {
  await (workers as MailWorkers | undefined)?.stop();
  await (sink as SmtpSink | undefined)?.close();
});

let days = 0;
let titles = 0;

/** Declares an incident at the start of a day of its own, so that no two tests share a moment. */
async function declare(
  severity: Severity,
  options: { notify?: boolean; signals?: SeveritySignalId[]; severityOverrideReason?: string } = {},
): Promise<IncidentRow> {
  days += 1;
  clock.set(new Date(BASE.getTime() + days * DAY));
  const outage = severity === 'critical' || severity === 'high';
  return expectOk(
    await declareIncident(context, testActor, {
      title: `Incident ${++titles}`,
      severity,
      status: 'investigating',
      message: 'We are looking into errors on the API.',
      components: [{ componentId: api.id, status: outage ? 'partial_outage' : 'degraded_performance' }],
      notifySubscribers: options.notify ?? true,
      ...(options.signals ? { signals: options.signals } : {}),
      ...(options.severityOverrideReason ? { severityOverrideReason: options.severityOverrideReason } : {}),
    }),
  );
}

/** Moves the clock to `offset` after the incident started. */
function at(row: IncidentRow, offset: number): Date {
  clock.set(new Date(row.startedAt.getTime() + offset));
  return clock.now();
}

const minutes = (count: number, seconds = 0) => count * MINUTE + seconds * SECOND;

async function reload(row: IncidentRow): Promise<IncidentRow> {
  const [fresh] = await handle.db.select().from(incident).where(eq(incident.id, row.id));
  return fresh!;
}

function notificationsOf(row: IncidentRow) {
  return handle.db.select().from(notification).where(eq(notification.incidentId, row.id)).orderBy(asc(notification.createdAt));
}

async function updatesOf(row: IncidentRow) {
  return handle.db.select().from(incidentUpdate).where(eq(incidentUpdate.incidentId, row.id)).orderBy(asc(incidentUpdate.createdAt));
}

async function post(
  row: IncidentRow,
  offset: number,
  options: { status?: 'investigating' | 'identified' | 'monitoring' | 'resolved'; notify: boolean; message?: string },
) {
  at(row, offset);
  return expectOk(
    await postIncidentUpdate(context, testActor, row.id, {
      status: options.status ?? 'identified',
      message: options.message ?? `Update ${options.status ?? 'identified'} at +${offset / SECOND} s.`,
      notifySubscribers: options.notify,
    }),
  );
}

/** Messages the sink accepted about one incident (its page link is in every incident email). */
function mailsAbout(row: IncidentRow): ReceivedMail[] {
  return sink.received.filter((mail) => mail.parsed.text?.includes(`http://status.test/incidents/${row.id}`));
}

/** Waits for every notification of the incident to be sent and returns the messages about it. */
async function settledMailsAbout(row: IncidentRow): Promise<ReceivedMail[]> {
  for (const item of await notificationsOf(row)) await waitForNotificationSettled(handle.db, item.incidentUpdateId!);
  return mailsAbout(row);
}

function runJob(row: IncidentRow) {
  return sendCustomerEmailIfDue(context, row.id);
}

describe('declaring an outage', () => {
  it('schedules the customer email five minutes after the start, with a delayed job, and emails nothing yet', async () => {
    const row = await reload(await declare('high', { signals: ['partial_error_rate_above_5'] }));
    expect(row).toMatchObject({
      customerEmailState: 'scheduled',
      suggestedSeverity: 'high',
      severitySuggestionReason: 'High: error rate over 5 % on a part of the service, a component in partial outage',
      severityOverrideReason: null,
    });
    expect(row.customerEmailDueAt).toEqual(new Date(row.startedAt.getTime() + minutes(5)));
    const jobs = await queuedJobs(handle, 'customer-email', row.id);
    expect(jobs.map((job) => ({ data: job.data, startAfter: job.startAfter }))).toEqual([
      { data: { incidentId: row.id, dueAt: row.customerEmailDueAt!.toISOString() }, startAfter: row.customerEmailDueAt },
    ]);
    // The first update of an outage is not emailed even though staff left "notify" ticked: the rule decides when customers hear.
    expect(await notificationsOf(row)).toEqual([]);
    expect((await updatesOf(row)).map((update) => update.notifySubscribers)).toEqual([false]);
  });

  it('asks why when staff choose another severity than the signals suggest, and keeps the reason', async () => {
    days += 1;
    clock.set(new Date(BASE.getTime() + days * DAY));
    const base = {
      title: 'Checkout slow',
      severity: 'high' as const,
      status: 'investigating' as const,
      message: 'Checking.',
      signals: ['cpu_above_80' as const],
    };
    expect(expectInvalid(await declareIncident(context, testActor, base))).toEqual({
      severityOverrideReason: 'Say why you chose High rather than the suggested Medium.',
    });
    const row = await reload(
      expectOk(await declareIncident(context, testActor, { ...base, severityOverrideReason: 'Checkout is our revenue path.' })),
    );
    expect(row).toMatchObject({
      severity: 'high',
      suggestedSeverity: 'medium',
      severitySuggestionReason: 'Medium: CPU over 80 %',
      severitySignals: ['cpu_above_80'],
      severityOverrideReason: 'Checkout is our revenue path.',
      customerEmailState: 'scheduled',
    });
  });
});

describe('the five-minute rule', () => {
  it('sends no customer email for a High incident resolved at 4:59, and records the skip', async () => {
    const row = await declare('high');
    await post(row, minutes(4, 59), { status: 'resolved', notify: true });
    const resolved = await reload(row);
    expect(resolved).toMatchObject({
      status: 'resolved',
      customerEmailState: 'skipped',
      customerEmailNote: 'resolved after 4 m 59 s',
      customerEmailSentAt: null,
    });

    at(row, minutes(5));
    expect(await runJob(row)).toBe('not_scheduled');
    expect(await notificationsOf(row)).toEqual([]);
    expect((await reload(row)).customerEmailState).toBe('skipped');
  });

  it('sends nothing at 4:59 and exactly one customer email at 5:00 to an incident still unresolved', async () => {
    const row = await declare('high');
    at(row, minutes(4, 59));
    expect(await runJob(row)).toBe('not_due');
    expect(await notificationsOf(row)).toEqual([]);

    const dueAt = at(row, minutes(5));
    expect(await runJob(row)).toBe('sent');
    const notifications = await notificationsOf(row);
    expect(notifications).toHaveLength(1);
    const [first] = await updatesOf(row);
    expect(notifications[0]!.incidentUpdateId).toBe(first!.id);
    expect(await reload(row)).toMatchObject({
      customerEmailState: 'sent',
      customerEmailSentAt: dueAt,
      customerEmailNotificationId: notifications[0]!.id,
      customerEmailNote: null,
    });
    expect((await auditRowsFor(handle.db, row.id)).filter((entry) => entry.action === 'incident.customer_email')).toHaveLength(1);

    // The job runs again (a retry, a second copy): nothing more.
    at(row, minutes(5, 30));
    expect(await runJob(row)).toBe('not_scheduled');
    expect(await notificationsOf(row)).toHaveLength(1);

    const mails = await settledMailsAbout(row);
    expect(mails.map((mail) => mail.to)).toEqual([READER]);
    expect(mails[0]!.parsed.subject).toBe(`[${PAGE}] ${row.title}: Investigating`);
    expect(mails[0]!.parsed.messageId).toBe(`<incident.${row.id}@status.test>`);
  });

  it('sends once when two handlers race at 5:00', async () => {
    const row = await declare('critical');
    at(row, minutes(5));
    const outcomes = await Promise.all([runJob(row), runJob(row)]);
    expect(outcomes.sort()).toEqual(['not_scheduled', 'sent']);
    expect(await notificationsOf(row)).toHaveLength(1);
    expect((await auditRowsFor(handle.db, row.id)).filter((entry) => entry.action === 'incident.customer_email')).toHaveLength(1);
    expect((await settledMailsAbout(row)).map((mail) => mail.to)).toEqual([READER]);
  });

  it('sends once, late, when the worker was down from 4:00 to 7:00, and says how late', async () => {
    const row = await declare('high');
    at(row, minutes(4));
    expect(await runJob(row)).toBe('not_due');
    // Down: the job due at 5:00 runs only when the worker is back at 7:00.
    const back = at(row, minutes(7));
    expect(await runJob(row)).toBe('sent');
    expect(await runJob(row)).toBe('not_scheduled');
    expect(await reload(row)).toMatchObject({
      customerEmailState: 'sent',
      customerEmailSentAt: back,
      customerEmailNote: 'sent 2 m 0 s late',
    });
    expect((await reload(row)).customerEmailDueAt).toEqual(new Date(row.startedAt.getTime() + minutes(5)));
    expect(await notificationsOf(row)).toHaveLength(1);
    expect((await settledMailsAbout(row)).map((mail) => mail.to)).toEqual([READER]);
  });

  it('does not call a minute of delay late', async () => {
    const row = await declare('high');
    at(row, minutes(6));
    expect(await runJob(row)).toBe('sent');
    expect((await reload(row)).customerEmailNote).toBeNull();

    const later = await declare('high');
    at(later, minutes(6, 1));
    expect(await runJob(later)).toBe('sent');
    expect((await reload(later)).customerEmailNote).toBe('sent 1 m 1 s late');
  });
});

describe('a resolution after the due moment', () => {
  it('sends the owed customer email with the resolution when no worker sent it at 5:00', async () => {
    const row = await declare('high');
    // No worker ran at 5:00; the incident is resolved at 6:00.
    await post(row, minutes(6), { status: 'resolved', notify: true, message: 'Fixed.' });
    const resolved = await reload(row);
    expect(resolved).toMatchObject({ customerEmailState: 'sent', customerEmailNote: 'sent with the resolution, 1 m 0 s after it was due' });
    const notifications = await notificationsOf(row);
    expect(notifications).toHaveLength(1);
    const updates = await updatesOf(row);
    expect(notifications[0]!.incidentUpdateId).toBe(updates.at(-1)!.id);
    expect((await settledMailsAbout(row)).map((mail) => mail.to)).toEqual([READER]);
    expect(await runJob(row)).toBe('not_scheduled');
  });
});

describe('a reopened outage', () => {
  it('schedules the customer email again when an incident skipped as short is reopened', async () => {
    const row = await declare('high');
    await post(row, minutes(2), { status: 'resolved', notify: true });
    expect((await reload(row)).customerEmailState).toBe('skipped');
    await post(row, minutes(3), { status: 'investigating', notify: true });
    expect(await reload(row)).toMatchObject({
      customerEmailState: 'scheduled',
      customerEmailDueAt: new Date(row.startedAt.getTime() + minutes(5)),
    });
    at(row, minutes(5));
    expect(await runJob(row)).toBe('sent');
  });
});

describe('severity changes', () => {
  it('sends at once when a Medium incident is raised to High at minute 8, and alerts the team', async () => {
    const row = await declare('medium', { notify: false, signals: ['cpu_above_80'] });
    expect(row.customerEmailState).toBe('not_required');
    expect(await queuedJobs(handle, 'customer-email', row.id)).toEqual([]);

    const raisedAt = at(row, minutes(8));
    const raised = await reload(
      expectOk(
        await updateIncidentDetails(context, testActor, row.id, {
          title: row.title,
          severity: 'high',
          severityReason: 'Errors spread to checkout.',
        }),
      ),
    );
    // Start + 5 min has passed: the email is owed from the raise (so it is not recorded as late), and queued to run now.
    expect(raised).toMatchObject({
      severity: 'high',
      customerEmailState: 'scheduled',
      customerEmailDueAt: raisedAt,
      severityOverrideReason: 'Errors spread to checkout.',
    });
    const [job] = await queuedJobs(handle, 'customer-email', row.id);
    expect(job?.startAfter.getTime()).not.toBe(row.startedAt.getTime() + minutes(5));
    const alerts = await queuedJobs(handle, 'team-alert', row.id);
    expect(alerts.map((item) => item.data)).toEqual([
      { incidentId: row.id, kind: 'declared', occasion: 'declared' },
      { incidentId: row.id, kind: 'severity_raised', occasion: `high@${raisedAt.toISOString()}` },
    ]);

    expect(await runJob(row)).toBe('sent');
    expect(await reload(row)).toMatchObject({ customerEmailState: 'sent', customerEmailSentAt: raisedAt, customerEmailNote: null });
    const notifications = await notificationsOf(row);
    expect(notifications).toHaveLength(1);
    expect((await settledMailsAbout(row)).map((mail) => mail.to)).toEqual([READER]);
  });

  it('does not email again an update customers already had when the incident was Medium', async () => {
    const row = await declare('medium', { notify: true });
    expect(await notificationsOf(row)).toHaveLength(1);
    at(row, minutes(8));
    expectOk(
      await updateIncidentDetails(context, testActor, row.id, { title: row.title, severity: 'critical', severityReason: 'Full outage.' }),
    );
    expect(await runJob(row)).toBe('sent');
    const notifications = await notificationsOf(row);
    expect(notifications).toHaveLength(1);
    expect((await reload(row)).customerEmailNotificationId).toBe(notifications[0]!.id);
    expect((await settledMailsAbout(row)).map((mail) => mail.to)).toEqual([READER]);
  });

  it('cancels the customer email when the severity is lowered to Medium at minute 3, and the 5:00 job sends nothing', async () => {
    const row = await declare('high');
    at(row, minutes(3));
    const lowered = await reload(
      expectOk(
        await updateIncidentDetails(context, testActor, row.id, {
          title: row.title,
          severity: 'medium',
          severityReason: 'Only a few users.',
        }),
      ),
    );
    expect(lowered).toMatchObject({ customerEmailState: 'cancelled', customerEmailNote: 'cancelled: severity lowered to Medium' });
    expect((await queuedJobs(handle, 'team-alert', row.id)).map((item) => item.data.kind)).toEqual(['declared']);

    at(row, minutes(5));
    expect(await runJob(row)).toBe('not_scheduled');
    expect(await notificationsOf(row)).toEqual([]);
    expect((await reload(row)).customerEmailState).toBe('cancelled');
  });

  it('schedules it again when a lowered incident is raised back before 5:00, and sends at 5:00', async () => {
    const row = await declare('high');
    at(row, minutes(2));
    expectOk(
      await updateIncidentDetails(context, testActor, row.id, {
        title: row.title,
        severity: 'medium',
        severityReason: 'Only a few users.',
      }),
    );
    at(row, minutes(4));
    const raised = await reload(
      expectOk(
        await updateIncidentDetails(context, testActor, row.id, { title: row.title, severity: 'high', severityReason: 'No, many users.' }),
      ),
    );
    expect(raised).toMatchObject({ customerEmailState: 'scheduled', customerEmailNote: null });
    at(row, minutes(5));
    expect(await runJob(row)).toBe('sent');
    expect(await notificationsOf(row)).toHaveLength(1);
  });
});

describe('staff overriding the rule', () => {
  it('holds the customer email: the 5:00 job sends nothing, until staff send it themselves', async () => {
    const row = await declare('high');
    at(row, minutes(2));
    expect(expectInvalid(await holdCustomerEmail(context, testActor, row.id, '   '))).toEqual({
      holdReason: 'Say why the customer email is held.',
    });
    expectOk(await holdCustomerEmail(context, testActor, row.id, 'Legal is reviewing the wording.'));
    expect(await reload(row)).toMatchObject({
      customerEmailState: 'held',
      customerEmailNote: 'held by test-suite: Legal is reviewing the wording.',
    });

    at(row, minutes(5));
    expect(await runJob(row)).toBe('not_scheduled');
    at(row, minutes(20));
    expect(await runJob(row)).toBe('not_scheduled');
    expect(await notificationsOf(row)).toEqual([]);
    expect((await reload(row)).customerEmailState).toBe('held');

    const sentAt = at(row, minutes(25));
    expectOk(await sendCustomerEmailNow(context, testActor, row.id));
    expect(await reload(row)).toMatchObject({
      customerEmailState: 'sent',
      customerEmailSentAt: sentAt,
      customerEmailNote: 'sent by test-suite',
    });
    expect(await notificationsOf(row)).toHaveLength(1);
    expect((await settledMailsAbout(row)).map((mail) => mail.to)).toEqual([READER]);
  });

  it('sends at 2:00 when staff say so, and the 5:00 job does not send again', async () => {
    const row = await declare('high');
    const sentAt = at(row, minutes(2));
    expectOk(await sendCustomerEmailNow(context, testActor, row.id));
    expect(await reload(row)).toMatchObject({
      customerEmailState: 'sent',
      customerEmailSentAt: sentAt,
      customerEmailNote: 'sent by test-suite',
    });
    expect(await notificationsOf(row)).toHaveLength(1);

    at(row, minutes(5));
    expect(await runJob(row)).toBe('not_scheduled');
    expect(await notificationsOf(row)).toHaveLength(1);
    expect(expectInvalid(await sendCustomerEmailNow(context, testActor, row.id))).toEqual({
      customerEmail: 'The customer email has already been sent.',
    });
    expect(expectInvalid(await holdCustomerEmail(context, testActor, row.id, 'Too late.'))).toEqual({
      holdReason: 'The customer email has already been sent.',
    });
    expect((await settledMailsAbout(row)).map((mail) => mail.to)).toEqual([READER]);
  });
});

describe('which public updates are emailed', () => {
  it('does not email an outage update before the customer email, even with notify on; the customer email then carries it', async () => {
    const row = await declare('high');
    const early = await post(row, minutes(3), { notify: true, message: 'The cause is a bad deploy.' });
    expect(early.notifySubscribers).toBe(false);
    expect(await notificationsOf(row)).toEqual([]);

    at(row, minutes(5));
    expect(await runJob(row)).toBe('sent');
    const notifications = await notificationsOf(row);
    expect(notifications.map((item) => item.incidentUpdateId)).toEqual([early.id]);
    expect((await updatesOf(row)).find((update) => update.id === early.id)?.notifySubscribers).toBe(true);
    const mails = await settledMailsAbout(row);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.parsed.text).toContain('The cause is a bad deploy.');
  });

  it('emails every later public update with notify on after the customer email, and none with notify off', async () => {
    const row = await declare('critical');
    at(row, minutes(5));
    expect(await runJob(row)).toBe('sent');

    const loud = await post(row, minutes(10), { notify: true, status: 'identified', message: 'Identified: a full disk.' });
    const quiet = await post(row, minutes(12), { notify: false, status: 'identified', message: 'Internal note: disk cleaned.' });
    const resolved = await post(row, minutes(15), { notify: true, status: 'resolved', message: 'Resolved: disk space freed.' });
    expect([loud.notifySubscribers, quiet.notifySubscribers, resolved.notifySubscribers]).toEqual([true, false, true]);

    const [first] = await updatesOf(row);
    expect((await notificationsOf(row)).map((item) => item.incidentUpdateId)).toEqual([first!.id, loud.id, resolved.id]);
    expect((await reload(row)).customerEmailState).toBe('sent');

    const mails = await settledMailsAbout(row);
    expect(mails.map((mail) => mail.parsed.subject)).toEqual([
      `[${PAGE}] ${row.title}: Investigating`,
      `[${PAGE}] ${row.title}: Identified`,
      `[${PAGE}] ${row.title}: Resolved`,
    ]);
    expect(mails.some((mail) => mail.parsed.text?.includes('Internal note'))).toBe(false);
  });

  it("emails a Medium incident's updates at once, as staff choose", async () => {
    const row = await declare('medium');
    expect(row.customerEmailState).toBe('not_required');
    const loud = await post(row, minutes(1), { notify: true, message: 'A fix is rolling out.' });
    const quiet = await post(row, minutes(2), { notify: false, message: 'Still rolling out.' });
    expect([loud.notifySubscribers, quiet.notifySubscribers]).toEqual([true, false]);
    const [first] = await updatesOf(row);
    expect((await notificationsOf(row)).map((item) => item.incidentUpdateId)).toEqual([first!.id, loud.id]);

    at(row, minutes(5));
    expect(await runJob(row)).toBe('not_scheduled');
    expect((await reload(row)).customerEmailState).toBe('not_required');
    expect(await settledMailsAbout(row)).toHaveLength(2);
  });

  it('emails a Low incident update at once too, and never schedules a customer email for it', async () => {
    const row = await declare('low');
    expect(row.customerEmailState).toBe('not_required');
    expect(await notificationsOf(row)).toHaveLength(1);
    await post(row, minutes(10), { status: 'resolved', notify: true });
    expect((await reload(row)).customerEmailState).toBe('not_required');
    expect(await notificationsOf(row)).toHaveLength(2);
  });
});

describe('the whole file', () => {
  it('sent every owed email exactly once to the subscriber, and nothing else', async () => {
    const notifications = await handle.db.select().from(notification);
    for (const item of notifications) await waitForNotificationSettled(handle.db, item.incidentUpdateId!);
    expect(sink.received.every((mail) => mail.to === READER)).toBe(true);
    expect(sink.received).toHaveLength(notifications.length);
    expect(new Set(sink.received.map((mail) => mail.parsed.messageId)).size).toBe(sink.received.length);
  });
});
