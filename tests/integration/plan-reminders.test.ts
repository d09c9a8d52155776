/**
 * The plan's reminders to staff: an overdue public update (at the time the latest one promised,
 * then by the severity's cadence) and the
 * post-mortem (a reminder 4 h before its 24 h deadline, and at the deadline). The clock is a
 * FakeClock and the check handlers are called directly at chosen moments; the team-alert jobs
 * they queue are read from pg-boss's table and run with a real SMTP sink.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Severity } from '../../src/lib/domain/statuses';
import { incident, incidentUpdate, user, type IncidentRow } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { checkPostmortem, checkUpdateCadence } from '../../src/lib/server/jobs/handlers/plan-checks';
import { sendTeamAlert, teamAlertsOf, type TeamAlertKind } from '../../src/lib/server/jobs/handlers/team-alert';
import { createMailer, type Mailer } from '../../src/lib/server/mail/transport';
import { guardedHttp } from '../../src/lib/server/services/webhooks/outbound-http';
import { createContact } from '../../src/lib/server/services/plan/contacts';
import { declareIncident, postIncidentUpdate, updateIncidentDetails } from '../../src/lib/server/services/incidents/incident-commands';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { DAY, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { TEST_MAIL_FROM, TEST_PUBLIC_URL } from '../support/mail-workers';
import { queuedJobs } from '../support/queued-jobs';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const SECOND = 1000;
const PAGE = 'Acme Cloud';
const BASE = new Date('2026-03-01T00:00:00.000Z');
const { clock, handle, context } = useTestContext({ start: BASE });
let sink: SmtpSink;
let mailer: Mailer;
let owner: { userId: string; label: string };

beforeAll(async () => {
  sink = await startSmtpSink();
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: TEST_MAIL_FROM, dkim: undefined, dataDir: '/nonexistent' });
  expectOk(await updatePageSettings(context, testActor, { name: PAGE, description: '', timeZone: 'UTC' }));
  const add = (name: string, email: string, severities: Severity[]) =>
    createContact(context, testActor, { name, role: 'On call', email, webhookUrl: null, severities }).then(expectOk);
  await add('Ada Commander', 'ada@example.com', ['critical', 'high']);
  await add('Sam Support', 'sam@example.com', ['critical']);
  await add('Mia Medium', 'mia@example.com', ['medium']);
  const ownerId = newId();
  await handle.db
    .insert(user)
    .values({ id: ownerId, email: 'olga@example.com', name: 'Olga Owner', role: 'responder', createdAt: clock.now() });
  owner = { userId: ownerId, label: 'Olga Owner <olga@example.com>' };
});

afterAll(async () => {
  (mailer as Mailer | undefined)?.close();
  await (sink as SmtpSink | undefined)?.close();
});

let days = 0;
let titles = 0;

/** Declares an incident, owned by Olga, at the start of a day of its own. */
async function declare(severity: Severity): Promise<IncidentRow> {
  days += 1;
  clock.set(new Date(BASE.getTime() + days * 3 * DAY));
  return expectOk(
    await declareIncident(context, owner, {
      title: `Incident ${++titles}`,
      severity,
      status: 'investigating',
      message: 'Looking into it.',
      notifySubscribers: false,
    }),
  );
}

function at(row: IncidentRow, offset: number): Date {
  clock.set(new Date(row.startedAt.getTime() + offset));
  return clock.now();
}

async function post(row: IncidentRow, offset: number, status: 'identified' | 'investigating' | 'resolved' = 'identified') {
  at(row, offset);
  return expectOk(await postIncidentUpdate(context, owner, row.id, { status, message: `Now ${status}.`, notifySubscribers: false }));
}

async function reload(row: IncidentRow): Promise<IncidentRow> {
  const [fresh] = await handle.db.select().from(incident).where(eq(incident.id, row.id));
  return fresh!;
}

/** Team-alert jobs of one kind queued for the incident. */
async function alertJobs(row: IncidentRow, kind: TeamAlertKind) {
  return (await queuedJobs(handle, 'team-alert', row.id)).filter((job) => job.data.kind === kind);
}

