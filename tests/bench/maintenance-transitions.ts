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
 * the sources are newer than the build; HERALD_ROOT=/some/dir runs an existing build there).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import { openPglite } from '../../src/lib/server/db/client';
import { maintenance } from '../../src/lib/server/db/schema';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { benchActor, prepareDatabase, unwrap } from './support/bench-database';
import { startHerald } from './support/herald-server';
import { median } from './support/report';
import { atTeardown, runBenchmark } from './support/teardown';

const WINDOWS = Number(process.env.WINDOWS ?? 20);
const LENGTH_SECONDS = Number(process.env.LENGTH_SECONDS ?? 5);
/** Time for Herald to start (and build, when needed) before the first window opens. */
const LEAD_SECONDS = Number(process.env.LEAD_SECONDS ?? 45);

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
/** A UTC wall-clock value with seconds, as the schedule form takes it. */
const utcLocal = (time: number) => new Date(time).toISOString().slice(0, 19);

await runBenchmark(async () => {
  // 1. The database: one component and the windows, a second apart, with no subscriber email.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-maintenance-bench-'));
  atTeardown('the data directory', () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const firstStart = Math.ceil((Date.now() + LEAD_SECONDS * 1000) / 1000) * 1000;
  const ids = await prepareDatabase({ dataDir }, async (context) => {
    const database = unwrap(await createComponent(context, benchActor, { name: 'Database' }));
    const scheduled: string[] = [];
    for (let index = 0; index < WINDOWS; index += 1) {
      const start = firstStart + index * 1000;
      const [row] = unwrap(
        await scheduleMaintenance(context, benchActor, {
          title: `Database upgrade ${index + 1}`,
          description: 'Bench window.',
          components: [database.id],
          startsAt: utcLocal(start),
          endsAt: utcLocal(start + LENGTH_SECONDS * 1000),
          timeZone: 'UTC',
          notifySubscribers: false,
        }),
      );
      scheduled.push(row!.id);
    }
    return scheduled;
  });

  // 2. Herald itself, with its in-process worker.
  const herald = await startHerald({ dataDir });
  if (Date.now() > firstStart)
    console.log(`Herald started ${Date.now() - firstStart} ms after the first window was due: raise LEAD_SECONDS for a fair run.`);
  const lastEnd = firstStart + (WINDOWS - 1) * 1000 + LENGTH_SECONDS * 1000;
  await sleep(Math.max(0, lastEnd - Date.now()) + 10_000);
  await herald.stop();

  // 3. What Herald recorded.
  const check = openPglite(dataDir);
  const rows = await check.db.select().from(maintenance).where(inArray(maintenance.id, ids));
  await check.close();

  const lateness = (recorded: Date | null, due: Date) => (recorded ? recorded.getTime() - due.getTime() : null);
  const starts = rows
    .map((row) => lateness(row.startedAt, row.scheduledFor))
    .filter((value): value is number => value !== null)
    .sort((a, b) => a - b);
  const ends = rows
    .map((row) => lateness(row.completedAt, row.scheduledUntil))
    .filter((value): value is number => value !== null)
    .sort((a, b) => a - b);

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
  return starts.length === WINDOWS && ends.length === WINDOWS;
});
