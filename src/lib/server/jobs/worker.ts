import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
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
import { RETENTION_SCHEDULE, type JobData } from './queue';
import { announcePublicChange } from '../public-cache';
import { fanOutWebhookEvent } from './handlers/webhook-fan-out';
import { sendWebhookDelivery } from './handlers/webhook-send';
import { verifyWebhookSubscriber } from './handlers/webhook-verify';
import { sendWebhookContactConfirmation, sendWebhookNotice } from './handlers/webhook-notice';
import { runRetentionJob } from './handlers/retention';

export interface WorkerDependencies {
  context: ServiceContext;
  mailer: Mailer;
  publicUrl: string;
  log: Logger;
  /** The outbound HTTP client of every webhook POST; the guarded client unless a test brings its own. */
  http?: OutboundHttp;
  /** Send jobs worked at once in this process. */
  sendConcurrency?: number;
}

const polling = { pollingIntervalSeconds: 0.5 };
/** Webhook POSTs worked at once in this process. */
const WEBHOOK_SEND_WORKERS = 4;

/**
 * Wraps a handler of one job for pg-boss, which hands handlers a batch: every queue here is
 * worked with batchSize 1, so the batch holds that one job.
 */
function eachJob<T>(handle: (job: T) => Promise<void>): (jobs: T[]) => Promise<void> {
  return async (jobs) => {
    for (const job of jobs) await handle(job);
  };
}

/** Registers a handler for every job; each process that calls this shares the queue's work. */
export async function startWorkers(boss: PgBoss, dependencies: WorkerDependencies): Promise<void> {
  const { context, mailer, publicUrl, log } = dependencies;
  const http = dependencies.http ?? guardedHttp;

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
        const outcome = await sendDeliveries(context, mailer, { ...job.data, publicUrl, lastAttempt });
        log.info({ notificationId: job.data.notificationId, attempt: job.retryCount + 1, ...outcome }, 'delivery batch');
        // Throwing hands the job back to pg-boss, which retries it later with backoff and jitter.
        if (outcome.retrying > 0)
          throw new Error(`${outcome.retrying} of ${job.data.deliveryIds.length} messages were not accepted; retrying`);
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
      const outcome = await sendCustomerEmailIfDue(context, job.data.incidentId);
      if (outcome === 'sent') log.info({ incidentId: job.data.incidentId }, 'customer email due: sent');
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
      const outcome = await runMaintenanceTransition(context, job.data);
      // A window that moved changed the public page.
      if (outcome === 'done') await announcePublicChange(context.db);
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

  // The daily retention prune: pg-boss's clock sends the job (once, whichever process holds the
  // schedule); the schedule is written again on every start, so its time follows the code.
  await boss.work('retention', { ...polling, batchSize: 1 }, async () => {
    await runRetentionJob(context, log);
  });
  await boss.schedule('retention', RETENTION_SCHEDULE, null, { tz: 'UTC' });
}
