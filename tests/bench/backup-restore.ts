/**
 * How long a backup, its verification and a restore take, and how much memory they need (issue
 * 15). In-process on in-memory PGlite: the demo page plus ROWS (200,000) rows spread over the
 * tables that grow on a real page (subscribers, their deliveries, the audit log, component status
 * intervals, incidents with their updates and notifications). Then `writeBackupFile`,
 * `verifyBackup`, and `restoreBackup` into a fresh in-memory PGlite; with TEST_DATABASE_URL set,
 * also `restoreBackup` into a new database on that PostgreSQL server (dropped afterwards). Prints
 * the seconds, rows per second, and the process's peak RSS (sampled every 50 ms) with its growth
 * over the step's start, of each step, and the size of the file. The steps run in one process: a
 * closed PGlite's memory stays with the process and the next one reuses it, so the restore into
 * PGlite grows the process less than it would alone: the verification's scratch database made room.
 *
 *   npm run bench:backup
 *   ROWS=20000 npx tsx tests/bench/backup-restore.ts
 *   TEST_DATABASE_URL=postgres://herald:herald@127.0.0.1:5432/postgres npm run bench:backup
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPglite, openPostgres, type DatabaseHandle } from '../../src/lib/server/db/client';
import {
  auditLog,
  component,
  componentStatusInterval,
  delivery,
  incident,
  incidentUpdate,
  notification,
  subscriber,
} from '../../src/lib/server/db/schema';
import { componentStatuses, incidentUpdateStatuses, severities } from '../../src/lib/domain/statuses';
import { newId } from '../../src/lib/server/ids';
import { defaultQueueSettings, startJobQueue } from '../../src/lib/server/jobs/queue';
import { restoreBackup } from '../../src/lib/server/services/backup/restore-backup';
import { verifyBackup } from '../../src/lib/server/services/backup/verify-backup';
import { writeBackupFile } from '../../src/lib/server/services/backup/write-backup';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { createScratchPostgresDatabase } from '../support/database';
import { seedDemoPage } from './support/bench-database';
import { printTable, whole } from './support/report';

const ROWS = Number(process.env.ROWS ?? 200_000);
if (!Number.isInteger(ROWS) || ROWS < 1000) {
  console.error('ROWS must be a whole number of at least 1000.');
  process.exit(1);
}
const HOUR = 60 * 60 * 1000;
const MB = 1024 * 1024;
const now = new Date('2026-06-01T00:00:00.000Z');
/** A moment `hours` before the seeded page's history begins (the demo's reaches 91 days back). */
const past = (hours: number) => new Date(now.getTime() - 92 * 24 * HOUR - hours * HOUR);

// Shares of ROWS per table; deliveries take what is left, so the counts add up to ROWS.
const incidents = Math.round(ROWS * 0.01);
const updates = incidents * 8;
const subscribers = Math.round(ROWS * 0.25);
const audits = Math.round(ROWS * 0.2);
const intervals = Math.round(ROWS * 0.1);
const deliveries = ROWS - incidents * 2 - updates - subscribers - audits - intervals;

/** `count` rows made by `row(index)`, inserted in batches of 1,000. */
async function fill<T>(count: number, row: (index: number) => T, insert: (rows: T[]) => Promise<unknown>): Promise<void> {
  for (let first = 0; first < count; first += 1000)
    await insert(Array.from({ length: Math.min(1000, count - first) }, (_, i) => row(first + i)));
}

