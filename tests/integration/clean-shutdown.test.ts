/**
 * A clean stop (SIGTERM or SIGINT) loses nothing: stopped in the middle of sending an incident
 * to 200 subscribers through a slow SMTP server, no delivery is left `sending`, every message
 * the server accepted is recorded sent, and what was not sent goes back to the queue, so the
 * next worker sends it and every subscriber gets exactly one email. First in this process, the
 * runtime stopped as scripts/server.ts stops it (embedded database); then a worker process
 * (`npm run herald -- worker`) sent SIGTERM, on PGlite or the TEST_DATABASE_URL server. Last,
 * the web server: a request in flight is answered after SIGTERM, a new connection is refused.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { createScratchPostgresDatabase } from '../support/database';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/server/clock';
import { parseConfig } from '../../src/lib/server/config';
import { closeProcessDatabase, openPglite, openPostgres, type DatabaseHandle } from '../../src/lib/server/db/client';
import { delivery, subscriber } from '../../src/lib/server/db/schema';
import { startJobQueue } from '../../src/lib/server/jobs/queue';
import { processRuntime, stopProcessRuntime } from '../../src/lib/server/runtime';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { expectOk, testActor } from '../support/factories';
import { countByRecipient } from '../support/mail-workers';
import { childEnvironment } from '../support/run-tsx';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { waitUntil } from '../support/wait';

const SUBSCRIBERS = 200;
/** Messages the server accepts before the stop: part of the fan-out, with more still queued. */
const STOP_AFTER = 30;
const jobEnvironment = { JOB_RETRY_DELAY_SECONDS: '1', JOB_EXPIRE_SECONDS: '60', JOB_RETRY_LIMIT: '8' };

let sink: SmtpSink;
const directories: string[] = [];
const children = new Set<ChildProcess>();

beforeAll(async () => {
  // A slow server: each message is answered 20 ms after it arrives, so the stop lands mid-batch.
  sink = await startSmtpSink({ parse: false, acceptDelayMs: 20 });
});

afterEach(() => {
  sink.received.splice(0);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([...children].map(exited));
  await sink.close();
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(prefix: string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  directories.push(directory);
  return directory;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Subscribers, and an incident whose email is queued for all of them. */
async function queueIncidentEmail(context: ServiceContext): Promise<void> {
  for (let index = 0; index < SUBSCRIBERS; index += 1)
    expectOk(await addSubscriberByAdmin(context, testActor, { email: `reader-${String(index).padStart(3, '0')}@example.com` }));
  expectOk(
    await declareIncident(context, testActor, {
      title: 'Storage outage',
      severity: 'medium',
      status: 'investigating',
      message: 'Uploads fail.',
    }),
  );
}

async function deliveryRows(db: DatabaseHandle['db']) {
  return db
    .select({ email: subscriber.email, state: delivery.state })
    .from(delivery)
    .innerJoin(subscriber, eq(subscriber.id, delivery.subscriberId));
}

/** What a clean stop must leave: nothing `sending`, the rest queued, and exactly the accepted messages recorded sent. */
async function expectNothingLostAtStop(db: DatabaseHandle['db']): Promise<void> {
  const rows = await deliveryRows(db);
  expect(rows).toHaveLength(SUBSCRIBERS);
  expect(rows.filter((row) => row.state !== 'sent' && row.state !== 'queued')).toEqual([]);
  const sent = rows.filter((row) => row.state === 'sent');
  expect(sent.length).toBe(sink.received.length);
  expect(sent.length).toBeLessThan(SUBSCRIBERS);
  const accepted = new Set(sink.received.map((mail) => mail.to));
  for (const row of sent) expect(accepted.has(row.email), row.email).toBe(true);
}

/** After the next worker: every delivery sent, and every subscriber got the email exactly once. */
async function expectEveryoneOnce(db: DatabaseHandle['db']): Promise<void> {
  const rows = await deliveryRows(db);
  expect(rows.filter((row) => row.state !== 'sent')).toEqual([]);
  const counts = countByRecipient(sink.received);
  expect(counts.size).toBe(SUBSCRIBERS);
  expect([...counts.entries()].filter(([, count]) => count !== 1)).toEqual([]);
}

describe('the runtime stopped as on SIGTERM (embedded database, in this process)', () => {
  it('leaves no delivery sending, and the next start sends each subscriber the email once', { timeout: 120_000 }, async () => {
    const settings = parseConfig({
      DATA_DIR: temporaryDirectory('herald-clean-stop-'),
      SMTP_URL: sink.url,
      PUBLIC_URL: 'http://status.test',
      LOG_LEVEL: 'silent',
      ...jobEnvironment,
    });
    try {
      const first = await processRuntime(settings, { worker: true });
      await queueIncidentEmail(first.context);
      await waitUntil('the first messages to be accepted', () => sink.received.length >= STOP_AFTER, { timeoutMs: 60_000, intervalMs: 5 });

      const report = await stopProcessRuntime();
      expect(report?.handedBack).toBeGreaterThan(0);
      expect(report?.interrupted).toBe(0);
      await expectNothingLostAtStop(first.handle.db);

      const second = await processRuntime(settings, { worker: true });
      await waitUntil(
        'every delivery to be sent',
        async () => (await deliveryRows(second.handle.db)).every((row) => row.state === 'sent'),
        {
          timeoutMs: 60_000,
          intervalMs: 100,
        },
      );
      await expectEveryoneOnce(second.handle.db);
    } finally {
      await stopProcessRuntime();
      await closeProcessDatabase();
    }
  });
});

describe('a worker process sent SIGTERM mid-fan-out', () => {
  const serverUrl = process.env.TEST_DATABASE_URL;
  let dataDir: string;
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    dataDir = temporaryDirectory('herald-clean-stop-worker-');
    if (!serverUrl) return;
    const scratch = await createScratchPostgresDatabase(serverUrl);
    databaseUrl = scratch.url;
    dropDatabase = scratch.drop;
  });

  afterAll(async () => {
    await dropDatabase?.();
  });

  /** The embedded database may be open in one process at a time: the test opens it only while no worker runs. */
  async function withDatabase<T>(use: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
    const handle = databaseUrl ? openPostgres(databaseUrl, { max: 2 }) : openPglite(dataDir);
    try {
      await handle.migrate();
      return await use(handle);
    } finally {
      await handle.close();
    }
  }

  function startWorker(args: string[] = []): { child: ChildProcess; output: () => string } {
    const environment = childEnvironment({
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl ?? '',
      SMTP_URL: sink.url,
      PUBLIC_URL: 'http://status.test',
      LOG_LEVEL: 'silent',
      ...jobEnvironment,
    });
    // One node process (no tsx wrapper), so the signal reaches Herald itself, once.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker', ...args], { env: environment, stdio: 'pipe' });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  it('exits 0 saying what it handed back; a second worker sends the rest, once each', { timeout: 180_000 }, async () => {
    await withDatabase(async (handle) => {
      const jobs = await startJobQueue(handle, undefined, { maintenance: false });
      await queueIncidentEmail({ db: handle.db, clock: systemClock, queue: jobs.queue });
      await jobs.stop();
    });

    const first = startWorker();
    await waitUntil('the worker to send', () => sink.received.length >= STOP_AFTER || first.child.exitCode !== null, {
      timeoutMs: 90_000,
      intervalMs: 5,
    });
    expect(first.child.exitCode, first.output()).toBeNull();
    first.child.kill('SIGTERM');
    await exited(first.child);
    expect(first.child.exitCode, first.output()).toBe(0);
    expect(first.output()).toMatch(/stopped: \d+ jobs? finished, [1-9]\d* jobs? handed back/);

    await withDatabase((handle) => expectNothingLostAtStop(handle.db));

    const second = startWorker(['--exit-when-idle']);
    await exited(second.child);
    expect(second.child.exitCode, second.output()).toBe(0);
    await withDatabase((handle) => expectEveryoneOnce(handle.db));
  });
});

