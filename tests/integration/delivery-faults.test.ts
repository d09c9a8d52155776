/**
 * Incident email when things go wrong: an SMTP server that refuses messages at random or
 * always refuses one address, and a subscriber removed while the email is queued.
 */
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery, notification, subscriber, type ComponentRow, type SubscriberRow } from '../../src/lib/server/db/schema';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { addSubscriberByAdmin, removeSubscriber } from '../../src/lib/server/services/subscribers/subscribers';
import { expectOk, MINUTE, testActor } from '../support/factories';
import { countByRecipient, notificationOf, startMailWorkers, waitForNotificationSettled, type MailWorkers } from '../support/mail-workers';
import { incidentHelpers } from '../support/incident-helpers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';
import { waitUntil } from '../support/wait';

/**
 * One retry only (the configuration of case (c)); the random-refusal case raises the limit on
 * its own jobs' queue before it starts.
 */
const settings = { retryLimit: 1, retryDelaySeconds: 1, expireInSeconds: 5 };

const { clock, handle, context } = useTestContext({ start: new Date(), queueSettings: settings });
let sink: SmtpSink;
let workers: MailWorkers | undefined;
/** What the sink refuses, changed by each test. */
let refuse: (recipient: string) => boolean = () => false;
/** Messages the sink holds unanswered until the promise settles (a hung server). */
let hold: (recipient: string) => Promise<void> | undefined = () => undefined;
/** What the workers log: each finished send batch, with its outcome. */
const batches: { notificationId: string; attempt: number; sent: number; retrying: number; failed: number }[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => void batches.push(JSON.parse(line)) });

beforeAll(async () => {
  sink = await startSmtpSink({ reject: (recipient) => refuse(recipient), hold: (recipient) => hold(recipient) });
});

afterAll(async () => {
  await workers?.stop();
  await (sink as SmtpSink | undefined)?.close();
});

async function ensureWorkers(): Promise<void> {
  workers ??= await startMailWorkers(handle, { smtpUrl: sink.url, clock, log });
}

/** Each test's subscribers follow a component of their own, so each incident reaches only them. */
const { newComponent } = incidentHelpers({ clock, context }, { step: 1000 });

async function addSubscribers(prefix: string, count: number, component: ComponentRow): Promise<SubscriberRow[]> {
  const rows: SubscriberRow[] = [];
  for (let index = 0; index < count; index += 1) {
    clock.advance(1000);
    rows.push(
      expectOk(
        await addSubscriberByAdmin(context, testActor, {
          email: `${prefix}-${String(index).padStart(2, '0')}@example.com`,
          componentIds: [component.id],
        }),
      ),
    );
  }
  return rows;
}

/** Declares an incident on the component (notifying subscribers) and returns its first update's id. */
async function declareAndNotify(title: string, component: ComponentRow): Promise<string> {
  clock.advance(MINUTE);
  const created = expectOk(
    await declareIncident(context, testActor, {
      title,
      severity: 'medium',
      status: 'investigating',
      message: `${title}: we are investigating.`,
      components: [{ componentId: component.id, status: 'major_outage' }],
    }),
  );
  const [row] = await handle.db.select().from(notification).where(eq(notification.incidentId, created.id));
  return row!.incidentUpdateId!;
}

async function deliveryStates(notificationId: string) {
  return handle.db
    .select({ email: subscriber.email, state: delivery.state })
    .from(delivery)
    .innerJoin(subscriber, eq(subscriber.id, delivery.subscriberId))
    .where(eq(delivery.notificationId, notificationId));
}

function receivedFrom(prefix: string) {
  return sink.received.filter((mail) => mail.to.startsWith(`${prefix}-`));
}