/** The grown page: the demo's, then the bulk rows, with every reference pointing at a row that exists. */
async function fillPage(handle: DatabaseHandle): Promise<void> {
  const jobs = await startJobQueue(handle, defaultQueueSettings, { maintenance: false });
  const context: ServiceContext = { db: handle.db, clock: { now: () => new Date(now) }, queue: jobs.queue };
  try {
    await seedDemoPage(context);
  } finally {
    await jobs.stop();
  }
  const db = handle.db;
  const componentIds = (await db.select({ id: component.id }).from(component)).map((row) => row.id);
  const incidentIds = Array.from({ length: incidents }, () => newId());
  const updateIds = Array.from({ length: updates }, () => newId());
  const notificationIds = Array.from({ length: incidents }, () => newId());
  const subscriberIds = Array.from({ length: subscribers }, () => newId());

  await fill(
    incidents,
    (i) => ({
      id: incidentIds[i]!,
      title: `Elevated error rates on service ${i}`,
      severity: severities[i % severities.length]!,
      status: 'resolved' as const,
      startedAt: past(i * 6 + 2),
      createdAt: past(i * 6 + 2),
      updatedAt: past(i * 6),
      resolvedAt: past(i * 6),
      severitySignals: ['customer-facing', 'errors above 5%'],
    }),
    (rows) => db.insert(incident).values(rows),
  );
  // Update i belongs to incident i % incidents: the first `incidents` updates open one incident each.
  await fill(
    updates,
    (i) => ({
      id: updateIds[i]!,
      incidentId: incidentIds[i % incidents]!,
      status: incidentUpdateStatuses[Math.floor(i / incidents) % incidentUpdateStatuses.length]!,
      body: `Update ${i}: we have identified the cause of the elevated error rates and are rolling out a fix to every region.`,
      componentChanges: [
        {
          componentId: componentIds[i % componentIds.length]!,
          name: 'REST API',
          oldStatus: 'operational' as const,
          newStatus: 'partial_outage' as const,
        },
      ],
      createdAt: past((i % incidents) * 6 + 1),
      displayAt: past((i % incidents) * 6 + 1),
    }),
    (rows) => db.insert(incidentUpdate).values(rows),
  );
  await fill(
    incidents,
    (i) => ({
      id: notificationIds[i]!,
      incidentId: incidentIds[i]!,
      incidentUpdateId: updateIds[i]!,
      createdAt: past(i * 6 + 2),
      fannedOutAt: past(i * 6 + 2),
      recipientCount: subscribers,
    }),
    (rows) => db.insert(notification).values(rows),
  );
  await fill(
    subscribers,
    (i) => ({
      id: subscriberIds[i]!,
      email: `reader${i}@bench.test`,
      state: i % 10 === 0 ? ('pending' as const) : ('confirmed' as const),
      source: 'web',
      createdAt: past(ROWS),
      confirmedAt: i % 10 === 0 ? null : past(ROWS),
      updatedAt: past(ROWS),
    }),
    (rows) => db.insert(subscriber).values(rows),
  );
  // Delivery i goes to subscriber floor(i / incidents) of notification i % incidents: every pair once.
  await fill(
    deliveries,
    (i) => ({
      id: newId(),
      notificationId: notificationIds[i % incidents]!,
      subscriberId: subscriberIds[Math.floor(i / incidents)]!,
      state: 'sent' as const,
      attempts: 1,
      createdAt: past((i % incidents) * 6 + 2),
      claimedAt: past((i % incidents) * 6 + 2),
      sentAt: past((i % incidents) * 6 + 2),
    }),
    (rows) => db.insert(delivery).values(rows),
  );
  await fill(
    audits,
    (i) => ({
      at: past(audits - i),
      actorLabel: 'Ada <ada@bench.test>',
      action: 'component.update',
      entityType: 'component',
      entityId: componentIds[i % componentIds.length]!,
      before: { name: 'REST API', description: 'api.example.com, all versions.', hidden: false, position: i % 5 },
      after: { name: 'REST API', description: 'api.example.com, every version.', hidden: false, position: i % 5 },
    }),
    (rows) => db.insert(auditLog).values(rows),
  );
  // Closed intervals only: each component's one open interval is the demo's.
  await fill(
    intervals,
    (i) => ({
      componentId: componentIds[i % componentIds.length]!,
      status: componentStatuses[i % componentStatuses.length]!,
      startedAt: past(intervals - i + 1),
      endedAt: past(intervals - i),
    }),
    (rows) => db.insert(componentStatusInterval).values(rows),
  );
}

interface Measured<T> {
  value: T;
  seconds: number;
  /** The highest RSS seen while `work` ran, and that less the RSS when it began. */
  rssPeak: number;
  rssGrowth: number;
}

/** Runs `work`, sampling the process's RSS every 50 ms (and once at the end). */
async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  try {
    const value = await work();
    const seconds = (performance.now() - started) / 1000;
    sample();
    return { value, seconds, rssPeak: peak, rssGrowth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}

/** Restores `file` into the empty database behind `handle`, throwing the failure's message. */
async function restoreInto(handle: DatabaseHandle, file: string): Promise<void> {
  const restored = await restoreBackup(handle, file);
  if (!restored.ok) throw new Error(restored.failure.message);
}

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-backup-'));
const file = path.join(folder, 'bench.herald.gz');
const source = openPglite();
try {
  await source.migrate();
  await fillPage(source);

  const written = await measure(() => writeBackupFile(source.db, file));
  const rows = written.value.rows;
  const verified = await measure(() => verifyBackup(file));
  if (!verified.value.ok) throw new Error(verified.value.message);
  const scratch = openPglite();
  const restored = await measure(() => restoreInto(scratch, file)).finally(() => scratch.close());
  const steps: [string, Measured<unknown>][] = [
    ['writeBackupFile', written],
    ['verifyBackup', verified],
    ['restoreBackup into PGlite (in memory)', restored],
  ];
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const target = await createScratchPostgresDatabase(serverUrl);
    const handle = openPostgres(target.url, { max: 4 });
    const measured = await measure(() => restoreInto(handle, file)).finally(async () => {
      await handle.close();
      await target.drop();
    });
    steps.push(['restoreBackup into PostgreSQL', measured]);
  }

  const { tables } = written.value;
  const grown = ['subscriber', 'delivery', 'audit_log', 'component_status_interval', 'incident_update', 'incident', 'notification'];
  console.log(
    `Backup of ${whole(rows)} rows (ROWS=${ROWS}; ${grown.map((name) => `${name} ${whole(tables[name] ?? 0)}`).join(', ')}): ` +
      `${(written.value.bytes / MB).toFixed(1)} MB file`,
  );
  printTable(
    ['step', 'seconds', 'rows per second', 'peak RSS growth (MB)', 'peak RSS (MB)'],
    steps.map(([name, step]) => [
      name,
      step.seconds.toFixed(1),
      whole(rows / step.seconds),
      whole(step.rssGrowth / MB),
      whole(step.rssPeak / MB),
    ]),
  );
} finally {
  await source.close();
  fs.rmSync(folder, { recursive: true, force: true });
}
