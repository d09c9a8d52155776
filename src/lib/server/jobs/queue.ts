import { sql, type SQL } from 'drizzle-orm';
import { PgBoss } from 'pg-boss';
import type { Database, DatabaseHandle } from '../db';
import { rowsOf, type SqlExecutor } from '../db/client';
import type { teamAlertKinds } from '../db/schema';

type TeamAlertKind = (typeof teamAlertKinds)[number];

/** Every job Herald runs, with the data each carries. */
export interface JobData {
  'notification-fan-out': { notificationId: string };
  'delivery-send': { notificationId: string; deliveryIds: string[] };
  'subscriber-confirmation': { subscriberId: string };
  'customer-email': { incidentId: string; dueAt: string };
  'update-cadence-check': { incidentId: string; dueAt: string };
  'postmortem-check': { incidentId: string; kind: 'postmortem_reminder' | 'postmortem_overdue'; occasion: string };
  'team-alert': { incidentId: string; kind: TeamAlertKind; occasion: string };
  'user-invitation': { userId: string; invitedBy: string };
  /** A reset link to email (minted when sent): asked for on /forgot-password from `address`, or sent by the admin `admin`. */
  'password-reset': { userId: string; requestedBy: { address: string } | { admin: string } };
  /** Tells a user their password was set, reset or changed, when (ISO time) and from which address. */
  'password-changed': { userId: string; kind: PasswordChangeKind; at: string; address: string };
  /** Tells a user a second factor of theirs was added or removed, or their recovery codes replaced (ISO time). */
  'factor-changed': { userId: string; change: FactorChange; factorName: string; at: string };
  /** `version` is the maintenance's scheduleVersion when queued: a rescheduled window ignores older jobs. */
  'maintenance-transition': { maintenanceId: string; transition: MaintenanceTransition; version: number };
  /** Webhook subscribers (services/webhooks/webhook-subscribers.ts): an event to fan out, one delivery to POST, a URL to verify, an owner to tell. */
  'webhook-fan-out': { eventId: string };
  'webhook-send': { deliveryId: string };
  'webhook-verify': { subscriberId: string };
  'webhook-notice': { subscriberId: string; reason: 'verification_failed' | 'disabled' };
  /** The one email a webhook's contact address gets before its holder confirms it wants the notices. */
  'webhook-contact-confirmation': { subscriberId: string };
  /** Chat subscribers (services/chat-subscribers): an event to fan out, one message to POST, a disabled channel's owner to tell. */
  'chat-fan-out': { eventId: string };
  'chat-send': { deliveryIds: string[] };
  'chat-notice': { subscriberId: string };
  /** The daily prune of expired rows (services/retention), on pg-boss's schedule: no data. */
  retention: null;
  /** A backup run (services/backup/scheduled-backup.ts): null on pg-boss's schedule, the owner who asked for "Back up now". */
  backup: { requestedBy: { userId: string | null; label: string } } | null;
  /** Emails every owner that the backup run `runId` failed; `backupDir` is the folder the run wrote to. */
  'backup-failure': { runId: string; backupDir: string };
  /** The hourly sweep for overdue action items (handlers/action-item-reminders.ts), on pg-boss's schedule: no data. */
  'action-item-reminders': null;
  /** Reminds the owner of one action item that is overdue for its due date `dueAt` (ISO time). */
  'action-item-reminder': { actionItemId: string; incidentId: string; dueAt: string };
}
export type MaintenanceTransition = 'reminder' | 'start' | 'end';
/** A first password through an invitation or admin link, a reset through an emailed link, or a change on the account page. */
type PasswordChangeKind = 'first' | 'reset' | 'change';
type FactorChange = 'added' | 'removed' | 'recovery_codes';
export type JobName = keyof JobData;

export interface QueueSettings {
  /** Attempts after the first, with exponential backoff and jitter. */
  retryLimit: number;
  /** Seconds before the first retry; each later one waits about twice as long. */
  retryDelaySeconds: number;
  /** A job still active after this long is taken to have died with its worker, and retried. */
  expireInSeconds: number;
}

export const defaultQueueSettings: QueueSettings = { retryLimit: 8, retryDelaySeconds: 5, expireInSeconds: 300 };

/**
 * Work still to do now: jobs running, waiting for a retry, or waiting and already due. Jobs
 * scheduled for later (a reminder in thirty minutes) do not count. For `worker --exit-when-idle`.
 */
export async function unfinishedJobCount(executor: SqlExecutor): Promise<number> {
  const { rows } = await executor.executeSql(
    "select count(*)::int as count from pgboss.job where state in ('active', 'retry') or (state = 'created' and start_after <= now())",
    [],
  );
  return Number(rows[0]?.count ?? 0);
}

export const jobNames: JobName[] = [
  'notification-fan-out',
  'delivery-send',
  'subscriber-confirmation',
  'customer-email',
  'update-cadence-check',
  'postmortem-check',
  'team-alert',
  'user-invitation',
  'password-reset',
  'password-changed',
  'factor-changed',
  'maintenance-transition',
  'webhook-fan-out',
  'webhook-send',
  'webhook-verify',
  'webhook-notice',
  'webhook-contact-confirmation',
  'chat-fan-out',
  'chat-send',
  'chat-notice',
  'retention',
  'backup',
  'backup-failure',
  'action-item-reminders',
  'action-item-reminder',
];

/** When the retention job runs: daily at 03:17 UTC (off the hour, away from other schedules). */
export const RETENTION_SCHEDULE = '17 3 * * *';