/** Runs every queued team-alert job of one kind, as the worker would (again, for those already run). */
async function runAlertJobs(row: IncidentRow, kind: TeamAlertKind) {
  for (const job of await alertJobs(row, kind))
    await sendTeamAlert(context, mailer, { ...job.data, publicUrl: TEST_PUBLIC_URL, http: guardedHttp });
}

async function alertRows(row: IncidentRow, kind: TeamAlertKind) {
  return (await teamAlertsOf(context, row.id)).filter((item) => item.kind === kind);
}

function mailsAbout(row: IncidentRow, headline: string): ReceivedMail[] {
  return sink.received.filter((mail) => mail.parsed.subject?.startsWith(`[${PAGE}] ${headline}: ${row.title}`));
}

const recipients = (rows: { recipientEmail: string }[]) => rows.map((item) => item.recipientEmail).sort();
const minutes = (count: number, seconds = 0) => count * MINUTE + seconds * SECOND;

describe('the update cadence by severity, and the promised next update', () => {
  const checksOf = async (row: IncidentRow) => (await queuedJobs(handle, 'update-cadence-check', row.id)).map((job) => job.startAfter);
  const occasionsOf = async (row: IncidentRow) => (await alertJobs(row, 'update_overdue')).map((job) => job.data.occasion);
  const after = (row: IncidentRow, offset: number) => new Date(row.startedAt.getTime() + offset);
  const latestUpdate = async (row: IncidentRow) =>
    (await handle.db.select().from(incidentUpdate).where(eq(incidentUpdate.incidentId, row.id))).sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime(),
    )[0]!;

  it('promises a High incident’s next update 30 min after the start, and checks then', async () => {
    const row = await declare('high');
    expect((await latestUpdate(row)).nextUpdateBy).toEqual(after(row, minutes(30)));
    expect(await checksOf(row)).toEqual([after(row, minutes(30))]);
  });

  it('reminds the contacts and the owner once at 30:00, not at 29:59, and not again at 30:10', async () => {
    const row = await declare('high');
    const dueAt = after(row, minutes(30));

    at(row, minutes(29, 59));
    await checkUpdateCadence(context, row.id);
    expect(await alertJobs(row, 'update_overdue')).toEqual([]);

    at(row, minutes(30));
    await checkUpdateCadence(context, row.id);
    expect((await alertJobs(row, 'update_overdue')).map((job) => job.data)).toEqual([
      { incidentId: row.id, kind: 'update_overdue', occasion: dueAt.toISOString() },
    ]);
    await runAlertJobs(row, 'update_overdue');
    const rows = await alertRows(row, 'update_overdue');
    expect(recipients(rows)).toEqual(['ada@example.com', 'olga@example.com']);
    expect(rows.every((item) => item.channel === 'email' && item.sentAt !== null && item.occasion === dueAt.toISOString())).toBe(true);
    const mails = mailsAbout(row, 'Update overdue');
    expect(mails.map((mail) => mail.to).sort()).toEqual(['ada@example.com', 'olga@example.com']);
    expect(mails[0]!.parsed.subject).toBe(`[${PAGE}] Update overdue: ${row.title} (no public update by the time it was due)`);
    // The next missed cadence is checked for.
    expect(await checksOf(row)).toContainEqual(after(row, minutes(60)));

    at(row, minutes(30, 10));
    await checkUpdateCadence(context, row.id);
    await runAlertJobs(row, 'update_overdue');
    expect(await alertRows(row, 'update_overdue')).toHaveLength(2);
    expect(mailsAbout(row, 'Update overdue')).toHaveLength(2);
  });

  it('reminds about a silent Critical incident every 20 min for 2 h, then every 60 min, once per deadline', async () => {
    const row = await declare('critical');
    expect(await checksOf(row)).toEqual([after(row, minutes(20))]);
    at(row, minutes(20));
    await checkUpdateCadence(context, row.id);
    await checkUpdateCadence(context, row.id);
    expect(await checksOf(row)).toContainEqual(after(row, minutes(40)));
    await runAlertJobs(row, 'update_overdue');
    expect(recipients(await alertRows(row, 'update_overdue'))).toEqual(['ada@example.com', 'olga@example.com', 'sam@example.com']);

    // The worker was away from 0:20 to 2:10: one reminder, for the latest deadline missed (2:00), then the hourly one.
    at(row, minutes(130));
    await checkUpdateCadence(context, row.id);
    expect(await occasionsOf(row)).toEqual([after(row, minutes(20)).toISOString(), after(row, minutes(120)).toISOString()]);
    expect(await checksOf(row)).toContainEqual(after(row, minutes(180)));
    await runAlertJobs(row, 'update_overdue');
    expect(mailsAbout(row, 'Update overdue')).toHaveLength(6);
  });

  it('starts counting again from an update posted at 20:00', async () => {
    const row = await declare('high');
    await post(row, minutes(20));
    expect((await latestUpdate(row)).nextUpdateBy).toEqual(after(row, minutes(50)));
    expect(await checksOf(row)).toContainEqual(after(row, minutes(50)));

    // The check queued at the start still runs at 30:00: the update moved the deadline.
    at(row, minutes(30));
    await checkUpdateCadence(context, row.id);
    at(row, minutes(49, 59));
    await checkUpdateCadence(context, row.id);
    expect(await alertJobs(row, 'update_overdue')).toEqual([]);

    at(row, minutes(50));
    await checkUpdateCadence(context, row.id);
    expect(await occasionsOf(row)).toEqual([after(row, minutes(50)).toISOString()]);
  });

  it('reminds at the time staff promised, then follows the cadence', async () => {
    const row = await declare('high');
    at(row, minutes(10));
    const promise = after(row, minutes(45));
    expectOk(await postIncidentUpdate(context, owner, row.id, { status: 'identified', message: 'Found it.', nextUpdateBy: promise }));
    expect((await latestUpdate(row)).nextUpdateBy).toEqual(promise);
    expect(await checksOf(row)).toContainEqual(promise);

    at(row, minutes(40));
    await checkUpdateCadence(context, row.id);
    expect(await alertJobs(row, 'update_overdue')).toEqual([]);
    at(row, minutes(45));
    await checkUpdateCadence(context, row.id);
    expect(await occasionsOf(row)).toEqual([promise.toISOString()]);
    expect(await checksOf(row)).toContainEqual(after(row, minutes(75)));
  });

  it('refuses a promise in the past or more than a day ahead, and posts nothing', async () => {
    const row = await declare('high');
    at(row, minutes(10));
    const refused = async (nextUpdateBy: Date | string) => {
      const result = await postIncidentUpdate(context, owner, row.id, { status: 'identified', message: 'Found it.', nextUpdateBy });
      expect(result.ok).toBe(false);
      return result.ok ? {} : result.failure.kind === 'invalid' ? result.failure.fieldErrors : {};
    };
    expect(await refused(after(row, minutes(5)))).toEqual({ nextUpdateBy: 'The next update time must be in the future.' });
    expect(await refused(after(row, minutes(10) + 24 * HOUR + SECOND))).toEqual({
      nextUpdateBy: 'Promise the next update within 24 hours.',
    });
    expect(await refused('not a time')).toEqual({ nextUpdateBy: 'Enter a valid date and time.' });
    expect(await handle.db.select().from(incidentUpdate).where(eq(incidentUpdate.incidentId, row.id))).toHaveLength(1);
  });

  it('owes a Low incident no update, unless staff promise one: then one reminder at it and none after', async () => {
    const row = await declare('low');
    expect((await latestUpdate(row)).nextUpdateBy).toBeNull();
    expect(await checksOf(row)).toEqual([]);

    at(row, minutes(5));
    const promise = after(row, HOUR);
    expectOk(await postIncidentUpdate(context, owner, row.id, { status: 'identified', message: 'Found it.', nextUpdateBy: promise }));
    at(row, 5 * HOUR);
    await checkUpdateCadence(context, row.id);
    expect(await occasionsOf(row)).toEqual([promise.toISOString()]);
    expect(await checksOf(row)).toEqual([promise]);
  });

  it('keeps the promise when the severity changes, and follows the new severity’s cadence after it', async () => {
    const row = await declare('medium');
    expect(await checksOf(row)).toEqual([after(row, HOUR)]);
    at(row, minutes(10));
    expectOk(await updateIncidentDetails(context, owner, row.id, { title: row.title, severity: 'critical', severityReason: 'Worse.' }));
    at(row, HOUR);
    await checkUpdateCadence(context, row.id);
    expect(await occasionsOf(row)).toEqual([after(row, HOUR).toISOString()]);
    // Critical after the promise: 20 min on (still within its first 2 h).
    expect(await checksOf(row)).toContainEqual(after(row, minutes(80)));

    // A Low incident raised to High owes its first update at once, as High would have.
    const quiet = await declare('low');
    at(quiet, 2 * HOUR);
    expectOk(await updateIncidentDetails(context, owner, quiet.id, { title: quiet.title, severity: 'high', severityReason: 'Spreading.' }));
    expect(await checksOf(quiet)).toEqual([after(quiet, minutes(30))]);
  });

  it('reminds nobody about a resolved incident, whose last update promises nothing', async () => {
    const row = await declare('high');
    await post(row, minutes(10), 'resolved');
    expect((await latestUpdate(row)).nextUpdateBy).toBeNull();
    at(row, minutes(30));
    await checkUpdateCadence(context, row.id);
    at(row, minutes(90));
    await checkUpdateCadence(context, row.id);
    expect(await alertJobs(row, 'update_overdue')).toEqual([]);
  });
});