describe('the web server on SIGTERM', () => {
  function get(port: number, pathname: string, agent?: http.Agent): Promise<{ status: number; body: string; connection: string }> {
    return new Promise((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: pathname, agent }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, connection: String(response.headers.connection) }));
      });
      request.on('error', reject);
    });
  }

  function connects(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  /** The server of tests/support/draining-server-process.ts, once it listens. */
  async function startServer(): Promise<{ child: ChildProcessWithoutNullStreams; port: number; output: () => string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/draining-server-process.ts'], {
      env: childEnvironment({}),
      stdio: 'pipe',
    });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = Number(await waitUntil('the server to listen', () => /port (\d+)/.exec(output)?.[1], { timeoutMs: 30_000 }));
    return { child, port, output: () => output };
  }

  it('answers the request in flight, refuses new connections, and closes idle ones at once', { timeout: 60_000 }, async () => {
    const server = await startServer();
    const { child, port } = server;

    // An idle keep-alive connection, which must not hold the stop up.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const idleSocketClosed = new Promise<void>((resolve) => {
      agent.once('free', (socket: net.Socket) => socket.once('close', () => resolve()));
    });
    expect((await get(port, '/quick', agent)).body).toBe('quick answer');

    const inFlight = get(port, '/slow');
    await waitUntil('the slow request to arrive', () => server.output().includes('held'));
    child.kill('SIGTERM');
    await waitUntil('the server to drain', () => server.output().includes('SIGTERM: draining'));
    await idleSocketClosed;
    expect(await connects(port)).toBe(false);

    child.stdin.write('answer now\n');
    const answer = await inFlight;
    expect(answer).toMatchObject({ status: 200, body: 'slow answer' });
    await exited(child);
    expect(child.exitCode, server.output()).toBe(0);
    expect(server.output()).toContain('stopped: 1 request finished');
    agent.destroy();
  });

  it('stops at once on a second signal during the grace', { timeout: 60_000 }, async () => {
    const { child, port, output } = await startServer();
    const inFlight = get(port, '/slow').then(
      () => 'answered',
      () => 'cut off',
    );
    await waitUntil('the slow request to arrive', () => output().includes('held'));
    child.kill('SIGTERM');
    await waitUntil('the server to drain', () => output().includes('SIGTERM: draining'));
    child.kill('SIGTERM');
    await exited(child);
    expect(child.exitCode, output()).toBe(1);
    expect(output()).toContain('SIGTERM again: stopping at once.');
    expect(await inFlight).toBe('cut off');
  });
});
