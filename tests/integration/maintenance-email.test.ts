/**
 * What subscribers receive about scheduled maintenance, end to end: the services and the
 * transition handler (run by the test at chosen moments on a FakeClock) queue notifications, the
 * real fan-out and delivery workers send them through a real SMTP server (the sink), and the
 * tests read the parsed messages: who gets which moment, the switches, threading and escaping.
 */
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notification, type ComponentRow, type MaintenanceRow } from '../../src/lib/server/db/schema';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { runMaintenanceTransition } from '../../src/lib/server/jobs/handlers/maintenance-transition';
import { cancelMaintenance } from '../../src/lib/server/services/maintenance/maintenance-action-commands';
import { scheduleMaintenance, updateMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { DAY, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { deliveriesOf, startMailWorkers, type MailWorkers } from '../support/mail-workers';
import { transitionJobs, waitingTransition } from '../support/maintenance-jobs';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';
import { waitUntil } from '../support/wait';

const PAGE = 'Acme Cloud';
const HOST = 'status.test';
const BASE = new Date('2026-03-02T00:00:00.000Z');

/** Subscribed to the API, which every window here affects. */
const API_FAN = 'api-fan@example.com';
/** Subscribed to everything (no component chosen). */
const EVERYTHING = 'everything@example.com';
/** Subscribed to the dashboard only, which no window here affects. */
const DASHBOARD_ONLY = 'dashboard-only@example.com';

const { clock, handle, context } = useTestContext({ start: BASE });
let sink: SmtpSink;
let workers: MailWorkers;
let api: ComponentRow;
let dashboard: ComponentRow;

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
  // Only the mail runs on its own: the tests run the transitions at the moments they choose.
  await handle.jobs.boss.offWork('maintenance-transition', { wait: true });
  expectOk(await updatePageSettings(context, testActor, { name: PAGE, description: '', timeZone: 'UTC' }));
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  dashboard = expectOk(await createComponent(context, testActor, { name: 'Dashboard' }));
  expectOk(await addSubscriberByAdmin(context, testActor, { email: API_FAN, componentIds: [api.id] }));
  expectOk(await addSubscriberByAdmin(context, testActor, { email: EVERYTHING, componentIds: [] }));
  expectOk(await addSubscriberByAdmin(context, testActor, { email: DASHBOARD_ONLY, componentIds: [dashboard.id] }));
});

afterAll(async () => {
  await (workers as MailWorkers | undefined)?.stop();
  await (sink as SmtpSink | undefined)?.close();
});

let days = 0;
let titles = 0;

/** 08:00 UTC on a day of its own; the window that day runs 10:00–12:00 UTC. */
function newDay(): Date {
  days += 1;
  const midnight = new Date(BASE.getTime() + days * 2 * DAY);
  clock.set(new Date(midnight.getTime() + 8 * HOUR));
  return midnight;
}

const local = (time: Date) => time.toISOString().slice(0, 16);

type Switches = Partial<
  Record<'notifySubscribers' | 'notifyOnSchedule' | 'notifyReminder' | 'notifyOnStart' | 'notifyOnComplete', boolean>
>;

async function schedule(options: { title?: string; switches?: Switches } = {}): Promise<{ row: MaintenanceRow; start: Date; end: Date }> {
  const day = newDay();
  const start = new Date(day.getTime() + 10 * HOUR);
  const end = new Date(day.getTime() + 12 * HOUR);
  const [row] = expectOk(
    await scheduleMaintenance(context, testActor, {
      title: options.title ?? `Database upgrade ${++titles}`,
      description: 'We are upgrading the primary database; the API may answer slowly.',
      components: [api.id],
      startsAt: local(start),
      endsAt: local(end),
      timeZone: 'UTC',
      ...options.switches,
    }),
  );
  return { row: row!, start, end };
}