describe('post-mortem reminders', () => {
  /** A Critical incident resolved one hour after it started, and the post-mortem deadline. */
  async function resolvedCritical() {
    const row = await declare('critical');
    await post(row, HOUR, 'resolved');
    const resolved = await reload(row);
    const resolvedAt = resolved.resolvedAt!;
    return { row: resolved, resolvedAt, dueAt: new Date(resolvedAt.getTime() + 24 * HOUR) };
  }

  it('queues a reminder 4 h before the deadline and a check at the deadline, on resolution', async () => {
    const { row, resolvedAt, dueAt } = await resolvedCritical();
    const checks = await queuedJobs(handle, 'postmortem-check', row.id);
    expect(checks.map((job) => ({ data: job.data, startAfter: job.startAfter }))).toEqual([
      {
        data: { incidentId: row.id, kind: 'postmortem_reminder', occasion: resolvedAt.toISOString() },
        startAfter: new Date(dueAt.getTime() - 4 * HOUR),
      },
      { data: { incidentId: row.id, kind: 'postmortem_overdue', occasion: resolvedAt.toISOString() }, startAfter: dueAt },
    ]);
  });

  it('reminds once at due − 4 h and once more when overdue', async () => {
    const { row, resolvedAt, dueAt } = await resolvedCritical();
    const reminder = { incidentId: row.id, kind: 'postmortem_reminder' as const, occasion: resolvedAt.toISOString() };
    const overdue = { incidentId: row.id, kind: 'postmortem_overdue' as const, occasion: resolvedAt.toISOString() };

    // A job that runs a second early waits for its moment rather than alerting.
    clock.set(new Date(dueAt.getTime() - 4 * HOUR - SECOND));
    await checkPostmortem(context, reminder);
    expect(await alertJobs(row, 'postmortem_reminder')).toEqual([]);

    clock.set(new Date(dueAt.getTime() - 4 * HOUR));
    await checkPostmortem(context, reminder);
    await runAlertJobs(row, 'postmortem_reminder');
    expect(recipients(await alertRows(row, 'postmortem_reminder'))).toEqual(['ada@example.com', 'olga@example.com', 'sam@example.com']);
    expect(mailsAbout(row, 'Post-mortem due in 4 h')).toHaveLength(3);

    clock.set(new Date(dueAt.getTime() - 3 * HOUR));
    await checkPostmortem(context, reminder);
    await runAlertJobs(row, 'postmortem_reminder');
    expect(await alertRows(row, 'postmortem_reminder')).toHaveLength(3);
    expect(mailsAbout(row, 'Post-mortem due in 4 h')).toHaveLength(3);
    expect(await alertRows(row, 'postmortem_overdue')).toEqual([]);

    clock.set(dueAt);
    await checkPostmortem(context, overdue);
    await runAlertJobs(row, 'postmortem_overdue');
    expect(recipients(await alertRows(row, 'postmortem_overdue'))).toEqual(['ada@example.com', 'olga@example.com', 'sam@example.com']);
    expect(mailsAbout(row, 'Post-mortem overdue')).toHaveLength(3);

    clock.set(new Date(dueAt.getTime() + HOUR));
    await checkPostmortem(context, overdue);
    await runAlertJobs(row, 'postmortem_overdue');
    expect(await alertRows(row, 'postmortem_overdue')).toHaveLength(3);
  });

  it('reminds nobody once the post-mortem is published', async () => {
    const { row, resolvedAt, dueAt } = await resolvedCritical();
    await handle.db
      .update(incident)
      .set({ postmortemPublishedAt: new Date(resolvedAt.getTime() + 2 * HOUR), status: 'postmortem' })
      .where(eq(incident.id, row.id));
    clock.set(new Date(dueAt.getTime() - 4 * HOUR));
    await checkPostmortem(context, { incidentId: row.id, kind: 'postmortem_reminder', occasion: resolvedAt.toISOString() });
    clock.set(dueAt);
    await checkPostmortem(context, { incidentId: row.id, kind: 'postmortem_overdue', occasion: resolvedAt.toISOString() });
    expect(await alertJobs(row, 'postmortem_reminder')).toEqual([]);
    expect(await alertJobs(row, 'postmortem_overdue')).toEqual([]);
  });

  it('reminds nobody when only the post-mortem date is set and the status is still resolved', async () => {
    const { row, resolvedAt, dueAt } = await resolvedCritical();
    await handle.db
      .update(incident)
      .set({ postmortemPublishedAt: new Date(resolvedAt.getTime() + 2 * HOUR) })
      .where(eq(incident.id, row.id));
    clock.set(dueAt);
    await checkPostmortem(context, { incidentId: row.id, kind: 'postmortem_overdue', occasion: resolvedAt.toISOString() });
    expect(await alertJobs(row, 'postmortem_overdue')).toEqual([]);
  });

  it('ignores the checks of a resolution that was reopened, and follows the new one', async () => {
    const { row, resolvedAt: firstResolution } = await resolvedCritical();
    await post(row, 2 * HOUR, 'investigating');
    await post(row, 3 * HOUR, 'resolved');
    const secondResolution = (await reload(row)).resolvedAt!;
    expect(secondResolution).not.toEqual(firstResolution);

    clock.set(new Date(firstResolution.getTime() + 24 * HOUR));
    await checkPostmortem(context, { incidentId: row.id, kind: 'postmortem_overdue', occasion: firstResolution.toISOString() });
    expect(await alertJobs(row, 'postmortem_overdue')).toEqual([]);

    clock.set(new Date(secondResolution.getTime() + 24 * HOUR));
    await checkPostmortem(context, { incidentId: row.id, kind: 'postmortem_overdue', occasion: secondResolution.toISOString() });
    expect((await alertJobs(row, 'postmortem_overdue')).map((job) => job.data.occasion)).toEqual([secondResolution.toISOString()]);
  });

  it('owes no post-mortem for a Medium incident', async () => {
    const row = await declare('medium');
    await post(row, HOUR, 'resolved');
    expect(await queuedJobs(handle, 'postmortem-check', row.id)).toEqual([]);
  });
});
