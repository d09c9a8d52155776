import { eq } from 'drizzle-orm';
import { isOutageSeverity } from '../../../domain/communication-policy';
import { formatDuration } from '../../../domain/duration';
import { isIncidentOpen } from '../../../domain/statuses';
import { incident } from '../../db/schema';
import { applyCustomerEmailRule, sendDueCustomerEmail } from '../../services/plan/communication-plan';
import { getCommunicationPolicy } from '../../services/plan/policy';
import type { ServiceContext } from '../../services/kernel/context';
import { lockRow } from '../../services/kernel/rows';

/** Minutes of lateness worth recording (a worker was down, or the queue was backed up). */
const LATE_AFTER_MS = 60_000;

/**
 * The customer-email job: sends if the incident is still unresolved and the email is still
 * scheduled and due. Locks the incident row, so two workers racing send once.
 */
export async function sendCustomerEmailIfDue(context: ServiceContext, incidentId: string): Promise<'sent' | 'not_due' | 'not_scheduled'> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const row = await lockRow(tx, incident, eq(incident.id, incidentId));
    if (!row || row.customerEmailState !== 'scheduled' || !row.customerEmailDueAt || !isIncidentOpen(row.status)) return 'not_scheduled';
    const policy = await getCommunicationPolicy({ db: tx });
    if (!isOutageSeverity(policy, row.severity)) {
      // The settings changed since it was scheduled: this severity is no longer an outage.
      await applyCustomerEmailRule(tx, context, row, policy, now);
      return 'not_scheduled';
    }
    if (now < row.customerEmailDueAt) {
      await context.queue.send(
        tx,
        'customer-email',
        { incidentId, dueAt: row.customerEmailDueAt.toISOString() },
        { startAfter: row.customerEmailDueAt },
      );
      return 'not_due';
    }
    const lateness = now.getTime() - row.customerEmailDueAt.getTime();
    await sendDueCustomerEmail(
      tx,
      context,
      row,
      row.customerEmailDueAt,
      now,
      lateness > LATE_AFTER_MS ? `sent ${formatDuration(lateness)} late` : null,
    );
    return 'sent';
  });
}
