/**
 * A worker process killed (SIGKILL) in the middle of sending an incident to 200 subscribers,
 * then a second worker that finishes the job: nobody may get the email twice, and every
 * delivery must end sent, or failed only when it was in flight at the moment of the crash.
 *
 * Embedded database (no TEST_DATABASE_URL): a PGlite directory in a temporary DATA_DIR, which
 * one process at a time may open, so the test closes it before each worker starts. With
 * TEST_DATABASE_URL: a fresh database on that server, shared with the workers.
 *
 * A job whose worker died stays `active` until pg-boss's supervisor sees it expired and hands
 * it back for a retry. A worker supervises once a minute (pg-boss's fixed interval), so the
 * test does that step itself once the expiry has passed, as the next worker would a minute
 * later; CRASH_TEST_WORKER_EXPIRY=1 leaves it to the recovery worker instead (about 60 s more).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { createScratchPostgresDatabase } from '../support/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/server/clock';
import { openPglite, openPostgres, type DatabaseHandle } from '../../src/lib/server/db/client';
import { delivery, notification, subscriber } from '../../src/lib/server/db/schema';
import { startJobQueue, type QueueSettings } from '../../src/lib/server/jobs/queue';
import { rowsOf } from '../../src/lib/server/db/client';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { expectOk, testActor } from '../support/factories';
import { countByRecipient } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { waitUntil } from '../support/wait';

const SUBSCRIBERS = 200;
const KILL_AFTER = 50;
/** Deliveries one worker can hold claimed at once: 2 send jobs (sendConcurrency) × 5 messages each (SEND_CONCURRENCY). */
const MAX_IN_FLIGHT = 10;
const queueSettings: QueueSettings = { retryLimit: 8, retryDelaySeconds: 1, expireInSeconds: 5 };
const leaveExpiryToWorker = process.env.CRASH_TEST_WORKER_EXPIRY === '1';

const root = process.cwd();
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const serverUrl = process.env.TEST_DATABASE_URL;

let dataDir: string;
let databaseUrl: string | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
let handle: DatabaseHandle | undefined;
let sink: SmtpSink;
const children = new Set<ChildProcess>();

/** Opens the test's database (for PGlite, only while no worker has it open). */
function openDatabase(): DatabaseHandle {
  return databaseUrl ? openPostgres(databaseUrl, { max: 4 }) : openPglite(dataDir);
}

async function closeDatabase(): Promise<void> {
  await handle?.close();
  handle = undefined;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-crash-'));
  // A slow server: each message is answered 20 ms after it arrives, so the kill lands mid-batch.
  sink = await startSmtpSink({ parse: false, acceptDelayMs: 20 });
  if (serverUrl) {
    const scratch = await createScratchPostgresDatabase(serverUrl);
    databaseUrl = scratch.url;
    dropDatabase = scratch.drop;
  }
  handle = openDatabase();
  await handle.migrate();
});

