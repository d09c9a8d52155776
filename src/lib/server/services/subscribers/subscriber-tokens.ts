import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db';
import { subscriber, subscriberToken, subscriberTokenPurposes } from '../../db/schema';
import { issueToken, parseToken, secretMatches } from '../../auth/tokens';

export type SubscriberTokenPurpose = (typeof subscriberTokenPurposes)[number];

/** How long a confirmation link works. */
export const CONFIRMATION_TTL_MS = 48 * 60 * 60 * 1000;

/** Mints a link token for one purpose; manage and unsubscribe links last as long as the subscription. */
export async function mintSubscriberToken(
  db: Database,
  options: { subscriberId: string; purpose: SubscriberTokenPurpose; now: Date; expiresAt?: Date | null },
): Promise<string> {
  const issued = issueToken();
  await db.insert(subscriberToken).values({
    id: issued.id,
    subscriberId: options.subscriberId,
    purpose: options.purpose,
    secretHash: issued.secretHash,
    createdAt: options.now,
    expiresAt: options.expiresAt ?? null,
  });
  return issued.token;
}

export type TokenCheck =
  | { ok: true; tokenId: string; subscriberId: string; email: string; state: 'pending' | 'confirmed' }
  | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** Finds the subscriber a link names, for exactly one purpose: a manage link never confirms, and so on. */
export async function checkSubscriberToken(db: Database, token: string, purpose: SubscriberTokenPurpose, now: Date): Promise<TokenCheck> {
  const parts = parseToken(token);
  if (!parts) return { ok: false, reason: 'invalid' };
  const [row] = await db
    .select({
      id: subscriberToken.id,
      purpose: subscriberToken.purpose,
      secretHash: subscriberToken.secretHash,
      expiresAt: subscriberToken.expiresAt,
      usedAt: subscriberToken.usedAt,
      subscriberId: subscriber.id,
      email: subscriber.email,
      state: subscriber.state,
    })
    .from(subscriberToken)
    .innerJoin(subscriber, eq(subscriber.id, subscriberToken.subscriberId))
    .where(eq(subscriberToken.id, parts.id));
  if (!row || row.purpose !== purpose || !secretMatches(parts.secret, row.secretHash)) return { ok: false, reason: 'invalid' };
  if (row.usedAt !== null) return { ok: false, reason: 'used' };
  if (row.expiresAt !== null && row.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, tokenId: row.id, subscriberId: row.subscriberId, email: row.email, state: row.state };
}

/** Spends a single-use token; false when another request spent it first. */
export async function spendSubscriberToken(db: Database, tokenId: string, now: Date): Promise<boolean> {
  const spent = await db
    .update(subscriberToken)
    .set({ usedAt: now })
    .where(and(eq(subscriberToken.id, tokenId), isNull(subscriberToken.usedAt)))
    .returning({ id: subscriberToken.id });
  return spent.length === 1;
}
