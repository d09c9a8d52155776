import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { z } from 'zod';
import { contactChannelKinds, contactChannelKindLabels } from '../../../domain/chat/channel-kinds';
import { describeTarget, parseChannelTarget } from '../../../domain/chat/webhook-urls';
import { contact, contactChannel, type ContactChannelRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { insertOne, updateOne, withLockedRow } from '../kernel/rows';
import { idSchema, optionalText, parseInput } from '../kernel/validation';
import type { OutboundHttp } from '../webhooks/outbound-http';
import { targetPolicy, vetWebhookUrl } from '../webhooks/webhook-targets';
import { postToChannel, recordTestAnswer, testMessageBody } from './channel-post';

/** A channel as the audit log keeps it: its target is a secret (a webhook token, a routing key), so only its short form. */
function forAudit(row: ContactChannelRow) {
  return { ...row, target: describeTarget(row.kind, row.target) };
}

const channelInput = z.object({
  kind: z.enum(contactChannelKinds, { error: 'Choose the kind of channel from the list.' }),
  target: z.string({ error: 'Enter the webhook URL or the integration key.' }).trim().max(2000, 'At most 2000 characters.'),
  label: optionalText('Label', 100),
});

export type ContactChannelInput = z.input<typeof channelInput>;

/** A contact's channels, oldest first. */
export async function listContactChannels(context: Pick<ServiceContext, 'db'>, contactId: string): Promise<ContactChannelRow[]> {
  return context.db
    .select()
    .from(contactChannel)
    .where(eq(contactChannel.contactId, contactId))
    .orderBy(asc(contactChannel.createdAt), asc(contactChannel.id));
}

/**
 * Adds a channel to a contact. The target must be that platform's own webhook address (or a
 * PagerDuty integration key) and, for a URL, a host outside Herald's own network, the rule every
 * webhook target follows; a host that does not resolve now is let through, as each send checks again.
 */
export async function addContactChannel(
  context: ServiceContext,
  actor: Actor,
  contactId: string,
  input: ContactChannelInput,
): Promise<ServiceResult<ContactChannelRow>> {
  const parsed = parseInput(channelInput, input);
  if (!parsed.ok) return parsed;
  const { kind, label } = parsed.value;
  const target = parseChannelTarget(kind, parsed.value.target);
  if (!target.ok) return invalid({ target: target.message });
  if (kind !== 'pagerduty') {
    const vetted = await vetWebhookUrl(target.target, await targetPolicy(context));
    if (!vetted.ok && vetted.refusal === 'forbidden') return invalid({ target: vetted.message });
  }
  const now = context.clock.now();
  return withLockedRow(context.db, contact, eq(contact.id, contactId), 'That contact does not exist.', async (tx) => {
    const created = await insertOne(tx, contactChannel, {
      id: newId(),
      contactId,
      kind,
      target: target.target,
      label,
      createdAt: now,
      updatedAt: now,
    });
    await recordAudit(tx, actor, now, {
      action: 'contact_channel.create',
      entityType: 'contact_channel',
      entityId: created.id,
      after: forAudit(created),
    });
    return success(created);
  });
}

export async function removeContactChannel(context: ServiceContext, actor: Actor, id: string): Promise<ServiceResult<ContactChannelRow>> {
  const parsedId = idSchema.safeParse(id);
  if (!parsedId.success) return notFound('That channel does not exist.');
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [before] = await tx.delete(contactChannel).where(eq(contactChannel.id, parsedId.data)).returning();
    if (!before) return notFound('That channel does not exist.');
    await recordAudit(tx, actor, now, {
      action: 'contact_channel.delete',
      entityType: 'contact_channel',
      entityId: before.id,
      before: forAudit(before),
    });
    return success(before);
  });
}

/** Turns a disabled channel back on, its failure count cleared: for when its receiver works again. */
export async function enableContactChannel(context: ServiceContext, actor: Actor, id: string): Promise<ServiceResult<ContactChannelRow>> {
  const parsedId = idSchema.safeParse(id);
  if (!parsedId.success) return notFound('That channel does not exist.');
  const now = context.clock.now();
  const where = eq(contactChannel.id, parsedId.data);
  return withLockedRow(context.db, contactChannel, where, 'That channel does not exist.', async (tx, before) => {
    if (!before.disabledAt) return success(before);
    const after = await updateOne(tx, contactChannel, and(where, isNotNull(contactChannel.disabledAt)), {
      disabledAt: null,
      disabledReason: null,
      consecutiveFailures: 0,
      updatedAt: now,
    });
    await recordAudit(tx, actor, now, {
      action: 'contact_channel.enable',
      entityType: 'contact_channel',
      entityId: after.id,
      before: forAudit(before),
      after: forAudit(after),
    });
    return success(after);
  });
}

/**
 * Posts a test message to a channel now (a PagerDuty channel gets an info-level event, resolved at
 * once) and records what the platform answered on the channel. A test neither counts towards
 * disabling a channel nor turns a disabled one back on.
 */
export async function sendContactChannelTest(
  context: ServiceContext,
  options: { id: string; http: OutboundHttp; publicUrl: string; pagerDutyUrl?: string },
): Promise<ServiceResult<{ channel: ContactChannelRow; description: string }>> {
  const parsedId = idSchema.safeParse(options.id);
  if (!parsedId.success) return notFound('That channel does not exist.');
  const [row] = await context.db
    .select({ channel: contactChannel, contactName: contact.name })
    .from(contactChannel)
    .innerJoin(contact, eq(contact.id, contactChannel.contactId))
    .where(eq(contactChannel.id, parsedId.data));
  if (!row) return notFound('That channel does not exist.');
  const { channel } = row;
  const sender = { http: options.http, policy: await targetPolicy(context), pagerDutyUrl: options.pagerDutyUrl };
  const description = `${contactChannelKindLabels[channel.kind]}${channel.label ? ` “${channel.label}”` : ''}`;
  for (const body of testMessageBody(channel, { contactName: row.contactName, publicUrl: options.publicUrl })) {
    const answer = await postToChannel(sender, channel, body, context.clock.now());
    await recordTestAnswer(context.db, channel.id, answer, context.clock.now());
    if (answer.kind !== 'ok') {
      const why = answer.kind === 'retry_after' ? 'the platform asked Herald to wait (HTTP 429); try again in a minute' : answer.message;
      return invalid({}, `The test message to ${description} was not delivered: ${why}`);
    }
  }
  return success({ channel, description });
}