/** Runs the waiting job of a transition at its due time, as the worker would. */
async function run(row: MaintenanceRow, transition: 'reminder' | 'start' | 'end') {
  const job = await waitingTransition(handle, row.id, transition);
  clock.set(job.startAfter);
  return runMaintenanceTransition(context, job.data);
}

/**
 * Runs the reminder (when one is queued), the start and the end of a window on time, each
 * email out before the next moment (so that they arrive in order).
 */
async function runWholeWindow(row: MaintenanceRow) {
  if ((await transitionJobs(handle, row.id)).some((job) => job.data.transition === 'reminder')) {
    await run(row, 'reminder');
    await settled(row);
  }
  await run(row, 'start');
  await settled(row);
  await run(row, 'end');
}

async function notificationsOf(row: MaintenanceRow) {
  return handle.db
    .select()
    .from(notification)
    .where(eq(notification.maintenanceId, row.id))
    .orderBy(asc(notification.createdAt), asc(notification.id));
}

/** The moments a maintenance's notifications are about ('scheduled', 'reminder', 'started', …), oldest first. */
async function momentsOf(row: MaintenanceRow): Promise<string[]> {
  return (await notificationsOf(row)).map((item) => item.occasion!.split(':')[0]!);
}

/**
 * Waits until every notification of the maintenance is fanned out and none of its deliveries is
 * still queued or being sent: by then every message the SMTP server accepted is in the sink.
 */
async function settled(row: MaintenanceRow) {
  return waitUntil(
    `the email of maintenance ${row.id} to settle`,
    async () => {
      const rows = await notificationsOf(row);
      const result: { moment: string; recipients: string[] }[] = [];
      for (const item of rows) {
        if (!item.fannedOutAt) return undefined;
        const deliveries = await deliveriesOf(handle.db, item.id);
        if (!deliveries.every((delivery) => delivery.state === 'sent' || delivery.state === 'failed')) return undefined;
        result.push({ moment: item.occasion!.split(':')[0]!, recipients: deliveries.map((delivery) => delivery.email) });
      }
      return result;
    },
    { timeoutMs: 30_000, describe: async () => (await notificationsOf(row)).map((item) => [item.occasion, item.fannedOutAt]) },
  );
}

/** Messages about a maintenance (by its title in the subject), as they arrived. */
function mailsAbout(title: string): ReceivedMail[] {
  return sink.received.filter((mail) => mail.parsed.subject?.startsWith(`[${PAGE}] Maintenance: ${title}: `));
}

function headlinesTo(title: string, address: string): string[] {
  return mailsAbout(title)
    .filter((mail) => mail.to === address)
    .map((mail) => mail.parsed.subject!.slice(`[${PAGE}] Maintenance: ${title}: `.length));
}

const referencesOf = (mail: ReceivedMail) => {
  const references = mail.parsed.references;
  return references === undefined ? [] : Array.isArray(references) ? references : [references];
};

