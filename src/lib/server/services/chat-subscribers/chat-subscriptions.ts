import { randomInt } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { chatPlatforms, contactChannelKindLabels, type ChatPlatform } from '../../../domain/chat/channel-kinds';
import type { ChatMessage } from '../../../domain/chat/chat-message';
import { renderFor } from '../../../domain/chat/render';
import { parseChannelTarget } from '../../../domain/chat/webhook-urls';
import { consumeRateLimit, type RateLimitRule } from '../../auth/rate-limit';
import { hashSecret, secretMatches } from '../../auth/tokens';
import { chatSubscriber, chatSubscriberComponent } from '../../db/schema/webhooks';
import { newId } from '../../ids';
import { publicComponentIds } from '../components/visibility';
import { recordAudit } from '../kernel/audit';
import type { ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { lockRow } from '../kernel/rows';
import { idSchema, parseInput } from '../kernel/validation';
import { postToChannel } from '../plan/channel-post';
import { getPageSettings } from '../settings/page-settings';
import type { OutboundHttp } from '../webhooks/outbound-http';
import { targetPolicy } from '../webhooks/webhook-targets';
import { webhookRegistrationInput } from '../webhooks/webhook-subscribers';
import { chatLinkSigner, findChatSubscriberByToken } from './chat-unsubscribe-links';

/**
 * A visitor subscribes a Slack, Teams, Discord or Google Chat channel on /subscribe: Herald posts a
 * one-time code to the channel at once (proving the visitor can read it; nothing is stored when
 * the post fails), the visitor types it on the page, and the channel is active. Sending updates
 * lives in chat-deliveries.ts and jobs/handlers/chat-*.ts; the admin's side in chat-subscriber-admin.ts.
 */

const CODE_DIGITS = 6;
const CODE_TTL_MS = 30 * 60 * 1000;
/** Wrong codes after which the code is void and the visitor asks for a new one. */
export const MAX_CODE_ATTEMPTS = 5;

const REGISTER_PER_ADDRESS: RateLimitRule = { limit: 10, windowMs: 60 * 60 * 1000 };
const REGISTER_PER_URL: RateLimitRule = { limit: 5, windowMs: 60 * 60 * 1000 };

export const chatRegistrationInput = z.object({
  platform: z.enum(chatPlatforms, { error: 'Choose the chat platform.' }),
  url: z.string({ error: 'Enter the webhook URL.' }).max(2000, 'A webhook URL has at most 2,000 characters.'),
  ownerEmail: webhookRegistrationInput.shape.email,
  componentIds: z.array(idSchema).max(500).default([]),
});

export type ChatRegistrationOutcome =
  | { kind: 'code_sent'; subscriberId: string; platform: ChatPlatform; expiresAt: Date }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

/** How the confirmation goes out: the guarded client and the page's public address, for the message's link. */
export interface ChatRegistrationSender {
  http: OutboundHttp;
  publicUrl: string;
}

const newCode = () => String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');

function confirmationMessage(pageName: string, code: string, publicUrl: string): ChatMessage {
  return {
    kind: 'incident_update',
    headline: 'Confirm your subscription',
    title: `Your code to confirm status updates from ${pageName} is ${code} (valid 30 minutes)`,
    status: 'Waiting for your code',
    components: [],
    body: `Enter the code on the ${pageName} subscribe page. If nobody here asked for these updates, ignore this message: nothing more is sent.`,
    links: [{ label: 'Status page', url: publicUrl.replace(/\/+$/, '') }],
  };
}

/**
 * Registers a channel: the URL must be that platform's webhook (https, the vendor's host), the
 * components public ones. An active URL stays as it is; a pending or disabled one is replaced by a
 * new pending subscription with a new code (the old code stops working). Only the code's SHA-256
 * is stored.
 */
export async function registerChatSubscriber(
  context: ServiceContext,
  /** The platform as posted: anything but a known platform is refused with a message. */
  input: Omit<z.input<typeof chatRegistrationInput>, 'platform'> & { platform: string },
  clientKey: string,
  sender: ChatRegistrationSender,
): Promise<ServiceResult<ChatRegistrationOutcome>> {
  const parsed = parseInput(chatRegistrationInput, input);
  if (!parsed.ok) return parsed;
  const { platform, ownerEmail } = parsed.value;
  const target = parseChannelTarget(platform, parsed.value.url);
  if (!target.ok) return invalid({ url: target.message });
  const url = target.target;
  const visible = await publicComponentIds(context.db);
  const componentIds = [...new Set(parsed.value.componentIds)];
  if (componentIds.some((id) => !visible.has(id))) return invalid({ componentIds: 'Choose components from the list.' });

  const [existing] = await context.db.select({ state: chatSubscriber.state }).from(chatSubscriber).where(eq(chatSubscriber.url, url));
  if (existing?.state === 'active') return invalid({ url: ALREADY_SUBSCRIBED });

  const now = context.clock.now();
  for (const [key, rule] of [
    [`chat:address:${clientKey}`, REGISTER_PER_ADDRESS],
    [`chat:url:${url}`, REGISTER_PER_URL],
  ] as const) {
    const verdict = await consumeRateLimit(context.db, key, rule, now);
    if (!verdict.allowed) return success({ kind: 'rate_limited', retryAfterSeconds: verdict.retryAfterSeconds });
  }

  // Posted before anything is written: a URL the platform (or the private-address guard) refuses leaves no row.
  const code = newCode();
  const page = await getPageSettings(context);
  const body = renderFor(platform, confirmationMessage(page.name, code, sender.publicUrl));
  const answer = await postToChannel(
    { http: sender.http, policy: await targetPolicy(context) },
    { kind: platform, target: url },
    body,
    now,
  );
  if (answer.kind === 'retry_after')
    return invalid({ url: `${contactChannelKindLabels[platform]} asked Herald to wait; try again in a minute.` });
  if (answer.kind === 'failed') return invalid({ url: `Herald could not post the code to this channel: ${answer.message}` });

  const id = newId();
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
  const signer = await chatLinkSigner(context.db, { publicUrl: sender.publicUrl, now });
  const created = await context.db.transaction(async (tx) => {
    const current = await lockRow(tx, chatSubscriber, eq(chatSubscriber.url, url));
    if (current?.state === 'active') return false;
    if (current) await tx.delete(chatSubscriber).where(eq(chatSubscriber.id, current.id));
    const [row] = await tx
      .insert(chatSubscriber)
      .values({
        id,
        platform,
        url,
        state: 'pending',
        verificationCodeHash: hashSecret(code),
        verificationExpiresAt: expiresAt,
        unsubscribeSecretHash: signer.secretHash(id),
        ownerEmail: ownerEmail ?? null,
        createdAt: now,
        updatedAt: now,
      })
      // Two registrations of a new URL at once: the second yields.
      .onConflictDoNothing()
      .returning({ id: chatSubscriber.id });
    if (!row) return false;
    if (componentIds.length > 0)
      await tx.insert(chatSubscriberComponent).values(componentIds.map((componentId) => ({ subscriberId: id, componentId })));
    return true;
  });
  if (!created) return invalid({ url: ALREADY_SUBSCRIBED });
  return success({ kind: 'code_sent', subscriberId: id, platform, expiresAt });
}

const ALREADY_SUBSCRIBED =
  'This channel is already subscribed to updates from this page. To start again, first use the unsubscribe link at the bottom of every update.';

const NO_PENDING = 'There is no subscription waiting for a code here. Register the webhook URL again to get a new code.';
const codeInput = z
  .string()
  .transform((value) => value.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(new RegExp(`^\\d{${CODE_DIGITS}}$`), `Enter the ${CODE_DIGITS}-digit code from the message in your channel.`));

export interface ChatConfirmed {
  platform: ChatPlatform;
}

/**
 * The visitor types the code. A wrong one counts (after MAX_CODE_ATTEMPTS the code is void); an
 * expired or void one asks for a new code; the right one makes the subscription active and is
 * cleared, so it cannot be used again.
 */
export async function confirmChatSubscriber(
  context: ServiceContext,
  subscriberId: string,
  code: string,
): Promise<ServiceResult<ChatConfirmed>> {
  const id = idSchema.safeParse(subscriberId);
  if (!id.success) return notFound(NO_PENDING);
  const typed = codeInput.safeParse(code);
  if (!typed.success) return invalid({ code: typed.error.issues[0]?.message ?? 'Enter the code.' });
  const now = context.clock.now();
  const where = eq(chatSubscriber.id, id.data);
  return context.db.transaction(async (tx): Promise<ServiceResult<ChatConfirmed>> => {
    const row = await lockRow(tx, chatSubscriber, where);
    if (!row) return notFound(NO_PENDING);
    if (row.state !== 'pending') return invalid({ code: 'This code was already used: the channel is subscribed. Nothing more to do.' });
    if (!row.verificationCodeHash || row.verificationAttempts >= MAX_CODE_ATTEMPTS)
      return invalid({ code: 'Too many wrong codes: this code no longer works. Ask for a new code by registering the URL again.' });
    if (!row.verificationExpiresAt || row.verificationExpiresAt <= now)
      return invalid({ code: 'This code has expired (codes work for 30 minutes). Ask for a new code by registering the URL again.' });
    if (!secretMatches(typed.data, row.verificationCodeHash)) {
      const attempts = row.verificationAttempts + 1;
      await tx.update(chatSubscriber).set({ verificationAttempts: attempts, updatedAt: now }).where(where);
      const left = MAX_CODE_ATTEMPTS - attempts;
      return invalid({
        code:
          left > 0
            ? `That is not the code in the message. ${left} ${left === 1 ? 'try' : 'tries'} left.`
            : 'That is not the code either, and it no longer works. Ask for a new code by registering the URL again.',
      });
    }
    await tx
      .update(chatSubscriber)
      .set({ state: 'active', verifiedAt: now, verificationCodeHash: null, verificationExpiresAt: null, updatedAt: now })
      .where(where);
    return success({ platform: row.platform });
  });
}

/** Removes the channel an unsubscribe token names, and everything queued for it; false when none. */
export async function unsubscribeChat(context: ServiceContext, token: string): Promise<boolean> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const row = await findChatSubscriberByToken(tx, token);
    if (!row) return false;
    await tx.delete(chatSubscriber).where(eq(chatSubscriber.id, row.id));
    await recordAudit(tx, { userId: null, label: 'chat subscriber' }, now, {
      action: 'chat_subscriber.unsubscribe',
      entityType: 'chat_subscriber',
      entityId: row.id,
      before: { platform: row.platform, state: row.state },
    });
    return true;
  });
}
