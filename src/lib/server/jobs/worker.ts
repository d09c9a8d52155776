import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config';
import type { Mailer } from '../mail/transport';
import type { ServiceContext } from '../services/kernel/context';
import { guardedHttp, type OutboundHttp } from '../services/webhooks/outbound-http';
import { sendSubscriberConfirmation } from './handlers/confirmation';
import { fanOutNotification } from './handlers/fan-out';
import { sendDeliveries } from './handlers/send-deliveries';
import { sendCustomerEmailIfDue } from './handlers/customer-email';
import { checkPostmortem, checkUpdateCadence } from './handlers/plan-checks';
import { sendUserInvitation } from './handlers/invitation';
import { sendPasswordReset } from './handlers/password-reset';
import { sendFactorChanged, sendPasswordChanged } from './handlers/account-notices';
import { sendTeamAlert } from './handlers/team-alert';
import { runMaintenanceTransition } from './handlers/maintenance-transition';
import { ACTION_ITEM_REMINDER_SCHEDULE, RETENTION_SCHEDULE, type JobData } from './queue';
import { announcePublicChange } from '../public-cache';
import { fanOutWebhookEvent } from './handlers/webhook-fan-out';
import { sendWebhookDelivery } from './handlers/webhook-send';
import { verifyWebhookSubscriber } from './handlers/webhook-verify';
import { sendWebhookContactConfirmation, sendWebhookNotice } from './handlers/webhook-notice';
import { fanOutChatEvent } from './handlers/chat-fan-out';
import { sendChatDeliveries } from './handlers/chat-send';
import { sendChatNotice } from './handlers/chat-notice';
import { runRetentionJob } from './handlers/retention';
import { runBackupJob, sendBackupFailure } from './handlers/backup';
import { queueActionItemReminders, sendActionItemReminder } from './handlers/action-item-reminders';
import {
  countEmailDeliveries,
  countWebhookDelivery,
  observeCustomerEmailLateness,
  observeMaintenanceLateness,
} from '../metrics/job-metrics';

export interface WorkerDependencies {
  context: ServiceContext;
  mailer: Mailer;
  publicUrl: string;
  log: Logger;
  /** The outbound HTTP client of every webhook POST; the guarded client unless a test brings its own. */
  http?: OutboundHttp;
  /** Send jobs worked at once in this process. */
  sendConcurrency?: number;
  /** The scheduled backup's folder, count and cron; without it this process runs no backups. */
  backup?: Config['backup'];
}

const polling = { pollingIntervalSeconds: 0.5 };
/** Webhook POSTs worked at once in this process. */
const WEBHOOK_SEND_WORKERS = 4;

/** What became of the jobs this process held when it began to stop. */
export interface WorkerStopReport {
  /** Jobs that ran to the end after the stop began. */
  finished: number;
  /** Jobs whose unsent part went back to the queue, to run again here after a restart or in another worker. */
  handedBack: number;
  /** Jobs still running when the grace ran out: pg-boss fails them, so they are retried. */
  interrupted: number;
}

export interface RunningWorkers {
  /** Stops claiming new work inside the jobs in hand (a send batch claims no further delivery); pg-boss's stop waits for them. */
  beginStop(): void;
  report(): WorkerStopReport;
}

/** Counts the jobs in hand and, once stopping, how each one ended. */
function jobTracker() {
  const state = { stopping: false, running: 0, finished: 0, handedBack: 0 };
  /**
   * Wraps a handler of one job for pg-boss, which hands handlers a batch: every queue here is
   * worked with batchSize 1, so the batch holds that one job.
   */
  const eachJob =
    <T>(handle: (job: T) => Promise<void>): ((jobs: T[]) => Promise<void>) =>
    async (jobs) => {
      for (const job of jobs) {
        const handedBackBefore = state.handedBack;
        state.running += 1;
        try {
          await handle(job);
        } catch (error) {
          // A job that throws goes back to pg-boss for a retry.
          if (state.stopping) state.handedBack += 1;
          throw error;
        } finally {
          state.running -= 1;
        }
        if (state.stopping && state.handedBack === handedBackBefore) state.finished += 1;
      }
    };
  return { state, eachJob };
}