afterAll(async () => {
  for (const child of children) killGroup(child);
  await Promise.all([...children].map(exited));
  await closeDatabase();
  await dropDatabase?.();
  await (sink as SmtpSink | undefined)?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** SIGKILL to the worker's whole process group: `tsx` runs the program in a child node process. */
function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function startWorker(args: string[] = []): { child: ChildProcess; output: () => string } {
  const environment: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VITEST') && key !== 'TEST_DATABASE_URL' && key !== 'NODE_OPTIONS') environment[key] = value;
  }
  Object.assign(environment, {
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    SMTP_URL: sink.url,
    PUBLIC_URL: 'http://status.test',
    JOB_EXPIRE_SECONDS: String(queueSettings.expireInSeconds),
    JOB_RETRY_DELAY_SECONDS: String(queueSettings.retryDelaySeconds),
    JOB_RETRY_LIMIT: String(queueSettings.retryLimit),
    LOG_LEVEL: 'silent',
  });
  const child = spawn(tsx, ['src/cli.ts', 'worker', ...args], {
    cwd: root,
    env: environment,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function deliveryRows(db: DatabaseHandle['db']) {
  return db
    .select({ email: subscriber.email, state: delivery.state, lastError: delivery.lastError })
    .from(delivery)
    .innerJoin(subscriber, eq(subscriber.id, delivery.subscriberId));
}

async function jobStates(db: DatabaseHandle['db']): Promise<Record<string, number>> {
  const result = await db.execute(
    sql`select state::text as state, count(*)::int as count from pgboss.job where name = 'delivery-send' group by state`,
  );
  return Object.fromEntries(rowsOf(result).map((row) => [String(row.state), Number(row.count)]));
}

describe('a worker killed while sending', () => {
  it(
    'leaves nobody with two emails, and every delivery sent or failed as interrupted',
    { timeout: leaveExpiryToWorker ? 240_000 : 150_000 },
    async () => {
      // 1. Subscribers and an incident whose email is queued; no worker yet.
      const jobs = await startJobQueue(handle!, queueSettings, { maintenance: false });
      const context = { db: handle!.db, clock: systemClock, queue: jobs.queue };
      for (let index = 0; index < SUBSCRIBERS; index += 1) {
        expectOk(await addSubscriberByAdmin(context, testActor, { email: `reader-${String(index).padStart(3, '0')}@example.com` }));
      }
      expectOk(
        await declareIncident(context, testActor, {
          title: 'Storage outage',
          severity: 'medium',
          status: 'investigating',
          message: 'Uploads fail.',
        }),
      );
      await jobs.stop();
      if (!databaseUrl) await closeDatabase();

      // 2. A worker sends until the server has accepted KILL_AFTER messages, then dies at once.
      const first = startWorker();
      await waitUntil('the first worker to send', () => sink.received.length >= KILL_AFTER || first.child.exitCode !== null, {
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      expect(first.child.exitCode, first.output()).toBeNull();
      killGroup(first.child);
      await exited(first.child);
      expect(first.child.signalCode).toBe('SIGKILL');
      const acceptedAtKill = sink.received.length;
      expect(acceptedAtKill).toBeLessThan(SUBSCRIBERS);

      // 3. What the crash left: part sent, part queued, and the dead worker's jobs still active.
      handle ??= openDatabase();
      const afterCrash = await deliveryRows(handle.db);
      expect(afterCrash).toHaveLength(SUBSCRIBERS);
      expect(afterCrash.filter((row) => row.state === 'queued').length).toBeGreaterThan(0);
      expect(afterCrash.filter((row) => row.state === 'sending').length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
      expect((await jobStates(handle.db)).active ?? 0).toBeGreaterThan(0);
      if (!leaveExpiryToWorker) {
        // The supervisor's step: once expired, the dead worker's jobs go back to the queue as retries.
        await waitUntil(
          'the dead worker’s jobs to expire',
          async () => {
            const result = await handle!.db.execute(
              sql`select count(*)::int as count from pgboss.job where state = 'active' and started_on + expire_seconds * interval '1 second' >= now()`,
            );
            return Number(rowsOf(result)[0]?.count) === 0;
          },
          { timeoutMs: 30_000, intervalMs: 250 },
        );
        const supervisor = await startJobQueue(handle, queueSettings, { maintenance: false });
        await supervisor.boss.supervise();
        await supervisor.stop();
        expect((await jobStates(handle.db)).active ?? 0).toBe(0);
      }
      if (!databaseUrl) await closeDatabase();

      // 4. A second worker finishes everything and exits.
      const second = startWorker(['--exit-when-idle']);
      await waitUntil('the recovery worker to exit', () => second.child.exitCode !== null || second.child.signalCode !== null, {
        timeoutMs: leaveExpiryToWorker ? 150_000 : 90_000,
        intervalMs: 100,
        describe: () => ({ received: sink.received.length, output: second.output().slice(-2000) }),
      });
      expect(second.child.exitCode, second.output()).toBe(0);

      // 5. The outcome, per subscriber.
      handle ??= openDatabase();
      const rows = await deliveryRows(handle.db);
      const [sent] = await handle.db.select().from(notification);
      expect(sent?.recipientCount).toBe(SUBSCRIBERS);
      expect(rows).toHaveLength(SUBSCRIBERS);
      const counts = countByRecipient(sink.received);
      const twice = [...counts.entries()].filter(([, count]) => count > 1);
      expect(twice).toEqual([]);

      expect(rows.filter((row) => row.state !== 'sent' && row.state !== 'failed')).toEqual([]);
      const failed = rows.filter((row) => row.state === 'failed');
      expect(failed.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
      for (const row of failed) expect(row.lastError).toMatch(/Interrupted/);

      const sentRows = rows.filter((row) => row.state === 'sent');
      for (const row of sentRows) expect(counts.get(row.email), row.email).toBe(1);
      // Anything received beyond the sent ones is a message the server accepted just as the worker died.
      const failedAddresses = new Set(failed.map((row) => row.email));
      const extra = [...counts.keys()].filter((email) => !sentRows.some((row) => row.email === email));
      expect(extra.every((email) => failedAddresses.has(email))).toBe(true);
      expect(sink.received.length).toBe(sentRows.length + extra.length);
      expect(sentRows.length + failed.length).toBe(SUBSCRIBERS);
      expect(sentRows.length).toBeGreaterThanOrEqual(SUBSCRIBERS - MAX_IN_FLIGHT);
    },
  );
});
