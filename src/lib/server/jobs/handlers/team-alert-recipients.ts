import { and, eq, isNull } from 'drizzle-orm';
import { severityLabels } from '../../../domain/statuses';
import { user, type ContactChannelRow, type IncidentRow, type teamAlertKinds } from '../../db/schema';
import type { ServiceContext } from '../../services/kernel/context';
import { contactsForSeverity } from '../../services/plan/contacts';
import { channelGets, channelKeyOf, contactsTriggeredFor, enabledChannelsOf } from './team-alert-channels';

type TeamAlertKind = (typeof teamAlertKinds)[number];

/** Kinds about the incident's own follow-up, which its owner hears about as well as the paged contacts. */
const OWNER_KINDS: readonly TeamAlertKind[] = ['update_overdue', 'postmortem_reminder', 'postmortem_overdue'];

export interface Recipient {
  name: string;
  email: string;
  webhookUrl: string | null;
  /** The contact's enabled chat and paging channels. */
  channels: ContactChannelRow[];
  /** Why this person gets the alert, printed at the foot of the email. */
  reason: string;
}

/**
 * Who gets one alert, by email address (a person on the plan twice hears once), and on which
 * team_alert channels: email, the generic webhook, and each chat or paging channel the kind reaches.
 */
export async function alertRecipients(
  context: ServiceContext,
  { incident, kind, pageName }: { incident: IncidentRow; kind: TeamAlertKind; pageName: string },
): Promise<{ recipients: Map<string, Recipient>; channelsOf: (recipient: Recipient) => string[] }> {
  const severityLabel = severityLabels[incident.severity];
  // A resolution goes only to the PagerDuty channels the incident was triggered on, whoever is paged now.
  const triggered = kind === 'resolved' ? await contactsTriggeredFor(context, incident.id) : null;
  const paged = triggered ? triggered.contacts : await contactsForSeverity(context.db, incident.severity);
  const channelsByContact = await enabledChannelsOf(
    context,
    paged.map((item) => item.id),
  );
  const recipients = new Map<string, Recipient>();
  for (const item of paged) {
    const email = item.email.toLowerCase();
    const channels = channelsByContact.get(item.id) ?? [];
    const known = recipients.get(email);
    if (known) {
      known.channels.push(...channels);
      continue;
    }
    recipients.set(email, {
      name: item.name,
      email,
      webhookUrl: item.webhookUrl,
      channels,
      reason: `You get this alert because you are on the ${pageName} communication plan as ${item.role}, paged for ${severityLabel} incidents.`,
    });
  }
  if (OWNER_KINDS.includes(kind) && incident.ownerId) {
    const [owner] = await context.db
      .select()
      .from(user)
      .where(and(eq(user.id, incident.ownerId), isNull(user.disabledAt)));
    const email = owner?.email.toLowerCase();
    if (owner && email && !recipients.has(email)) {
      recipients.set(email, {
        name: owner.name,
        email,
        webhookUrl: null,
        channels: [],
        reason: `You get this alert because you own this incident's communication on ${pageName}.`,
      });
    }
  }

  const channelsOf = (recipient: Recipient): string[] => [
    ...(triggered ? [] : ['email', ...(recipient.webhookUrl === null ? [] : ['webhook'])]),
    ...recipient.channels
      .filter((channel) => channelGets(kind, channel.kind) && (!triggered || triggered.keys.has(channelKeyOf(channel))))
      .map(channelKeyOf),
  ];
  return { recipients, channelsOf };
}