describe('delivery faults', () => {
  it('(b) sends nothing to a subscriber removed after the update is saved but before the fan-out', async () => {
    expect(workers).toBeUndefined();
    const component = await newComponent('Removal');
    const group = await addSubscribers('removed', 3, component);
    const updateId = await declareAndNotify('Removal race', component);
    const queued = await notificationOf(handle.db, updateId);
    expect(queued?.fannedOutAt).toBeNull();

    clock.advance(MINUTE);
    expectOk(await removeSubscriber(context, testActor, group[1]!.id));
    await ensureWorkers();

    const run = await waitForNotificationSettled(handle.db, updateId);
    expect(run.notification.recipientCount).toBe(2);
    expect(run.deliveries.map((row) => [row.email, row.state])).toEqual([
      [group[0]!.email, 'sent'],
      [group[2]!.email, 'sent'],
    ]);
    const counts = countByRecipient(receivedFrom('removed'));
    expect([...counts.entries()].sort()).toEqual([
      [group[0]!.email, 1],
      [group[2]!.email, 1],
    ]);
    expect(counts.has(group[1]!.email)).toBe(false);
  });

  it('(a) gets exactly one accepted email to every subscriber when a third of the messages are refused at random', async () => {
    await ensureWorkers();
    // Enough retries that a run of refusals cannot exhaust them (30 × (1/3)^21 ≈ 0), and short
    // waits between them, so the test takes seconds however the dice fall.
    await handle.jobs.boss.updateQueue('delivery-send', { retryLimit: 20, retryBackoff: true, retryDelayMax: 2 });
    const component = await newComponent('Random');
    const group = await addSubscribers('random', 30, component);
    const refusalsBefore = sink.rejected.length;
    refuse = (recipient) => recipient.startsWith('random-') && Math.random() < 1 / 3;
    try {
      const updateId = await declareAndNotify('Flaky mail server', component);
      const run = await waitForNotificationSettled(handle.db, updateId, 50_000);
      expect(run.deliveries).toHaveLength(30);
      expect(run.deliveries.filter((row) => row.state !== 'sent')).toEqual([]);
      expect(sink.rejected.length - refusalsBefore).toBeGreaterThan(0);
      const counts = countByRecipient(receivedFrom('random'));
      expect(counts.size).toBe(30);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
      expect([...counts.keys()].sort()).toEqual(group.map((row) => row.email).sort());
      // Every refused attempt left the delivery queued for the next one: attempts count them all.
      const attempts = run.deliveries.reduce((sum, row) => sum + row.attempts, 0);
      expect(attempts).toBe(30 + sink.rejected.filter((recipient) => recipient.startsWith('random-')).length);
    } finally {
      refuse = () => false;
      await handle.jobs.boss.updateQueue('delivery-send', { retryLimit: settings.retryLimit });
    }
  });

  it('(c) marks a delivery failed, with the error, when the server refuses it on the last attempt', async () => {
    await ensureWorkers();
    const component = await newComponent('Refused');
    const group = await addSubscribers('refused', 4, component);
    const blocked = group[2]!.email;
    refuse = (recipient) => recipient === blocked;
    try {
      const updateId = await declareAndNotify('Blocked mailbox', component);
      const run = await waitForNotificationSettled(handle.db, updateId, 30_000);
      const [failed] = await handle.db
        .select()
        .from(delivery)
        .where(eq(delivery.id, run.deliveries.find((row) => row.email === blocked)!.id));
      expect(failed?.state).toBe('failed');
      expect(failed?.lastError).toMatch(/451|Temporary failure/);
      // The first attempt and the one retry: retryLimit 1.
      expect(failed?.attempts).toBe(2);
      expect(sink.rejected.filter((recipient) => recipient === blocked)).toHaveLength(2);
      expect(run.deliveries.filter((row) => row.email !== blocked).map((row) => row.state)).toEqual(['sent', 'sent', 'sent']);
      const counts = countByRecipient(receivedFrom('refused'));
      expect(counts.has(blocked)).toBe(false);
      expect([...counts.values()]).toEqual([1, 1, 1]);
    } finally {
      refuse = () => false;
    }
  });

  it('(d) keeps a delivery closed when a send that outlived its job finally fails', async () => {
    // pg-boss gives a handler expireInSeconds: past that it fails the job (and retries it) while
    // the handler itself goes on, here waiting on a hung SMTP server. The retry closes the hung
    // delivery as interrupted; when the hung send at last fails, it must not put the delivery
    // back in the queue, where no job would ever pick it up again.
    await ensureWorkers();
    const component = await newComponent('Hung');
    const [stuck, fine] = await addSubscribers('hung', 2, component);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    hold = (recipient) => (recipient === stuck!.email ? released : undefined);
    refuse = (recipient) => recipient === stuck!.email;
    try {
      const updateId = await declareAndNotify('Hung mail server', component);
      const notificationId = (await notificationOf(handle.db, updateId))!.id;
      const stateOf = async (email: string) => (await deliveryStates(notificationId)).find((row) => row.email === email)?.state;
      await waitUntil(
        'the hung message to be in flight and the other sent',
        async () => (await stateOf(stuck!.email)) === 'sending' && (await stateOf(fine!.email)) === 'sent',
      );
      // expireInSeconds (5) later the job is retried, and the retry finds the hung delivery in flight.
      await waitUntil('the retry to close the hung delivery', async () => (await stateOf(stuck!.email)) === 'failed', {
        timeoutMs: 20_000,
      });
      expect(batches.some((batch) => batch.notificationId === notificationId && batch.attempt === 1)).toBe(false);

      release();
      await waitUntil('the hung send to finish', () =>
        batches.some((batch) => batch.notificationId === notificationId && batch.attempt === 1),
      );
      const rows = await handle.db
        .select()
        .from(delivery)
        .where(and(eq(delivery.notificationId, notificationId), eq(delivery.state, 'queued')));
      expect(rows).toEqual([]);
      expect(await stateOf(stuck!.email)).toBe('failed');
      expect(await stateOf(fine!.email)).toBe('sent');
      expect(sink.received.filter((mail) => mail.to === stuck!.email)).toEqual([]);
      expect(sink.received.filter((mail) => mail.to === fine!.email)).toHaveLength(1);
    } finally {
      release();
      hold = () => undefined;
      refuse = () => false;
    }
  });
});
