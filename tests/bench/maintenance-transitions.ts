/**
 * Maintenance transitions on real time: a real Herald process (its in-process job worker, the
 * embedded database) moves WINDOWS scheduled maintenance windows, starting a second apart, each
 * lasting LENGTH_SECONDS. The bench measures how late each start and each end happened after its
 * scheduled moment, as Herald recorded them (startedAt, completedAt), and prints the median and
 * the worst.
 *
 *   npx tsx tests/bench/maintenance-transitions.ts        (WINDOWS=20 LENGTH_SECONDS=5 by default)
 *
 * Run by hand, not in CI; about a minute once Herald is built (`npm start` builds it first when
 * the sources are newer than the build).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import { systemClock } from '../../src/lib/server/clock';
import { openPglite } from '../../src/lib/server/db/client';
import { maintenance } from '../../src/lib/server/db/schema';
import { defaultQueueSettings, startJobQueue } from '../../src/lib/server/jobs/queue';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';

const WINDOWS = Number(process.env.WINDOWS ?? 20);
const LENGTH_SECONDS = Number(process.env.LENGTH_SECONDS ?? 5);
/** Time for Herald to start (and build, when needed) before the first window opens. */
const LEAD_SECONDS = Number(process.env.LEAD_SECONDS ?? 45);
const PORT = Number(process.env.PORT ?? 4632);
const base = `http://127.0.0.1:${PORT}`;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; failure: unknown }): T {
  if (!result.ok) throw new Error(JSON.stringify(result.failure));
  return result.value;
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
/** A UTC wall-clock value with seconds, as the schedule form takes it. */
const utcLocal = (time: number) => new Date(time).toISOString().slice(0, 19);

// 1. The database: one component and the windows, a second apart, with no subscriber email.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-maintenance-bench-'));
const seed = openPglite(dataDir);
await seed.migrate();
const seedJobs = await startJobQueue(seed, defaultQueueSettings, { maintenance: false });
const context = { db: seed.db, clock: systemClock, queue: seedJobs.queue };
const actor = { userId: null, label: 'bench' };
const database = unwrap(await createComponent(context, actor, { name: 'Database' }));
const firstStart = Math.ceil((Date.now() + LEAD_SECONDS * 1000) / 1000) * 1000;
const ids: string[] = [];
for (let index = 0; index < WINDOWS; index += 1) {
  const start = firstStart + index * 1000;
  const [row] = unwrap(
    await scheduleMaintenance(context, actor, {
      title: `Database upgrade ${index + 1}`,
      description: 'Bench window.',
      components: [database.id],
      startsAt: utcLocal(start),
      endsAt: utcLocal(start + LENGTH_SECONDS * 1000),
      timeZone: 'UTC',
      notifySubscribers: false,
    }),
  );
  ids.push(row!.id);
}
await seedJobs.stop();
await seed.close();

// 2. Herald itself, with its in-process worker.
const herald = spawn(process.execPath, ['--max-semi-space-size=8', 'scripts/start.mjs'], {
  env: {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !['DATABASE_URL', 'WORKER', 'SMTP_URL'].includes(name))),
    DATA_DIR: dataDir,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const heraldExited = new Promise((resolve) => herald.once('exit', resolve));
try {
  for (const deadline = Date.now() + 300_000; ;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // still starting (or building)
    }
    if (herald.exitCode !== null) throw new Error(`Herald exited with ${herald.exitCode} before serving`);
    if (Date.now() > deadline) throw new Error('Herald did not start');
    await sleep(250);
  }
  if (Date.now() > firstStart)
    console.log(`Herald started ${Date.now() - firstStart} ms after the first window was due: raise LEAD_SECONDS for a fair run.`);
  const lastEnd = firstStart + (WINDOWS - 1) * 1000 + LENGTH_SECONDS * 1000;
  await sleep(Math.max(0, lastEnd - Date.now()) + 10_000);
} finally {
  herald.kill('SIGTERM');
  await heraldExited;
}

// 3. What Herald recorded.
const check = openPglite(dataDir);
const rows = await check.db.select().from(maintenance).where(inArray(maintenance.id, ids));
await check.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const lateness = (recorded: Date | null, due: Date) => (recorded ? recorded.getTime() - due.getTime() : null);
const starts = rows
  .map((row) => lateness(row.startedAt, row.scheduledFor))
  .filter((value): value is number => value !== null)
  .sort((a, b) => a - b);
const ends = rows
  .map((row) => lateness(row.completedAt, row.scheduledUntil))
  .filter((value): value is number => value !== null)
  .sort((a, b) => a - b);
const median = (values: number[]) =>
  values.length === 0
    ? Number.NaN
    : values.length % 2
      ? values[(values.length - 1) / 2]!
      : (values[values.length / 2 - 1]! + values[values.length / 2]!) / 2;

console.log(
  `\nMaintenance transitions: ${WINDOWS} windows a second apart, ${LENGTH_SECONDS} s each, ${os.cpus().length} cores, embedded database (PGlite)`,
);
console.log(
  `started:   ${starts.length} of ${WINDOWS}; lateness median ${median(starts).toFixed(0)} ms, worst ${starts.at(-1)?.toFixed(0) ?? '–'} ms`,
);
console.log(
  `completed: ${ends.length} of ${WINDOWS}; lateness median ${median(ends).toFixed(0)} ms, worst ${ends.at(-1)?.toFixed(0) ?? '–'} ms`,
);
console.log(`statuses:  ${[...new Set(rows.map((row) => row.status))].join(', ')}`);
process.exit(starts.length === WINDOWS && ends.length === WINDOWS ? 0 : 1);
