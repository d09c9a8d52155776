import { and, eq, gte, isNull, sql } from 'drizzle-orm';
import { contactChannelKindLabels } from '../../../domain/chat/channel-kinds';
import type { ChatMessage } from '../../../domain/chat/chat-message';
import { renderFor } from '../../../domain/chat/render';
import { PAGERDUTY_EVENTS_URL, pagerDutyEvent } from '../../../domain/chat/pagerduty';
import { classifyAnswer, type PlatformAnswer } from '../../../domain/chat/platform-answers';
import type { Database } from '../../db';
import { contactChannel, type ContactChannelRow } from '../../db/schema';
import type { OutboundHttp } from '../webhooks/outbound-http';
import type { TargetPolicy } from '../webhooks/webhook-targets';

/**
 * Posting to a contact's chat or paging channel, and what its answer does to the channel: shared
 * by the team-alert job and the "Send a test message" button.
 */

/** Failures in a row after which a channel is disabled, as webhook subscribers are. */
const CHANNEL_FAILURE_LIMIT = 5;
const MAX_ERROR_LENGTH = 500;

export type ChannelAnswer = PlatformAnswer;

/** How channel messages go out: the guarded client and the target policy, as for every webhook. */
export interface ChannelSender {
  http: OutboundHttp;
  policy: TargetPolicy;
  /** PagerDuty's endpoint; only tests change it, to their local receiver. */
  pagerDutyUrl?: string;
}

/** POSTs a body to a channel through the guarded client and says what the platform's answer means. */
export async function postToChannel(
  sender: ChannelSender,
  channel: Pick<ContactChannelRow, 'kind' | 'target'>,
  body: object,
  now: Date,
): Promise<ChannelAnswer> {
  const outcome = await sender.http.post({
    url: channel.kind === 'pagerduty' ? (sender.pagerDutyUrl ?? PAGERDUTY_EVENTS_URL) : channel.target,
    body: JSON.stringify(body),
    headers: { 'User-Agent': 'Herald' },
    policy: sender.policy,
  });
  if (outcome.ok) return { kind: 'ok' };
  // No answer at all: a refused target, a timeout, a reset connection.
  if (!outcome.answer || outcome.status === null) return { kind: 'failed', message: outcome.error.slice(0, MAX_ERROR_LENGTH) };
  return classifyAnswer(
    channel.kind,
    {
      status: outcome.status,
      headers: outcome.answer.retryAfter ? { 'retry-after': outcome.answer.retryAfter } : {},
      body: outcome.answer.body,
    },
    now,
  );
}

/**
 * Records a team alert's answer on its channel: success clears the failure count; a failure adds
 * one, and the one that reaches the limit disables the channel. A 429 is not a failure. Answers
 * true when this answer disabled the channel (so its contact is told once).
 */
export async function recordDeliveryAnswer(db: Database, channelId: string, answer: ChannelAnswer, now: Date): Promise<boolean> {
  if (answer.kind === 'retry_after') return false;
  const where = eq(contactChannel.id, channelId);
  if (answer.kind === 'ok') {
    await db.update(contactChannel).set({ consecutiveFailures: 0, lastSuccessAt: now }).where(where);
    return false;
  }
  await db
    .update(contactChannel)
    .set({ consecutiveFailures: sql`${contactChannel.consecutiveFailures} + 1`, lastError: answer.message, lastErrorAt: now })
    .where(where);
  const disabled = await db
    .update(contactChannel)
    .set({
      disabledAt: now,
      disabledReason: `${CHANNEL_FAILURE_LIMIT} alerts in a row failed; the last: ${answer.message}`.slice(0, MAX_ERROR_LENGTH),
    })
    .where(and(where, isNull(contactChannel.disabledAt), gte(contactChannel.consecutiveFailures, CHANNEL_FAILURE_LIMIT)))
    .returning({ id: contactChannel.id });
  return disabled.length > 0;
}

/** Records a test message's answer: shown on the channel, without counting towards disabling it. */
export async function recordTestAnswer(db: Database, channelId: string, answer: ChannelAnswer, now: Date): Promise<void> {
  if (answer.kind === 'retry_after') return;
  await db
    .update(contactChannel)
    .set(answer.kind === 'ok' ? { lastSuccessAt: now } : { lastError: answer.message, lastErrorAt: now })
    .where(eq(contactChannel.id, channelId));
}

/**
 * The bodies a test sends, in order: one chat message, or for PagerDuty an info-level trigger
 * resolved straight after, so nobody is left with an open test incident.
 */
export function testMessageBody(channel: ContactChannelRow, options: { contactName: string; publicUrl: string }): object[] {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const summary = `Test message from Herald for ${options.contactName}'s ${contactChannelKindLabels[channel.kind]} channel`;
  if (channel.kind === 'pagerduty') {
    const event = { routingKey: channel.target, incidentId: `test-${channel.id}` };
    const source = new URL(publicUrl).hostname;
    return [
      pagerDutyEvent({ ...event, action: 'trigger', summary, source, severity: 'low', links: [{ label: 'Status page', url: publicUrl }] }),
      pagerDutyEvent({ ...event, action: 'resolve' }),
    ];
  }
  const message: ChatMessage = {
    kind: 'team_alert',
    headline: 'Test message',
    title: summary,
    status: 'Test',
    components: [],
    body: 'Team alerts for this contact will arrive here.',
    links: [{ label: 'Status page', url: publicUrl }],
  };
  return [renderFor(channel.kind, message)];
}
