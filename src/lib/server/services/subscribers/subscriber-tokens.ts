import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { pendingSubscriptionExpired } from '../../../domain/data-retention';
import type { Database } from '../../db';
import { setting, subscriber } from '../../db/schema';
import { randomBytes } from '../../ids';

/**
 * The links in subscriber emails are signed, not stored (issue 14): HMAC-SHA256 with a server
 * secret over the subscriber id, the purpose and what else the link binds, so an update to
 * 10,000 subscribers writes no row per email.
 *
 * - `unsubscribe`: `<id>.<mac>`, works as long as the subscription exists (RFC 8058 one-click
 *   unsubscribe in old emails must keep working; it can only end the subscription).
 * - `manage`: `<id>.<version>.<mac>`, bound to the subscriber's `link_version`: "send me a new
 *   link" bumps it, so every older manage link stops working.
 * - `confirm`: `<id>.<expires, unix milliseconds>.<mac>`, works until it expires and only while the
 *   subscription is pending, so once any confirmation link was used, all of them are spent.
 *
 * A removed subscriber's links name no row and stop working. Links minted before signed links
 * (random tokens kept in the dropped `subscriber_token` table) no longer work: README.md says so.
 */

export type SubscriberTokenPurpose = 'confirm' | 'manage' | 'unsubscribe';

/** How long a confirmation link works. */
const CONFIRMATION_TTL_MS = 48 * 60 * 60 * 1000;

/** The `setting` key of the signing secret: generated once, never shown, logged or put in a job. */
const LINK_SECRET_KEY = 'subscriber-link-secret';

/** The server's link-signing secret, created on first use (two first uses at once agree on one). */
async function linkSecret(db: Database, now: Date): Promise<Buffer> {
  const read = async () => {
    const [row] = await db.select({ value: setting.value }).from(setting).where(eq(setting.key, LINK_SECRET_KEY));
    const value = row?.value as { secret?: unknown } | undefined;
    return typeof value?.secret === 'string' ? Buffer.from(value.secret, 'base64url') : null;
  };
  const existing = await read();
  if (existing) return existing;
  await db
    .insert(setting)
    .values({ key: LINK_SECRET_KEY, value: { secret: Buffer.from(randomBytes(32)).toString('base64url') }, updatedAt: now })
    .onConflictDoNothing();
  const created = await read();
  if (!created) throw new Error('the subscriber link secret is missing after its insert');
  return created;
}

const macOf = (secret: Buffer, purpose: SubscriberTokenPurpose, fields: string[]): Buffer =>
  createHmac('sha256', secret)
    .update(['herald-subscriber-link', purpose, ...fields].join('\n'))
    .digest();

/** Signs the links of many emails with one read of the secret (the fan-out's batches). */
export async function subscriberLinkSigner(
  db: Database,
  now: Date,
): Promise<{ sign(purpose: 'manage' | 'unsubscribe', recipient: { subscriberId: string; linkVersion: number }): string }> {
  const secret = await linkSecret(db, now);
  return {
    sign(purpose, recipient) {
      const fields = purpose === 'manage' ? [recipient.subscriberId, String(recipient.linkVersion)] : [recipient.subscriberId];
      return [...fields, macOf(secret, purpose, fields).toString('base64url')].join('.');
    },
  };
}

/** A link for one purpose: manage and unsubscribe links last as long as the subscription, a confirmation link 48 hours. */
export async function mintSubscriberToken(
  db: Database,
  options: { subscriberId: string; purpose: SubscriberTokenPurpose; now: Date },
): Promise<string> {
  if (options.purpose === 'confirm') {
    const secret = await linkSecret(db, options.now);
    const fields = [options.subscriberId, String(options.now.getTime() + CONFIRMATION_TTL_MS)];
    return [...fields, macOf(secret, 'confirm', fields).toString('base64url')].join('.');
  }
  const [row] = await db.select({ linkVersion: subscriber.linkVersion }).from(subscriber).where(eq(subscriber.id, options.subscriberId));
  const signer = await subscriberLinkSigner(db, options.now);
  return signer.sign(options.purpose, { subscriberId: options.subscriberId, linkVersion: row?.linkVersion ?? 0 });
}

export type TokenCheck =
  { ok: true; subscriberId: string; email: string; state: 'pending' | 'confirmed' } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

const FIELD_COUNT: Record<SubscriberTokenPurpose, number> = { unsubscribe: 1, manage: 2, confirm: 2 };
const LINK_SHAPE = /^[a-z2-7]{16}(\.\d{1,15})*\.[A-Za-z0-9_-]{43}$/;

/** The fields a link signs, when its signature is right for the purpose (compared in constant time). */
async function verifiedFields(db: Database, token: string, purpose: SubscriberTokenPurpose, now: Date): Promise<string[] | null> {
  if (!LINK_SHAPE.test(token)) return null;
  const parts = token.split('.');
  const presented = Buffer.from(parts.pop() ?? '', 'base64url');
  if (parts.length !== FIELD_COUNT[purpose]) return null;
  const expected = macOf(await linkSecret(db, now), purpose, parts);
  return presented.length === expected.length && timingSafeEqual(presented, expected) ? parts : null;
}

/** Finds the subscriber a link names, for exactly one purpose: a manage link never confirms, and so on. */
export async function checkSubscriberToken(db: Database, token: string, purpose: SubscriberTokenPurpose, now: Date): Promise<TokenCheck> {
  const fields = await verifiedFields(db, token, purpose, now);
  const [subscriberId = '', bound = '0'] = fields ?? [];
  if (!fields) return { ok: false, reason: 'invalid' };
  const [row] = await db.select().from(subscriber).where(eq(subscriber.id, subscriberId));
  if (!row) return { ok: false, reason: 'invalid' };
  const found = { ok: true as const, subscriberId: row.id, email: row.email, state: row.state };
  if (purpose === 'unsubscribe') return found;
  if (purpose === 'manage') return Number(bound) === row.linkVersion ? found : { ok: false, reason: 'expired' };
  if (row.state === 'confirmed') return { ok: false, reason: 'used' };
  if (Number(bound) <= now.getTime() || pendingSubscriptionExpired(row.createdAt, now)) return { ok: false, reason: 'expired' };
  return found;
}
