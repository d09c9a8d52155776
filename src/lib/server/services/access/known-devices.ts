import { and, eq, lt } from 'drizzle-orm';
import { issueToken, parseToken, secretMatches } from '../../auth/tokens';
import type { Database } from '../../db';
import { knownDevice } from '../../db/schema';

/** Wrong passwords through one known device before that device is locked out (OWASP: lock the device, not the account). */
const DEVICE_FAILURE_LIMIT = 10;
const DEVICE_LOCK_MS = 60 * 60 * 1000;
/** How long a browser stays known after its last sign-in. */
export const KNOWN_DEVICE_TTL_MS = 90 * 24 * 60 * 60 * 1000;

export type DeviceStanding = { known: false } | { known: true; deviceId: string; locked: boolean };

/** Whether the presented device token names a browser that signed in to this user before. */
export async function deviceStanding(db: Database, token: string | undefined, userId: string | null, now: Date): Promise<DeviceStanding> {
  const parts = token ? parseToken(token) : null;
  if (!parts || !userId) return { known: false };
  const [row] = await db
    .select()
    .from(knownDevice)
    .where(and(eq(knownDevice.id, parts.id), eq(knownDevice.userId, userId)));
  if (!row || !secretMatches(parts.secret, row.secretHash)) return { known: false };
  if (now.getTime() - row.lastUsedAt.getTime() >= KNOWN_DEVICE_TTL_MS) return { known: false };
  return { known: true, deviceId: row.id, locked: row.lockedUntil !== null && row.lockedUntil > now };
}

/** A wrong password or code through a known device: counted, and the device locked at the limit. */
export async function recordDeviceFailure(db: Database, deviceId: string, now: Date): Promise<void> {
  const [row] = await db.select().from(knownDevice).where(eq(knownDevice.id, deviceId));
  if (!row) return;
  const failures = row.lockedUntil !== null && row.lockedUntil <= now ? 1 : row.failures + 1;
  const lockedUntil = failures >= DEVICE_FAILURE_LIMIT ? new Date(now.getTime() + DEVICE_LOCK_MS) : null;
  await db.update(knownDevice).set({ failures, lockedUntil }).where(eq(knownDevice.id, deviceId));
}

/**
 * After a successful sign-in: a fresh token for this browser (the old one, if any, is replaced,
 * so a copied cookie stops working at the owner's next sign-in).
 */
export async function rememberDevice(db: Database, userId: string, previousDeviceId: string | null, now: Date): Promise<string> {
  if (previousDeviceId) await db.delete(knownDevice).where(eq(knownDevice.id, previousDeviceId));
  // Browsers whose cookie is long gone (cleared, expired) are forgotten as the user signs in again.
  await db
    .delete(knownDevice)
    .where(and(eq(knownDevice.userId, userId), lt(knownDevice.lastUsedAt, new Date(now.getTime() - KNOWN_DEVICE_TTL_MS))));
  const issued = issueToken();
  await db.insert(knownDevice).values({ id: issued.id, userId, secretHash: issued.secretHash, createdAt: now, lastUsedAt: now });
  return issued.token;
}
