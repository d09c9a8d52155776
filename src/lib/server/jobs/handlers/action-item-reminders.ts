import { and, eq, isNull, lte } from 'drizzle-orm';
import { dueDateOf, owesOverdueReminder } from '../../../domain/action-items';
import { actionItem, incident, user } from '../../db/schema';
import { actionItemOverdueMail } from '../../mail/action-item-templates';
import type { Mailer } from '../../mail/transport';
import type { ServiceContext } from '../../services/kernel/context';
import { getPageSettings } from '../../services/settings/page-settings';
import type { JobData } from '../queue';

/**
 * The owners' reminders of overdue action items. The scheduled sweep marks each open item past its
 * due date with that date (`overdueRemindedFor`) and queues its email in the same transaction, so a
 * retried or doubled sweep reminds nobody twice; a moved due date no longer matches the mark, so
 * the item is reminded again once the new date passes.
 */
export async function queueActionItemReminders(context: ServiceContext): Promise<number> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const candidates = await tx
      .select()
      .from(actionItem)
      .where(and(eq(actionItem.state, 'open'), lte(actionItem.dueAt, now)))
      .for('update', { skipLocked: true });
    const due = candidates.filter((item) => owesOverdueReminder(item, now));
    for (const item of due) {
      await tx.update(actionItem).set({ overdueRemindedFor: item.dueAt }).where(eq(actionItem.id, item.id));
      await context.queue.send(tx, 'action-item-reminder', {
        actionItemId: item.id,
        incidentId: item.incidentId,
        dueAt: item.dueAt.toISOString(),
      });
    }
    return due.length;
  });
}

/**
 * Emails the owner of one overdue item. Nothing is sent when the item was closed, its due date
 * moved or its owner changed to nobody (or was disabled) since the sweep queued it.
 */
export async function sendActionItemReminder(
  context: ServiceContext,
  mailer: Mailer,
  options: JobData['action-item-reminder'] & { publicUrl: string },
): Promise<'sent' | 'skipped'> {
  const [row] = await context.db
    .select({ item: actionItem, incidentTitle: incident.title, ownerName: user.name, ownerEmail: user.email })
    .from(actionItem)
    .innerJoin(incident, eq(incident.id, actionItem.incidentId))
    .innerJoin(user, and(eq(user.id, actionItem.ownerId), isNull(user.disabledAt)))
    .where(eq(actionItem.id, options.actionItemId));
  if (row?.item.state !== 'open' || row.item.dueAt.toISOString() !== options.dueAt) return 'skipped';
  const page = await getPageSettings(context);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const mail = actionItemOverdueMail({
    pageName: page.name,
    ownerName: row.ownerName,
    itemTitle: row.item.title,
    incidentTitle: row.incidentTitle,
    dueDate: dueDateOf(row.item.dueAt, page.timeZone),
    postmortemUrl: `${publicUrl}/admin/incidents/${row.item.incidentId}/postmortem`,
  });
  await mailer.send({
    to: row.ownerEmail,
    ...mail,
    messageId: `<action-item-overdue.${row.item.id}.${row.item.dueAt.getTime()}@${new URL(publicUrl).hostname}>`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  return 'sent';
}
