import { createHmac } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { eq } from 'drizzle-orm';
import { hashSecret, parseToken, secretMatches } from '../../auth/tokens';
import type { Database } from '../../db';
import { setting } from '../../db/schema';
import { chatSubscriber, type ChatSubscriberRow } from '../../db/schema/webhooks';
import { randomBytes } from '../../ids';

/**
 * The unsubscribe link in every chat message's footer: `/chat/unsubscribe/<id>.<secret>`, where
 * the secret is an HMAC of the subscriber id under a server key (like the signed email links of
 * subscribers/subscriber-tokens.ts), so the fan-out can put it in every message without it being
 * stored. `chat_subscriber.unsubscribe_secret_hash` holds the SHA-256 of that secret, written at
 * registration: a presented token is checked against the row alone, in constant time, as webhook
 * unsubscribe tokens are; the key is read only to mint links.
 */

/** The `setting` key of the signing key: generated once, never shown, logged or put in a job. */
const CHAT_LINK_KEY = 'chat-link-secret';

async function chatLinkKey(db: Database, now: Date): Promise<Buffer> {
  const read = async () => {
    const [row] = await db.select({ value: setting.value }).from(setting).where(eq(setting.key, CHAT_LINK_KEY));
    const value = row?.value as { secret?: unknown } | undefined;
    return typeof value?.secret === 'string' ? Buffer.from(value.secret, 'base64url') : null;
  };
  const existing = await read();
  if (existing) return existing;
  await db
    .insert(setting)
    .values({ key: CHAT_LINK_KEY, value: { secret: Buffer.from(randomBytes(32)).toString('base64url') }, updatedAt: now })
    .onConflictDoNothing();
  const created = await read();
  if (!created) throw new Error('the chat link key is missing after its insert');
  return created;
}

/** 120 bits in base32 (24 characters), the shape `parseToken` accepts. */
const secretOf = (key: Buffer, subscriberId: string) =>
  encodeBase32LowerCaseNoPadding(createHmac('sha256', key).update(`herald-chat-unsubscribe\n${subscriberId}`).digest().subarray(0, 15));

export interface ChatLinkSigner {
  /** The token of a subscriber's unsubscribe link. */
  token(subscriberId: string): string;
  /** The full unsubscribe URL, for a message's footer. */
  url(subscriberId: string): string;
  /** What `unsubscribeSecretHash` stores for a subscriber. */
  secretHash(subscriberId: string): Uint8Array;
}

/** Signs many subscribers' links with one read of the key (the fan-out's batches). */
export async function chatLinkSigner(db: Database, options: { publicUrl: string; now: Date }): Promise<ChatLinkSigner> {
  const key = await chatLinkKey(db, options.now);
  const base = options.publicUrl.replace(/\/+$/, '');
  const token = (subscriberId: string) => `${subscriberId}.${secretOf(key, subscriberId)}`;
  return {
    token,
    url: (subscriberId) => `${base}/chat/unsubscribe/${token(subscriberId)}`,
    secretHash: (subscriberId) => hashSecret(secretOf(key, subscriberId)),
  };
}

/** One subscriber's unsubscribe URL. */
export async function chatUnsubscribeLink(db: Database, options: { publicUrl: string; now: Date; subscriberId: string }): Promise<string> {
  return (await chatLinkSigner(db, options)).url(options.subscriberId);
}

/** The chat subscriber an unsubscribe token names, or null. */
export async function findChatSubscriberByToken(db: Database, token: string): Promise<ChatSubscriberRow | null> {
  const parts = parseToken(token);
  if (!parts) return null;
  const [row] = await db.select().from(chatSubscriber).where(eq(chatSubscriber.id, parts.id));
  return row && secretMatches(parts.secret, row.unsubscribeSecretHash) ? row : null;
}
