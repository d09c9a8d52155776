/**
 * How much the database grows per incident update emailed to 10,000 subscribers (issue 14).
 * In-process on in-memory PGlite: SUBSCRIBERS (10,000) confirmed subscribers and an open
 * incident, then one update with "notify subscribers", its fan-out and the sending of every
 * delivery batch through a mail transport that discards the messages (no network). Prints the
 * rows and bytes (`pg_total_relation_size`) added per table, pg-boss's job table included, and
 * the whole database (`pg_database_size`).
 *
 *   npm run bench:update-growth
 *   SUBSCRIBERS=1000 npx tsx tests/bench/subscriber-update-growth.ts
 */
import { eq, sql } from 'drizzle-orm';
import { openPglite } from '../../src/lib/server/db/client';
import { delivery, notification } from '../../src/lib/server/db/schema';
import { fanOutNotification } from '../../src/lib/server/jobs/handlers/fan-out';
import { sendDeliveries } from '../../src/lib/server/jobs/handlers/send-deliveries';
import { defaultQueueSettings, startJobQueue } from '../../src/lib/server/jobs/queue';
import type { Mailer } from '../../src/lib/server/mail/transport';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { systemClock } from '../../src/lib/server/clock';
import { addConfirmedSubscribers, benchActor, unwrap } from './support/bench-database';
import { measureTables } from './support/table-sizes';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 10_000);
const BATCH = 50;

const handle = openPglite();
await handle.migrate();
const jobs = await startJobQueue(handle, defaultQueueSettings, { maintenance: false });
const context: ServiceContext = { db: handle.db, clock: systemClock, queue: jobs.queue };

const measure = () => measureTables(handle);

const discard: Mailer = { send: () => Promise.resolve(), close: () => {}, describe: () => 'nowhere' };

try {
  const api = unwrap(await createComponent(context, benchActor, { name: 'API' }));
  const incident = unwrap(
    await declareIncident(context, benchActor, {
      title: 'API errors',
      severity: 'medium',
      status: 'investigating',
      message: 'Investigating.',
      components: [{ componentId: api.id, status: 'partial_outage' }],
      notifySubscribers: false,
    }),
  );
  await addConfirmedSubscribers(context, SUBSCRIBERS);
  await handle.db.execute(sql`checkpoint`);
  const before = await measure();

  const update = unwrap(
    await postIncidentUpdate(context, benchActor, incident.id, {
      status: 'identified',
      message: 'The cause is identified; a fix is rolling out.',
      notifySubscribers: true,
    }),
  );
  const [row] = await handle.db.select().from(notification).where(eq(notification.incidentUpdateId, update.id));
  if (!row) throw new Error('the update made no notification');
  await fanOutNotification(context, row.id);
  const ids = (await handle.db.select({ id: delivery.id }).from(delivery).where(eq(delivery.notificationId, row.id))).map(
    (item) => item.id,
  );
  let sent = 0;
  for (let start = 0; start < ids.length; start += BATCH) {
    const outcome = await sendDeliveries(context, discard, {
      notificationId: row.id,
      deliveryIds: ids.slice(start, start + BATCH),
      publicUrl: 'http://status.test',
      lastAttempt: false,
    });
    sent += outcome.sent;
  }
  await handle.db.execute(sql`checkpoint`);
  const after = await measure();

  console.log(`Database growth for one update emailed to ${SUBSCRIBERS} subscribers (PGlite, ${sent} messages sent):`);
  console.log(`${'table'.padEnd(40)} ${'rows added'.padStart(12)} ${'bytes added'.padStart(14)}`);
  for (const [name, figures] of after.tables) {
    const earlier = before.tables.get(name) ?? { rows: 0, bytes: 0 };
    const rows = figures.rows - earlier.rows;
    const bytes = figures.bytes - earlier.bytes;
    if (rows !== 0 || bytes !== 0) console.log(`${name.padEnd(40)} ${String(rows).padStart(12)} ${String(bytes).padStart(14)}`);
  }
  console.log(
    `${'whole database (pg_database_size)'.padEnd(40)} ${''.padStart(12)} ${String(after.database - before.database).padStart(14)}`,
  );
} finally {
  await jobs.stop();
  await handle.close();
}
