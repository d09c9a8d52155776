import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';

/** argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane). */
const argon2Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const passwordSchema = z
  .string({ error: 'Password is required.' })
  .min(10, 'Use at least 10 characters.')
  .max(256, 'Use at most 256 characters.');

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no hash (unknown account, or one that has
 * not set a password) it still spends the same time, so timing does not reveal accounts.
 */
export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  if (storedHash === null) {
    dummyHash ??= hashPassword('herald-timing-equaliser');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}