describe('a window with every email on', () => {
  let row: MaintenanceRow;
  const root = () => `<maintenance.${row.id}@${HOST}>`;

  it('announces the window to subscribers of its component and of everything, not to others', async () => {
    ({ row } = await schedule({ title: 'Database upgrade' }));
    const runs = await settled(row);
    expect(runs).toEqual([{ moment: 'scheduled', recipients: [API_FAN, EVERYTHING] }]);

    const mails = mailsAbout('Database upgrade');
    expect(mails.map((mail) => mail.to).sort()).toEqual([API_FAN, EVERYTHING]);
    for (const mail of mails) {
      expect(mail.parsed.subject).toBe(`[${PAGE}] Maintenance: Database upgrade: Scheduled`);
      expect(mail.parsed.messageId).toBe(root());
      expect(mail.parsed.inReplyTo).toBeUndefined();
      expect(mail.parsed.text).toContain('We are upgrading the primary database; the API may answer slowly.');
      expect(mail.parsed.text).toContain('Wed 4 Mar 2026, 10:00–12:00 UTC');
      expect(mail.parsed.text).toContain(`http://${HOST}/maintenance/${row.id}`);
      expect(mail.parsed.text).toContain('- API');
      expect(mail.parsed.html).toContain(`href="http://${HOST}/maintenance/${row.id}"`);
    }
  });

  it('reminds them 60 minutes before the start, once even if the reminder job runs twice', async () => {
    const job = await waitingTransition(handle, row.id, 'reminder');
    expect(job.startAfter).toEqual(new Date(row.scheduledFor.getTime() - HOUR));
    clock.set(job.startAfter);
    expect(await runMaintenanceTransition(context, job.data)).toBe('done');
    clock.advance(MINUTE);
    expect(await runMaintenanceTransition(context, job.data)).toBe('skipped');

    const runs = await settled(row);
    expect(runs.map((item) => item.moment)).toEqual(['scheduled', 'reminder']);
    expect(runs[1]!.recipients).toEqual([API_FAN, EVERYTHING]);
    for (const address of [API_FAN, EVERYTHING])
      expect(headlinesTo('Database upgrade', address)).toEqual(['Scheduled', 'Starts in 60 minutes']);
  });

  it('tells them when it starts and when it completes', async () => {
    await run(row, 'start');
    await settled(row);
    await run(row, 'end');
    const runs = await settled(row);
    expect(runs).toEqual([
      { moment: 'scheduled', recipients: [API_FAN, EVERYTHING] },
      { moment: 'reminder', recipients: [API_FAN, EVERYTHING] },
      { moment: 'started', recipients: [API_FAN, EVERYTHING] },
      { moment: 'completed', recipients: [API_FAN, EVERYTHING] },
    ]);
    for (const address of [API_FAN, EVERYTHING]) {
      expect(headlinesTo('Database upgrade', address)).toEqual(['Scheduled', 'Starts in 60 minutes', 'In progress', 'Completed']);
    }
    const started = mailsAbout('Database upgrade').find((mail) => mail.parsed.subject?.endsWith(': In progress'));
    expect(started?.parsed.text).toContain('The scheduled maintenance is now in progress.');
    const completed = mailsAbout('Database upgrade').find((mail) => mail.parsed.subject?.endsWith(': Completed'));
    expect(completed?.parsed.text).toContain('The scheduled maintenance has been completed.');
  });

  it('sends nothing to a subscriber of other components only', async () => {
    expect(sink.received.filter((mail) => mail.to === DASHBOARD_ONLY)).toEqual([]);
  });

  it('threads every email of the window under the first one', async () => {
    for (const address of [API_FAN, EVERYTHING]) {
      const [first, ...later] = mailsAbout('Database upgrade').filter((mail) => mail.to === address);
      expect(first!.parsed.messageId).toBe(root());
      expect(later).toHaveLength(3);
      for (const mail of later) {
        expect(mail.parsed.messageId).not.toBe(root());
        expect(mail.parsed.messageId).toMatch(new RegExp(`^<maintenance\\.${row.id}\\.[a-z0-9]+@${HOST.replace('.', '\\.')}>$`));
        expect(mail.parsed.inReplyTo).toBe(root());
        expect(referencesOf(mail)).toEqual([root()]);
      }
      expect(new Set(later.map((mail) => mail.parsed.messageId)).size).toBe(3);
    }
  });
});

