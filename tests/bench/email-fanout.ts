/**
 * Email fan-out: 10,000 confirmed subscribers, one incident update saved through the admin form.
 * Prints the time from saving the update to the last message accepted by a local SMTP sink, the
 * Herald process's peak memory, and how fast the saving request (and admin pages during the
 * fan-out) answered.
 *
 *   npx tsx tests/bench/email-fanout.ts            embedded database (SUBSCRIBERS=10000 by default)
 *   BENCH_DATABASE_URL=postgres://… npx tsx tests/bench/email-fanout.ts
 *                                                   a fresh database on that PostgreSQL server
 *
 * HERALD_ROOT=/some/dir runs an existing build there (see support/herald-server.ts). Exits 1 when
 * not every message was accepted within 10 minutes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import {
  addConfirmedSubscribers,
  benchActor,
  benchSubscriberAddress,
  createOwnerSession,
  prepareDatabase,
  unwrap,
} from './support/bench-database';
import { startHerald } from './support/herald-server';
import { startSmtpCounter } from './support/smtp-counter';
import { atTeardown, runBenchmark } from './support/teardown';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 10_000);

/** A fresh database on the BENCH_DATABASE_URL server, or undefined for the embedded one. */
async function freshServerDatabase(): Promise<string | undefined> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) return undefined;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const name = `herald_bench_${Date.now()}`;
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

await runBenchmark(async () => {
  // 1. The database: one component, an open incident, SUBSCRIBERS confirmed subscribers.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-fanout-'));
  atTeardown('the data directory', () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const database = { dataDir, databaseUrl: await freshServerDatabase() };
  const { incidentId, token } = await prepareDatabase(database, async (context, handle) => {
    const api = unwrap(await createComponent(context, benchActor, { name: 'API' }));
    const incident = unwrap(
      await declareIncident(context, benchActor, {
        title: 'API errors',
        // Medium: its updates are emailed when staff tick "notify subscribers"; a High outage's
        // would wait for the customer email, 5 minutes after it started.
        severity: 'medium',
        status: 'investigating',
        message: 'Investigating.',
        components: [{ componentId: api.id, status: 'partial_outage' }],
        notifySubscribers: false,
      }),
    );
    await addConfirmedSubscribers(context, SUBSCRIBERS);
    return { incidentId: incident.id, token: await createOwnerSession(context, handle) };
  });

  // 2. A local SMTP sink that counts what it accepts, and Herald itself, with its in-process worker.
  const sink = await startSmtpCounter({ recipients: benchSubscriberAddress });
  const herald = await startHerald(database, { env: { SMTP_URL: sink.url } });
  const base = herald.url;
  const cookie = `herald_session=${token}`;
  await fetch(`${base}/admin/incidents/${incidentId}`, { headers: { cookie } }); // warm-up

  // 3. Save the update through the admin form, as staff would.
  const form = new URLSearchParams({
    intent: 'update',
    status: 'identified',
    message: 'The cause is identified; a fix is rolling out.',
    notifySubscribers: 'on',
  });
  const savedAt = performance.now();
  const response = await fetch(`${base}/admin/incidents/${incidentId}`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
    headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
  });
  const saveMs = performance.now() - savedAt;
  if (response.status !== 303) throw new Error(`saving the update answered ${response.status}`);

  // 4. Admin pages while the fan-out runs, until the last message is accepted.
  const pageTimes: number[] = [];
  const deadline = Date.now() + 600_000;
  while (sink.accepted < SUBSCRIBERS && Date.now() < deadline) {
    const started = performance.now();
    await fetch(`${base}/admin/incidents/${incidentId}`, { headers: { cookie } }).then((answer) => answer.arrayBuffer());
    pageTimes.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const peakKilobytes = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${herald.process.pid}/status`, 'utf8'))?.[1] ?? 0);
  pageTimes.sort((a, b) => a - b);
  console.log(
    `Email fan-out benchmark: ${SUBSCRIBERS} subscribers, ${os.cpus().length} cores, ${database.databaseUrl ? 'PostgreSQL server' : 'embedded database (PGlite)'}`,
  );
  console.log(`saving the update (POST, incl. queueing):  ${saveMs.toFixed(0)} ms`);
  console.log(
    `save → last message accepted by SMTP:     ${((sink.lastAcceptedAt - savedAt) / 1000).toFixed(1)} s (${sink.accepted} accepted)`,
  );
  console.log(
    `admin page during fan-out: median ${pageTimes[Math.floor(pageTimes.length / 2)]?.toFixed(0)} ms, worst ${pageTimes.at(-1)?.toFixed(0)} ms (${pageTimes.length} requests)`,
  );
  console.log(`Herald process peak memory (VmHWM):       ${(peakKilobytes / 1024).toFixed(0)} MB`);
  return sink.accepted >= SUBSCRIBERS;
});
