/**
 * Email fan-out: 10,000 confirmed subscribers, one incident update saved through the admin form.
 * Prints the time from saving the update to the last message accepted by a local SMTP sink, the
 * Herald process's peak memory, and how fast the saving request (and admin pages during the
 * fan-out) answered.
 *
 *   npx tsx tests/bench/email-fanout.ts            embedded database (SUBSCRIBERS=10000 by default)
 *   BENCH_DATABASE_URL=postgres://… npx tsx tests/bench/email-fanout.ts
 *                                                   a fresh database on that PostgreSQL server
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { createSession } from '../../src/lib/server/auth/session';
import { systemClock } from '../../src/lib/server/clock';
import postgres from 'postgres';
import { openPglite, openPostgres } from '../../src/lib/server/db/client';
import { defaultQueueSettings, startJobQueue } from '../../src/lib/server/jobs/queue';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { createUserWithPassword } from '../../src/lib/server/services/access/users';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 10_000);
const PORT = 4630;
const base = `http://127.0.0.1:${PORT}`;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; failure: unknown }): T {
  if (!result.ok) throw new Error(JSON.stringify(result.failure));
  return result.value;
}

// 1. The database: one component, an open incident, SUBSCRIBERS confirmed subscribers.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-fanout-'));
const serverUrl = process.env.BENCH_DATABASE_URL;
let databaseUrl = '';
if (serverUrl) {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const name = `herald_bench_${Date.now()}`;
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
}
const handle = databaseUrl ? openPostgres(databaseUrl) : openPglite(dataDir);
await handle.migrate();
const jobs = await startJobQueue(handle, defaultQueueSettings, { maintenance: false });
const context = { db: handle.db, clock: systemClock, queue: jobs.queue };
const actor = { userId: null, label: 'bench' };
const owner = unwrap(
  await createUserWithPassword(context, actor, { email: 'owner@bench.test', name: 'Owner', role: 'owner', password: 'bench-password-1' }),
);
const api = unwrap(await createComponent(context, actor, { name: 'API' }));
const incident = unwrap(
  await declareIncident(context, actor, {
    title: 'API errors',
    severity: 'high',
    status: 'investigating',
    message: 'Investigating.',
    components: [{ componentId: api.id, status: 'partial_outage' }],
    notifySubscribers: false,
  }),
);
await handle.db.execute(sql`
  insert into subscriber (id, email, state, source, created_at, confirmed_at, updated_at)
  select 'bench' || n, 'reader' || n || '@bench.test', 'confirmed', 'import', now(), now(), now()
  from generate_series(1, ${SUBSCRIBERS}) as n`);
const { token } = await createSession(handle.db, owner.id, new Date());
await jobs.stop();
await handle.close();

// 2. A local SMTP sink that counts what it accepts.
let accepted = 0;
let lastAcceptedAt = 0;
const sink = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      accepted += 1;
      lastAcceptedAt = performance.now();
      callback();
    });
  },
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const smtpPort = (sink.server.address() as { port: number }).port;

// 3. Herald itself, with its in-process worker.
const herald = spawn(process.execPath, ['--max-semi-space-size=8', 'scripts/start.mjs'], {
  env: {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const cookie = `herald_session=${token}`;
try {
  for (const deadline = Date.now() + 240_000; ;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // still starting
    }
    if (Date.now() > deadline) throw new Error('Herald did not start');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await fetch(`${base}/admin/incidents/${incident.id}`, { headers: { cookie } }); // warm-up

  // 4. Save the update through the admin form, as staff would.
  const form = new URLSearchParams({
    intent: 'update',
    status: 'identified',
    message: 'The cause is identified; a fix is rolling out.',
    notifySubscribers: 'on',
  });
  const savedAt = performance.now();
  const response = await fetch(`${base}/admin/incidents/${incident.id}`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
    headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
  });
  const saveMs = performance.now() - savedAt;
  if (response.status !== 303) throw new Error(`saving the update answered ${response.status}`);

  // 5. Admin pages while the fan-out runs, until the last message is accepted.
  const pageTimes: number[] = [];
  const deadline = Date.now() + 600_000;
  while (accepted < SUBSCRIBERS && Date.now() < deadline) {
    const started = performance.now();
    await fetch(`${base}/admin/incidents/${incident.id}`, { headers: { cookie } }).then((answer) => answer.arrayBuffer());
    pageTimes.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const peakKilobytes = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${herald.pid}/status`, 'utf8'))?.[1] ?? 0);
  pageTimes.sort((a, b) => a - b);
  console.log(
    `Email fan-out benchmark: ${SUBSCRIBERS} subscribers, ${os.cpus().length} cores, ${databaseUrl ? 'PostgreSQL server' : 'embedded database (PGlite)'}`,
  );
  console.log(`saving the update (POST, incl. queueing):  ${saveMs.toFixed(0)} ms`);
  console.log(`save → last message accepted by SMTP:     ${((lastAcceptedAt - savedAt) / 1000).toFixed(1)} s (${accepted} accepted)`);
  console.log(
    `admin page during fan-out: median ${pageTimes[Math.floor(pageTimes.length / 2)]?.toFixed(0)} ms, worst ${pageTimes.at(-1)?.toFixed(0)} ms (${pageTimes.length} requests)`,
  );
  console.log(`Herald process peak memory (VmHWM):       ${(peakKilobytes / 1024).toFixed(0)} MB`);
} finally {
  herald.kill('SIGTERM');
  await new Promise((resolve) => herald.once('exit', resolve));
  await new Promise<void>((resolve) => sink.close(() => resolve()));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
