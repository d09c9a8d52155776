import { eq } from 'drizzle-orm';
import type { Database } from '../../db';
import { setting } from '../../db/schema';
import type { Transaction } from '../kernel/rows';

/**
 * The `setting` table holds one JSON value per key (page, communication, webhooks, intake…).
 * Each key's owner parses what it reads, so a value stored by an older version never breaks a page.
 */

/** The stored row of one setting; undefined until it is first saved. */
export async function readSetting(db: Database, key: string): Promise<{ value: unknown; updatedAt: Date } | undefined> {
  const [row] = await db.select({ value: setting.value, updatedAt: setting.updatedAt }).from(setting).where(eq(setting.key, key));
  return row;
}

/** Stores one setting's value in the caller's transaction, replacing the one before. */
export async function writeSetting(tx: Transaction, key: string, value: unknown, now: Date): Promise<void> {
  await tx
    .insert(setting)
    .values({ key, value, updatedAt: now })
    .onConflictDoUpdate({ target: setting.key, set: { value, updatedAt: now } });
}