describe('the per-moment switches', () => {
  it.each([
    ['notifyOnSchedule', ['Starts in 60 minutes', 'In progress', 'Completed']],
    ['notifyReminder', ['Scheduled', 'In progress', 'Completed']],
    ['notifyOnStart', ['Scheduled', 'Starts in 60 minutes', 'Completed']],
    ['notifyOnComplete', ['Scheduled', 'Starts in 60 minutes', 'In progress']],
  ] as const)('%s off leaves out only its email', async (name, expected) => {
    const title = `Window without ${name}`;
    const { row } = await schedule({ title, switches: { [name]: false } });
    await settled(row);
    await runWholeWindow(row);
    const runs = await settled(row);
    expect(runs.every((item) => item.recipients.join() === [API_FAN, EVERYTHING].join())).toBe(true);
    for (const address of [API_FAN, EVERYTHING]) expect(headlinesTo(title, address)).toEqual(expected);
    expect(headlinesTo(title, DASHBOARD_ONLY)).toEqual([]);
    // Whatever the first email is, it is the thread's root.
    const [first, ...later] = mailsAbout(title).filter((mail) => mail.to === API_FAN);
    expect(first!.parsed.messageId).toBe(`<maintenance.${row.id}@${HOST}>`);
    expect(later.every((mail) => mail.parsed.inReplyTo === `<maintenance.${row.id}@${HOST}>`)).toBe(true);
  });

  it('queues no reminder job when the reminder is off', async () => {
    const { row } = await schedule({ switches: { notifyReminder: false } });
    expect((await transitionJobs(handle, row.id)).map((job) => job.data.transition)).toEqual(['start', 'end']);
    expectOk(await cancelMaintenance(context, testActor, row.id, {}));
    await settled(row);
  });

  it('sends nothing at all with notifySubscribers off', async () => {
    const title = 'A quiet window';
    const { row } = await schedule({ title, switches: { notifySubscribers: false } });
    expect((await transitionJobs(handle, row.id)).map((job) => job.data.transition)).toEqual(['start', 'end']);
    await runWholeWindow(row);
    expect((await notificationsOf(row)).length).toBe(0);
    expect(mailsAbout(title)).toEqual([]);
  });
});

describe('a backfill', () => {
  it('records a past window without emailing anybody', async () => {
    newDay();
    const title = 'Last night\u2019s upgrade';
    const [row] = expectOk(
      await scheduleMaintenance(context, testActor, {
        title,
        description: 'Recorded after the fact.',
        components: [api.id],
        startsAt: local(new Date(clock.now().getTime() - 6 * HOUR)),
        endsAt: local(new Date(clock.now().getTime() - 5 * HOUR)),
        timeZone: 'UTC',
        backfill: true,
      }),
    );
    expect(row!.status).toBe('completed');
    expect(row!.backfilled).toBe(true);
    expect(await notificationsOf(row!)).toEqual([]);
    expect(await transitionJobs(handle, row!.id)).toEqual([]);
    expect(mailsAbout(title)).toEqual([]);
  });
});

describe('a recurring series', () => {
  it('is announced once, by its first occurrence, which says how it repeats; each occurrence still reminds', async () => {
    const day = newDay();
    const title = 'Weekly index compaction';
    const created = expectOk(
      await scheduleMaintenance(context, testActor, {
        title,
        description: 'We compact the search index.',
        components: [api.id],
        startsAt: local(new Date(day.getTime() + 10 * HOUR)),
        endsAt: local(new Date(day.getTime() + 11 * HOUR)),
        timeZone: 'UTC',
        recurrence: 'weekly',
        weekdays: [1, 4],
        recurrenceEnd: 'count',
        occurrences: 4,
      }),
    );
    expect(created).toHaveLength(4);
    for (const row of created) await settled(row);
    expect(await momentsOf(created[0]!)).toEqual(['scheduled']);
    for (const row of created.slice(1)) expect(await momentsOf(row)).toEqual([]);
    const announcements = mailsAbout(title).filter((mail) => mail.to === API_FAN);
    expect(announcements).toHaveLength(1);
    expect(announcements[0]!.parsed.text).toContain('We compact the search index.');
    expect(announcements[0]!.parsed.text).toContain('Weekly on Monday and Thursday, 4 times.');

    for (const row of created)
      expect((await transitionJobs(handle, row.id)).map((job) => job.data.transition).sort()).toEqual(['end', 'reminder', 'start']);
  });
});

