import { eq } from 'drizzle-orm';
import { MAINTENANCE_REMINDER_MS } from '../../domain/maintenance';
import type { Database } from '../db';
import { maintenance } from '../db/schema';
import type { SendOutcome } from '../jobs/handlers/send-deliveries';
import type { WebhookSendOutcome } from '../jobs/handlers/webhook-send';
import type { JobData, MaintenanceTransition } from '../jobs/queue';
import { processMetrics } from './registry';

/**
 * What the worker reports once a job's outcome is known: deliveries by outcome, and how late the
 * customer email and the maintenance transitions ran against their due moments.
 */

/** Counts one batch of subscriber emails. */
export function countEmailDeliveries(outcome: SendOutcome): void {
  const { deliveries } = processMetrics();
  for (const key of ['sent', 'retrying', 'failed', 'interrupted'] as const) {
    if (outcome[key] > 0) deliveries.inc({ channel: 'email', outcome: key }, outcome[key]);
  }
}

/** Counts one webhook POST (a delivery skipped was never sent, nor meant to be). */
export function countWebhookDelivery(outcome: WebhookSendOutcome): void {
  if (outcome !== 'skipped') processMetrics().deliveries.inc({ channel: 'webhook', outcome });
}

const secondsBetween = (due: Date, done: Date) => Math.max(0, (done.getTime() - due.getTime()) / 1000);

/** Records a customer email sent at `sentAt` that was due at `dueAt` (the job's ISO moment). */
export function observeCustomerEmailLateness(dueAt: string, sentAt: Date): void {
  const due = new Date(dueAt);
  if (!Number.isNaN(due.getTime())) processMetrics().customerEmailLateness.observe(secondsBetween(due, sentAt));
}

function transitionDueAt(transition: MaintenanceTransition, window: { scheduledFor: Date; scheduledUntil: Date }): Date {
  switch (transition) {
    case 'reminder':
      return new Date(window.scheduledFor.getTime() - MAINTENANCE_REMINDER_MS);
    case 'start':
      return window.scheduledFor;
    case 'end':
      return window.scheduledUntil;
  }
}

/** Records a transition carried out at `doneAt`, against the window's moment it belongs to. */
export async function observeMaintenanceLateness(db: Database, data: JobData['maintenance-transition'], doneAt: Date): Promise<void> {
  const [window] = await db
    .select({ scheduledFor: maintenance.scheduledFor, scheduledUntil: maintenance.scheduledUntil })
    .from(maintenance)
    .where(eq(maintenance.id, data.maintenanceId));
  if (!window) return;
  processMetrics().maintenanceLateness.observe(
    { transition: data.transition },
    secondsBetween(transitionDueAt(data.transition, window), doneAt),
  );
}