/** Registers a handler for every job; each process that calls this shares the queue's work. */
export async function startWorkers(boss: PgBoss, dependencies: WorkerDependencies): Promise<RunningWorkers> {
  const { context, mailer, publicUrl, log } = dependencies;
  const http = dependencies.http ?? guardedHttp;
  const { state, eachJob } = jobTracker();

  await boss.work<JobData['notification-fan-out']>(
    'notification-fan-out',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await fanOutNotification(context, job.data.notificationId);
    }),
  );

  for (let worker = 0; worker < (dependencies.sendConcurrency ?? 2); worker += 1) {
    await boss.work<JobData['delivery-send']>(
      'delivery-send',
      { ...polling, batchSize: 1, includeMetadata: true },
      eachJob(async (job) => {
        const lastAttempt = job.retryCount >= job.retryLimit;
        const outcome = await sendDeliveries(context, mailer, { ...job.data, publicUrl, lastAttempt, stopping: () => state.stopping });
        const { sent, retrying, failed } = outcome;
        countEmailDeliveries(outcome);
        log.info({ notificationId: job.data.notificationId, attempt: job.retryCount + 1, sent, retrying, failed }, 'delivery batch');
        if (state.stopping && outcome.leftQueued.length > 0) {
          // Stopping: what this batch did not send becomes a new job, whatever attempt this one was on.
          await context.queue.send(context.db, 'delivery-send', {
            notificationId: job.data.notificationId,
            deliveryIds: outcome.leftQueued,
          });
          state.handedBack += 1;
          log.info({ notificationId: job.data.notificationId, deliveries: outcome.leftQueued.length }, 'delivery batch handed back');
          return;
        }
        // Throwing hands the job back to pg-boss, which retries it later with backoff and jitter.
        if (retrying > 0) throw new Error(`${outcome.retrying} of ${job.data.deliveryIds.length} messages were not accepted; retrying`);
      }),
    );
  }

  await boss.work<JobData['subscriber-confirmation']>(
    'subscriber-confirmation',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendSubscriberConfirmation(context, mailer, { subscriberId: job.data.subscriberId, publicUrl });
    }),
  );

  await boss.work<JobData['customer-email']>(
    'customer-email',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      const startedAt = context.clock.now();
      const outcome = await sendCustomerEmailIfDue(context, job.data.incidentId);
      if (outcome === 'sent') {
        observeCustomerEmailLateness(job.data.dueAt, startedAt);
        log.info({ incidentId: job.data.incidentId }, 'customer email due: sent');
      }
    }),
  );

  await boss.work<JobData['update-cadence-check']>(
    'update-cadence-check',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await checkUpdateCadence(context, job.data.incidentId);
    }),
  );

  await boss.work<JobData['postmortem-check']>(
    'postmortem-check',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await checkPostmortem(context, job.data);
    }),
  );

  await boss.work<JobData['user-invitation']>(
    'user-invitation',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendUserInvitation(context, mailer, { ...job.data, publicUrl });
    }),
  );

  // The emails about a staff member's own sign-in: a reset link, "your password was changed", "a second factor was added or removed".
  await boss.work<JobData['password-reset']>(
    'password-reset',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendPasswordReset(context, mailer, { ...job.data, publicUrl });
    }),
  );
  await boss.work<JobData['password-changed']>(
    'password-changed',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendPasswordChanged(context, mailer, { ...job.data, publicUrl });
    }),
  );
  await boss.work<JobData['factor-changed']>(
    'factor-changed',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendFactorChanged(context, mailer, { ...job.data, publicUrl });
    }),
  );

  // sendTeamAlert throws when an email was refused, so pg-boss retries the missing ones.
  await boss.work<JobData['team-alert']>(
    'team-alert',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendTeamAlert(context, mailer, { ...job.data, publicUrl, http });
    }),
  );

  // Start, end and reminder of maintenance windows: each checks its own status and version.
  await boss.work<JobData['maintenance-transition']>(
    'maintenance-transition',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      const startedAt = context.clock.now();
      const outcome = await runMaintenanceTransition(context, job.data);
      // A window that moved changed the public page.
      if (outcome === 'done') {
        await announcePublicChange(context.db);
        // Only a measurement: it must not send a transition already done back to be retried.
        await observeMaintenanceLateness(context.db, job.data, startedAt).catch((error: unknown) => {
          log.warn({ err: error }, 'could not measure the lateness of a maintenance transition');
        });
      }
      log.info({ ...job.data, outcome }, 'maintenance transition');
    }),
  );

  // Webhook subscribers: fan-out, one POST per job (a slow receiver holds up only its own job),
  // verification of new URLs, and the owner's email when a webhook fails.
  await boss.work<JobData['webhook-fan-out']>(
    'webhook-fan-out',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await fanOutWebhookEvent(context, { eventId: job.data.eventId, publicUrl });
    }),
  );
  for (let worker = 0; worker < WEBHOOK_SEND_WORKERS; worker += 1) {
    await boss.work<JobData['webhook-send']>(
      'webhook-send',
      { ...polling, batchSize: 1, includeMetadata: true },
      eachJob(async (job) => {
        const lastAttempt = job.retryCount >= job.retryLimit;
        const outcome = await sendWebhookDelivery(context, { deliveryId: job.data.deliveryId, lastAttempt, http });
        countWebhookDelivery(outcome);
        log.info({ deliveryId: job.data.deliveryId, attempt: job.retryCount + 1, outcome }, 'webhook delivery');
        // Throwing hands the job back to pg-boss, which retries it later with backoff and jitter.
        if (outcome === 'retrying') throw new Error('The webhook was not accepted; retrying');
      }),
    );
  }
  await boss.work<JobData['webhook-verify']>(
    'webhook-verify',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      const outcome = await verifyWebhookSubscriber(context, { subscriberId: job.data.subscriberId, publicUrl, http });
      log.info({ subscriberId: job.data.subscriberId, outcome }, 'webhook verification');
    }),
  );
  await boss.work<JobData['webhook-notice']>(
    'webhook-notice',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendWebhookNotice(context, mailer, { ...job.data, publicUrl });
    }),
  );
  await boss.work<JobData['webhook-contact-confirmation']>(
    'webhook-contact-confirmation',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendWebhookContactConfirmation(context, mailer, { ...job.data, publicUrl });
    }),
  );

  // Chat subscribers: fan-out, one POST per job, and the owner's email when a channel is disabled.
  // A platform's 429 re-queues the job for its Retry-After (chat-deliveries.ts): not a failure.
  await boss.work<JobData['chat-fan-out']>(
    'chat-fan-out',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await fanOutChatEvent(context, { eventId: job.data.eventId, publicUrl });
    }),
  );
  for (let worker = 0; worker < WEBHOOK_SEND_WORKERS; worker += 1) {
    await boss.work<JobData['chat-send']>(
      'chat-send',
      { ...polling, batchSize: 1, includeMetadata: true },
      eachJob(async (job) => {
        const lastAttempt = job.retryCount >= job.retryLimit;
        const { deliveryIds } = job.data;
        const { retrying } = await sendChatDeliveries(context, { deliveryIds, lastAttempt, http, stopping: () => state.stopping });
        log.info({ deliveries: deliveryIds.length, attempt: job.retryCount + 1, retrying }, 'chat delivery batch');
        // Throwing hands the job back to pg-boss, which retries what is still queued later, with backoff.
        if (retrying > 0) throw new Error(`${retrying} of ${deliveryIds.length} chat messages were not sent; retrying`);
      }),
    );
  }
  await boss.work<JobData['chat-notice']>(
    'chat-notice',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendChatNotice(context, mailer, { ...job.data, publicUrl });
    }),
  );

  // The daily retention prune: pg-boss's clock sends the job (once, whichever process holds the
  // schedule); the schedule is written again on every start, so its time follows the code.
  await boss.work(
    'retention',
    { ...polling, batchSize: 1 },
    eachJob(async () => {
      await runRetentionJob(context, log);
    }),
  );
  await boss.schedule('retention', RETENTION_SCHEDULE, null, { tz: 'UTC' });

  // Owners of overdue action items: the hourly sweep queues one reminder per item and due date.
  await boss.work(
    'action-item-reminders',
    { ...polling, batchSize: 1 },
    eachJob(async () => {
      const queued = await queueActionItemReminders(context);
      if (queued > 0) log.info({ queued }, 'action item reminders queued');
    }),
  );
  await boss.work<JobData['action-item-reminder']>(
    'action-item-reminder',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendActionItemReminder(context, mailer, { ...job.data, publicUrl });
    }),
  );
  await boss.schedule('action-item-reminders', ACTION_ITEM_REMINDER_SCHEDULE, null, { tz: 'UTC' });

  // The owners' email about a failed backup run.
  await boss.work<JobData['backup-failure']>(
    'backup-failure',
    { ...polling, batchSize: 1 },
    eachJob(async (job) => {
      await sendBackupFailure(context, mailer, { ...job.data, publicUrl });
    }),
  );
  // The backup itself, on BACKUP_SCHEDULE and on "Back up now", where the runtime hands its settings.
  const backup = dependencies.backup;
  if (backup) {
    await boss.work<JobData['backup']>(
      'backup',
      { ...polling, batchSize: 1 },
      eachJob(async (job) => {
        await runBackupJob(context, { backup }, job.data, log);
      }),
    );
    await boss.schedule('backup', backup.schedule, null, { tz: 'UTC' });
  }

  return {
    beginStop() {
      state.stopping = true;
    },
    report: () => ({ finished: state.finished, handedBack: state.handedBack, interrupted: state.running }),
  };
}