describe('rescheduling and cancelling', () => {
  it('emails the new window, threaded, and no reminder for the old time', async () => {
    const title = 'Cache migration';
    const { row } = await schedule({ title });
    await settled(row);
    const oldReminder = await waitingTransition(handle, row.id, 'reminder');

    clock.advance(MINUTE);
    // A Friday in June, far from every other window here.
    const newStart = new Date('2026-06-19T14:00:00.000Z');
    expectOk(
      await updateMaintenance(context, testActor, row.id, {
        title,
        description: row.description,
        components: [api.id],
        startsAt: local(newStart),
        endsAt: local(new Date(newStart.getTime() + 2 * HOUR)),
        timeZone: 'UTC',
      }),
    );
    const runs = await settled(row);
    expect(runs).toEqual([
      { moment: 'scheduled', recipients: [API_FAN, EVERYTHING] },
      { moment: 'rescheduled', recipients: [API_FAN, EVERYTHING] },
    ]);
    const [announced, moved] = mailsAbout(title).filter((mail) => mail.to === EVERYTHING);
    expect(moved!.parsed.subject).toBe(`[${PAGE}] Maintenance: ${title}: Rescheduled`);
    expect(moved!.parsed.text).toContain('Rescheduled to Fri 19 Jun 2026, 14:00–16:00 UTC.');
    expect(moved!.parsed.inReplyTo).toBe(announced!.parsed.messageId);
    expect(announced!.parsed.messageId).toBe(`<maintenance.${row.id}@${HOST}>`);

    // The old reminder, already taken by a worker, does nothing; the new one reminds once.
    clock.set(oldReminder.startAfter);
    expect(await runMaintenanceTransition(context, oldReminder.data)).toBe('skipped');
    await run(row, 'reminder');
    await settled(row);
    expect(headlinesTo(title, API_FAN)).toEqual(['Scheduled', 'Rescheduled', 'Starts in 60 minutes']);
  });

  it('emails a cancellation, threaded', async () => {
    const title = 'Network maintenance';
    const { row } = await schedule({ title });
    await settled(row);
    clock.advance(10 * MINUTE);
    expectOk(await cancelMaintenance(context, testActor, row.id, { message: 'Postponed until the new hardware arrives.' }));
    const runs = await settled(row);
    expect(runs.map((item) => item.moment)).toEqual(['scheduled', 'cancelled']);
    expect(runs[1]!.recipients).toEqual([API_FAN, EVERYTHING]);
    const [announced, cancelled] = mailsAbout(title).filter((mail) => mail.to === API_FAN);
    expect(cancelled!.parsed.subject).toBe(`[${PAGE}] Maintenance: ${title}: Cancelled`);
    expect(cancelled!.parsed.text).toContain('Postponed until the new hardware arrives.');
    expect(cancelled!.parsed.inReplyTo).toBe(announced!.parsed.messageId);
    expect(referencesOf(cancelled!)).toEqual([`<maintenance.${row.id}@${HOST}>`]);
    expect(await transitionJobs(handle, row.id)).toEqual([]);
    expect(headlinesTo(title, DASHBOARD_ONLY)).toEqual([]);
  });
});

describe('escaping', () => {
  it('escapes a title with a script tag and quotes in the HTML part and keeps it intact in the subject and text', async () => {
    const title = `Upgrade <script>alert(1)</script> "db" & 'cache'`;
    const { row } = await schedule({ title });
    await settled(row);
    const [mail] = mailsAbout(title).filter((item) => item.to === API_FAN);
    expect(mail!.parsed.subject).toBe(`[${PAGE}] Maintenance: ${title}: Scheduled`);
    expect(mail!.parsed.text).toContain(title);
    expect(mail!.parsed.html).not.toContain('<script>');
    expect(mail!.parsed.html).toContain('Upgrade &lt;script&gt;alert(1)&lt;/script&gt; &quot;db&quot; &amp; &#39;cache&#39;');
  });
});
