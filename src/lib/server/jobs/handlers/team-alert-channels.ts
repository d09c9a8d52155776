import { and, asc, eq, inArray, isNotNull, isNull, like } from 'drizzle-orm';
import type { ContactChannelKind } from '../../../domain/chat/channel-kinds';
import type { ChatMessage } from '../../../domain/chat/chat-message';
import { renderFor } from '../../../domain/chat/render';
import { pagerDutyEvent } from '../../../domain/chat/pagerduty';
import { incidentStatusLabels, severityLabels } from '../../../domain/statuses';
import {
  component,
  contact,
  contactChannel,
  incidentComponent,
  teamAlert,
  teamAlertKinds,
  type ContactChannelRow,
  type ContactRow,
  type IncidentRow,
} from '../../db/schema';
import { channelDisabledMail } from '../../mail/channel-templates';
import type { Mailer } from '../../mail/transport';
import type { ServiceContext } from '../../services/kernel/context';
import { postToChannel, recordDeliveryAnswer, type ChannelSender } from '../../services/plan/channel-post';

type TeamAlertKind = (typeof teamAlertKinds)[number];

/** A team_alert row's channel for a contact channel: `<kind>:<channel id>`. */
export const channelKeyOf = (channel: Pick<ContactChannelRow, 'kind' | 'id'>): string => `${channel.kind}:${channel.id}`;

/**
 * PagerDuty hears only what opens, raises or closes an incident: the declaration and a raised
 * severity trigger (the same dedup_key, so a raise updates the open PagerDuty incident), and the
 * resolution resolves. The overdue update, post-mortem reminders and rollback criteria are
 * reminders about an incident the on-call already has, so they go to chat and email, not to the pager.
 * Chat channels hear every alert but the resolution, which is for PagerDuty alone.
 */
export function channelGets(kind: TeamAlertKind, channelKind: ContactChannelKind): boolean {
  if (channelKind === 'pagerduty') return kind === 'declared' || kind === 'severity_raised' || kind === 'resolved';
  return kind !== 'resolved';
}

/** The enabled channels of these contacts, by contact id. */
export async function enabledChannelsOf(
  context: Pick<ServiceContext, 'db'>,
  contactIds: string[],
): Promise<Map<string, ContactChannelRow[]>> {
  const byContact = new Map<string, ContactChannelRow[]>();
  if (contactIds.length === 0) return byContact;
  const rows = await context.db
    .select()
    .from(contactChannel)
    .where(and(inArray(contactChannel.contactId, contactIds), isNull(contactChannel.disabledAt)))
    .orderBy(asc(contactChannel.createdAt), asc(contactChannel.id));
  for (const row of rows) byContact.set(row.contactId, [...(byContact.get(row.contactId) ?? []), row]);
  return byContact;
}

/**
 * The PagerDuty channels (as team_alert channel keys) an incident was triggered on, and their
 * contacts: only those hear its resolution.
 */
export async function contactsTriggeredFor(
  context: Pick<ServiceContext, 'db'>,
  incidentId: string,
): Promise<{ keys: Set<string>; contacts: ContactRow[] }> {
  const rows = await context.db
    .selectDistinct({ channel: teamAlert.channel })
    .from(teamAlert)
    .where(
      and(
        eq(teamAlert.incidentId, incidentId),
        inArray(teamAlert.kind, ['declared', 'severity_raised']),
        like(teamAlert.channel, 'pagerduty:%'),
        isNotNull(teamAlert.sentAt),
      ),
    );
  const keys = new Set(rows.map((row) => row.channel));
  const channelIds = [...keys].map((key) => key.slice('pagerduty:'.length));
  if (channelIds.length === 0) return { keys, contacts: [] };
  const contacts = await context.db
    .selectDistinct({ contact })
    .from(contact)
    .innerJoin(contactChannel, eq(contactChannel.contactId, contact.id))
    .where(inArray(contactChannel.id, channelIds));
  return { keys, contacts: contacts.map((row) => row.contact) };
}

/** What a channel message says about one alert, worked out once per job. */
export interface ChannelAlert {
  incident: IncidentRow;
  kind: TeamAlertKind;
  headline: string;
  /** The communication-plan step that fired, in words. */
  planStep: string;
  adminUrl: string;
  publicUrl: string;
  components: { name: string; status: (typeof component.$inferSelect)['status'] }[];
  sender: ChannelSender;
  pageName: string;
}

/** The incident's components with their current statuses, by name. */
export async function alertComponentsOf(context: Pick<ServiceContext, 'db'>, incidentId: string): Promise<ChannelAlert['components']> {
  return context.db
    .select({ name: component.name, status: component.status })
    .from(incidentComponent)
    .innerJoin(component, eq(component.id, incidentComponent.componentId))
    .where(eq(incidentComponent.incidentId, incidentId))
    .orderBy(asc(component.name));
}

function bodyFor(channel: ContactChannelRow, alert: ChannelAlert): object {
  const { incident } = alert;
  const links = [
    { label: 'Open in Herald', url: alert.adminUrl },
    { label: 'Public page', url: `${alert.publicUrl}/incidents/${incident.id}` },
  ];
  if (channel.kind === 'pagerduty') {
    if (alert.kind === 'resolved') return pagerDutyEvent({ action: 'resolve', routingKey: channel.target, incidentId: incident.id });
    return pagerDutyEvent({
      action: 'trigger',
      routingKey: channel.target,
      incidentId: incident.id,
      summary: `[${alert.pageName}] ${severityLabels[incident.severity]}: ${incident.title}`,
      severity: incident.severity,
      source: new URL(alert.publicUrl).hostname,
      links,
      customDetails: {
        status: incidentStatusLabels[incident.status],
        components: alert.components.map((item) => `${item.name}: ${item.status}`).join(', '),
        planStep: alert.planStep,
      },
    });
  }
  const message: ChatMessage = {
    kind: 'team_alert',
    headline: alert.headline,
    title: incident.title,
    severity: incident.severity,
    status: incidentStatusLabels[incident.status],
    components: alert.components,
    planStep: alert.planStep,
    links,
  };
  return renderFor(channel.kind, message);
}

/**
 * Sends one alert to one channel. Resolves 'sent', or the time the platform asked Herald to wait
 * until (HTTP 429); throws on a failure, after counting it on the channel. The failure that
 * disables the channel also emails its contact, once.
 */
export async function deliverToChannel(
  context: ServiceContext,
  mailer: Mailer,
  alert: ChannelAlert,
  channel: ContactChannelRow,
  contact: { email: string; name: string },
): Promise<'sent' | { retryAt: Date }> {
  const answer = await postToChannel(alert.sender, channel, bodyFor(channel, alert), context.clock.now());
  const disabledNow = await recordDeliveryAnswer(context.db, channel.id, answer, context.clock.now());
  if (answer.kind === 'ok') return 'sent';
  if (answer.kind === 'retry_after') return { retryAt: answer.at };
  if (!disabledNow) throw new Error(answer.message);
  const mail = channelDisabledMail({
    pageName: alert.pageName,
    contactName: contact.name,
    channel,
    contactUrl: `${alert.publicUrl}/admin/contacts/${channel.contactId}`,
  });
  try {
    await mailer.send({
      to: contact.email,
      ...mail,
      messageId: `<channel-disabled.${channel.id}.${context.clock.now().getTime()}@${new URL(alert.publicUrl).hostname}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  } catch {
    // Not retried (the channel is disabled once): the contact page shows the disabling to admins.
    throw new Error(`${answer.message} (The channel is now disabled; the email telling ${contact.email} could not be sent.)`);
  }
  throw new Error(answer.message);
}