/** When overdue action items are looked for: hourly at minute 41 (UTC), so an owner hears within the hour. */
export const ACTION_ITEM_REMINDER_SCHEDULE = '41 * * * *';

/** Finished jobs are deleted by pg-boss's maintenance after 7 days (its default, set here on purpose). */
const FINISHED_JOB_SECONDS = 7 * 24 * 60 * 60;

/**
 * Plan jobs that must exist once per occasion: their queues use pg-boss's `short` policy (one
 * waiting job per key), so a retried or doubled job cannot start a second chain of reminders.
 */
const onePerKey: { [Name in JobName]?: (data: JobData[Name]) => string } = {
  'customer-email': (data) => `${data.incidentId}:${data.dueAt}`,
  'update-cadence-check': (data) => `${data.incidentId}:${data.dueAt}`,
  'postmortem-check': (data) => `${data.incidentId}:${data.kind}:${data.occasion}`,
  'team-alert': (data) => `${data.incidentId}:${data.kind}:${data.occasion}`,
  'maintenance-transition': (data) => `${data.maintenanceId}:${data.transition}:${data.version}`,
  'action-item-reminder': (data) => `${data.actionItemId}:${data.dueAt}`,
  // One backup waiting at a time: "Back up now" pressed twice, or beside the schedule, queues one run.
  backup: () => 'backup',
};

/** Jobs that may run for long (writing and verifying a backup of a large page): not taken for dead before this many seconds. */
const LONG_JOB_SECONDS: { [Name in JobName]?: number } = { backup: 6 * 60 * 60 };

/**
 * Drops the maintenance's transition jobs that have not run yet, in the caller's transaction:
 * a rescheduled, started, extended or cancelled window queues the ones it still needs.
 */
export async function dropMaintenanceTransitions(db: Database, maintenanceId: string, transitions: MaintenanceTransition[]): Promise<void> {
  await db.execute(sql`
    delete from pgboss.job
    where name = 'maintenance-transition' and state in ('created', 'retry')
      and data->>'maintenanceId' = ${maintenanceId} and data->>'transition' in (${sql.join(
        transitions.map((item) => sql`${item}`),
        sql`, `,
      )})`);
}

/** What services use to queue work: `db` may be a transaction, so the job commits with the change. */
export interface JobQueue {
  send<Name extends JobName>(db: Database, name: Name, data: JobData[Name], options?: { startAfter?: Date }): Promise<void>;
}

/**
 * pg-boss's SQL run through a drizzle handle, which may be a transaction: its `$n` placeholders
 * become drizzle parameters, so the same code serves PGlite and postgres.js.
 */
function drizzleExecutor(db: Database): SqlExecutor {
  return {
    async executeSql(text, values = []) {
      const pieces = text.split(/\$(\d+)/);
      const chunks: SQL[] = [];
      pieces.forEach((piece, index) => {
        chunks.push(index % 2 === 0 ? sql.raw(piece) : sql`${values[Number(piece) - 1]}`);
      });
      return { rows: rowsOf(await db.execute(sql.join(chunks))) };
    },
  };
}

export interface StartedQueue {
  boss: PgBoss;
  queue: JobQueue;
  /** Stops taking jobs and waits up to `timeoutMs` for those in hand; pg-boss fails (for a retry) any still running. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Installs pg-boss's schema and Herald's queues, then starts the instance that sends and works
 * jobs. Queues are created by a first, short-lived instance so that the running one knows them
 * all from its start: a send inside a PGlite transaction must never need another query.
 */
export async function startJobQueue(
  handle: DatabaseHandle,
  settings: QueueSettings = defaultQueueSettings,
  options: { maintenance?: boolean } = {},
): Promise<StartedQueue> {
  const base = { db: handle.executor, schedule: false };
  const installer = new PgBoss({ ...base, supervise: false });
  installer.on('error', () => {});
  await installer.start();
  const queueOptions = {
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: settings.expireInSeconds,
    deleteAfterSeconds: FINISHED_JOB_SECONDS,
  };
  for (const name of jobNames) {
    const options = { ...queueOptions, expireInSeconds: Math.max(settings.expireInSeconds, LONG_JOB_SECONDS[name] ?? 0) };
    if (await installer.getQueue(name)) await installer.updateQueue(name, options);
    else await installer.createQueue(name, { ...options, policy: onePerKey[name] ? 'short' : 'standard' });
  }
  await installer.stop({ graceful: false, close: false });

  // Jobs of a dead worker come back once they expire and the supervisor next looks: look at
  // least twice per expiry window (pg-boss's default is once a minute).
  const superviseSeconds = Math.max(5, Math.min(60, Math.ceil(settings.expireInSeconds / 2)));
  const boss = new PgBoss({
    ...base,
    supervise: options.maintenance ?? true,
    // The clock that starts scheduled jobs (the daily retention) runs where maintenance does.
    schedule: options.maintenance ?? true,
    migrate: false,
    superviseIntervalSeconds: superviseSeconds,
    monitorIntervalSeconds: superviseSeconds,
  });
  await boss.start();
  const queue: JobQueue = {
    async send(db, name, data, sendOptions = {}) {
      const keyOf: ((value: typeof data) => string) | undefined = onePerKey[name];
      await boss.send(name, data, {
        db: drizzleExecutor(db),
        ...(sendOptions.startAfter ? { startAfter: sendOptions.startAfter } : {}),
        ...(keyOf ? { singletonKey: keyOf(data) } : {}),
      });
    },
  };
  return { boss, queue, stop: (timeoutMs = 5_000) => boss.stop({ graceful: true, close: false, timeout: timeoutMs }) };
}
