import { asc, eq } from 'drizzle-orm';
import { maintenanceStatusLabels } from '../../../domain/maintenance';
import { impactOfSeverity } from '../../../domain/statuses';
import { formatWindow } from '../../../domain/time-format';
import { notification, type IncidentRow, type NotificationRow } from '../../db/schema';
import { incidentFollowUpMail, incidentStoryMail } from '../../mail/incident-story';
import { incidentUpdateMail, maintenanceMail, type RenderedMail } from '../../mail/templates';
import type { ServiceContext } from '../../services/kernel/context';
import { getPublicMaintenance } from '../../services/maintenance/maintenance-queries';
import { getPublicIncident } from '../../services/public/public-incidents';
import { getPageSettings } from '../../services/settings/page-settings';

interface Threading {
  messageId: string;
  inReplyTo?: string;
  references?: string;
}

/** One notification's email, ready to render per recipient with their own links. */
export interface NotificationMessage {
  threading: Threading;
  render(links: { manageUrl: string; unsubscribeUrl: string }): RenderedMail;
}

interface Subject {
  kind: 'incident' | 'maintenance';
  id: string;
}

/** What a notification is about: the check `notification_one_subject` holds exactly one of the two. */
function subjectOf(row: NotificationRow): Subject {
  if (row.incidentId) return { kind: 'incident', id: row.incidentId };
  if (row.maintenanceId) return { kind: 'maintenance', id: row.maintenanceId };
  throw new Error(`Notification ${row.id} is about neither an incident nor a maintenance.`);
}

/**
 * Every email about one incident (or one maintenance) threads under one root Message-ID: the
 * first email sent about it. Later ones reply to that root.
 */
async function threadingOf(context: ServiceContext, row: NotificationRow, subject: Subject, host: string): Promise<Threading> {
  const root = `<${subject.kind}.${subject.id}@${host}>`;
  const [first] = await context.db
    .select({ id: notification.id })
    .from(notification)
    .where(subject.kind === 'incident' ? eq(notification.incidentId, subject.id) : eq(notification.maintenanceId, subject.id))
    .orderBy(asc(notification.createdAt), asc(notification.id))
    .limit(1);
  if (first?.id === row.id) return { messageId: root };
  return { messageId: `<${subject.kind}.${subject.id}.${row.incidentUpdateId ?? row.id}@${host}>`, inReplyTo: root, references: root };
}

/** Headlines of maintenance emails by the moment in their occasion (`<moment>:<id>`). */
const maintenanceHeadlines: Record<string, string> = {
  scheduled: 'Scheduled',
  rescheduled: 'Rescheduled',
  reminder: 'Starts in 60 minutes',
  started: 'In progress',
  verifying: 'Verifying',
  extended: 'Extended',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

/**
 * Which email an incident notification sends: the customer email of an outage tells the whole
 * story, the ones after it in the thread stay short; any other incident's emails carry their update.
 */
function incidentEmailForm(row: NotificationRow, about: IncidentRow): 'story' | 'follow_up' | 'update' {
  if (row.id === about.customerEmailNotificationId) return 'story';
  const sentAt = about.customerEmailState === 'sent' ? about.customerEmailSentAt : null;
  return sentAt && row.createdAt >= sentAt ? 'follow_up' : 'update';
}

/** The email a notification sends, or undefined when what it was about is gone. */
export async function composeNotification(
  context: ServiceContext,
  notificationId: string,
  publicUrl: string,
): Promise<NotificationMessage | undefined> {
  const [row] = await context.db.select().from(notification).where(eq(notification.id, notificationId));
  if (!row) return undefined;
  const page = await getPageSettings(context);
  const subject = subjectOf(row);
  const threading = await threadingOf(context, row, subject, new URL(publicUrl).hostname);

  if (subject.kind === 'incident') {
    const detail = await getPublicIncident(context, subject.id);
    // Newest first: the updates from the one this notification carries back to the first are the story so far.
    const position = detail?.updates.findIndex((item) => item.id === row.incidentUpdateId) ?? -1;
    const update = detail?.updates[position];
    if (!detail || !update) return undefined;
    const form = incidentEmailForm(row, detail.incident);
    const facts = {
      pageName: page.name,
      incidentTitle: detail.incident.title,
      impact: impactOfSeverity(detail.incident.severity),
      components: detail.components.map(({ name, status }) => ({ name, status })),
      incidentUrl: `${publicUrl}/incidents/${detail.incident.id}`,
    };
    const told = (item: { status: IncidentRow['status']; displayAt: Date; body: string; nextUpdateBy: Date | null }) => ({
      status: item.status,
      postedAt: item.displayAt,
      body: item.body,
      nextUpdateBy: item.nextUpdateBy,
    });
    return {
      threading,
      render: (links) => {
        if (form === 'story') {
          return incidentStoryMail({
            ...facts,
            ...links,
            startedAt: detail.incident.startedAt,
            updates: [told(update), ...detail.updates.slice(position + 1).map(told)],
          });
        }
        if (form === 'follow_up') {
          return incidentFollowUpMail({ ...facts, ...links, startedAt: detail.incident.startedAt, update: told(update) });
        }
        return incidentUpdateMail({
          ...facts,
          ...links,
          status: update.status,
          body: update.body,
          postedAt: update.displayAt,
          nextUpdateBy: update.nextUpdateBy,
        });
      },
    };
  }

  const detail = await getPublicMaintenance(context, subject.id);
  if (!detail) return undefined;
  const update = row.maintenanceUpdateId ? detail.updates.find((item) => item.id === row.maintenanceUpdateId) : undefined;
  if (row.maintenanceUpdateId && !update) return undefined;
  // split always yields at least one part.
  const [moment = ''] = (row.occasion ?? '').split(':');
  const { maintenance } = detail;
  return {
    threading,
    render: (links) =>
      maintenanceMail({
        pageName: page.name,
        title: maintenance.title,
        headline: maintenanceHeadlines[moment] ?? maintenanceStatusLabels[update?.status ?? maintenance.status],
        // The announcement and the reminder tell what the work is; later emails carry their update.
        body: !update ? maintenance.description : moment === 'scheduled' ? `${maintenance.description}\n\n${update.body}` : update.body,
        window: formatWindow(maintenance.scheduledFor, maintenance.scheduledUntil, maintenance.timeZone),
        componentNames: detail.components.map((item) => item.name),
        maintenanceUrl: `${publicUrl}/maintenance/${maintenance.id}`,
        ...links,
      }),
  };
}
