import { sql } from 'drizzle-orm';
import type { Database } from '../db';
import { rateLimit } from '../db/schema';

export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A verdict with the window's numbers, for `RateLimit-*` headers. */
export type CountedVerdict = RateLimitVerdict & { remaining: number; resetSeconds: number };

/**
 * Counts one attempt against a fixed window shared by every Herald process (one upsert).
 */
export async function consumeRateLimit(db: Database, key: string, rule: RateLimitRule, now: Date): Promise<CountedVerdict> {
  const resetAt = new Date(now.getTime() + rule.windowMs);
  // Dates go into raw SQL as ISO text: both drivers then agree on the parameter's type.
  const nowText = now.toISOString();
  const resetText = resetAt.toISOString();
  const [row] = await db
    .insert(rateLimit)
    .values({ key, count: 1, resetAt })
    .onConflictDoUpdate({
      target: rateLimit.key,
      set: {
        count: sql`case when ${rateLimit.resetAt} <= ${nowText}::timestamptz then 1 else ${rateLimit.count} + 1 end`,
        resetAt: sql`case when ${rateLimit.resetAt} <= ${nowText}::timestamptz then ${resetText}::timestamptz else ${rateLimit.resetAt} end`,
      },
    })
    .returning();
  if (!row) throw new Error('The rate-limit upsert returned no row.');
  const resetSeconds = Math.max(1, Math.ceil((row.resetAt.getTime() - now.getTime()) / 1000));
  const remaining = Math.max(0, rule.limit - row.count);
  if (row.count <= rule.limit) return { allowed: true, remaining, resetSeconds };
  return { allowed: false, retryAfterSeconds: resetSeconds, remaining, resetSeconds };
}

export async function clearRateLimit(db: Database, key: string): Promise<void> {
  await db.delete(rateLimit).where(sql`${rateLimit.key} = ${key}`);
}

/** Whether one more attempt would be allowed, without counting it (for limits on failures only). */
export async function peekRateLimit(db: Database, key: string, rule: RateLimitRule, now: Date): Promise<RateLimitVerdict> {
  const [row] = await db
    .select()
    .from(rateLimit)
    .where(sql`${rateLimit.key} = ${key}`);
  if (!row || row.resetAt <= now || row.count < rule.limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((row.resetAt.getTime() - now.getTime()) / 1000)) };
}
