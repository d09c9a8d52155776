import { asc, eq } from 'drizzle-orm';
import { pino, type Logger } from 'pino';
import type { Clock } from '../../src/lib/server/clock';
import type { Database } from '../../src/lib/server/db';
import { delivery, notification, subscriber } from '../../src/lib/server/db/schema';
import { jobNames } from '../../src/lib/server/jobs/queue';
import { startWorkers } from '../../src/lib/server/jobs/worker';
import { createMailer, type Mailer } from '../../src/lib/server/mail/transport';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import type { OutboundHttp } from '../../src/lib/server/services/webhooks/outbound-http';
import type { TestDatabase } from './database';
import type { ReceivedMail } from './smtp-sink';
import { waitUntil } from './wait';

export const TEST_PUBLIC_URL = 'http://status.test';
export const TEST_MAIL_FROM = 'updates@status.test';

export interface MailWorkers {
  mailer: Mailer;
  /** Stops this file's workers (waiting for the jobs they hold) and closes the SMTP pool. */
  stop(): Promise<void>;
}

/** The job workers of `worker.ts` on a test database, sending through the SMTP server at `smtpUrl`. */
export async function startMailWorkers(
  handle: TestDatabase,
  options: { smtpUrl: string; clock: Clock; dataDir?: string; log?: Logger; http?: OutboundHttp },
): Promise<MailWorkers> {
  const context: ServiceContext = { db: handle.db, clock: options.clock, queue: handle.queue };
  const mailer = createMailer({
    smtpUrl: options.smtpUrl,
    mailFrom: TEST_MAIL_FROM,
    dkim: undefined,
    dataDir: options.dataDir ?? '/nonexistent',
  });
  if (handle.jobs.boss.listenerCount('error') === 0) handle.jobs.boss.on('error', () => {});
  await startWorkers(handle.jobs.boss, {
    context,
    mailer,
    publicUrl: TEST_PUBLIC_URL,
    log: options.log ?? pino({ level: 'silent' }),
    http: options.http,
  });
  return {
    mailer,
    async stop() {
      for (const name of jobNames) await handle.jobs.boss.offWork(name, { wait: true });
      mailer.close();
    },
  };
}

/** Deliveries of one notification, with each recipient's address. */
export function deliveriesOf(db: Database, notificationId: string) {
  return db
    .select({ id: delivery.id, state: delivery.state, lastError: delivery.lastError, attempts: delivery.attempts, email: subscriber.email })
    .from(delivery)
    .innerJoin(subscriber, eq(subscriber.id, delivery.subscriberId))
    .where(eq(delivery.notificationId, notificationId))
    .orderBy(asc(subscriber.email));
}

/** The notification queued for an incident update (undefined when none was). */
export async function notificationOf(db: Database, incidentUpdateId: string) {
  const [row] = await db.select().from(notification).where(eq(notification.incidentUpdateId, incidentUpdateId));
  return row;
}

/**
 * Waits until the notification of `incidentUpdateId` is fanned out and none of its deliveries
 * is still queued or being sent; by then every message the SMTP server accepted is in the sink.
 */
export async function waitForNotificationSettled(db: Database, incidentUpdateId: string, timeoutMs = 30_000) {
  return waitUntil(
    `the notification of update ${incidentUpdateId} to finish`,
    async () => {
      const row = await notificationOf(db, incidentUpdateId);
      if (!row?.fannedOutAt) return undefined;
      const rows = await deliveriesOf(db, row.id);
      return rows.every((item) => item.state === 'sent' || item.state === 'failed') ? { notification: row, deliveries: rows } : undefined;
    },
    {
      timeoutMs,
      describe: async () => {
        const row = await notificationOf(db, incidentUpdateId);
        return row
          ? { fannedOutAt: row.fannedOutAt, deliveries: (await deliveriesOf(db, row.id)).map((item) => item.state) }
          : 'no notification';
      },
    },
  );
}

/** Messages the sink accepted, counted per recipient. */
export function countByRecipient(mails: ReceivedMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of mails) counts.set(mail.to, (counts.get(mail.to) ?? 0) + 1);
  return counts;
}

/** A header of a received message as sent, unfolded (mailparser reshapes some, such as List-*). */
export function rawHeader(mail: ReceivedMail, name: string): string | undefined {
  const head = mail.raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n(?=[ \t])/g, '');
  const line = head.split(/\r?\n/).find((item) => item.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** The addresses of one address header (From, To) of a parsed message. */
export function addressesIn(field: ReceivedMail['parsed']['to']): string[] {
  if (!field) return [];
  return (Array.isArray(field) ? field : [field]).flatMap((item) => item.value.map((entry) => entry.address ?? ''));
}
