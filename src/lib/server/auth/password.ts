import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

/** argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane). */
const argon2Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

const MIN_LENGTH = 12;
const MAX_LENGTH = 256;

/** What the forms that choose a password say under the field. */
export const PASSWORD_HINT = `At least ${MIN_LENGTH} characters, and not one of the most common passwords.`;

let commonPasswords: Set<string> | undefined;

/** Whether the password is among the ~49,000 most common ones (zxcvbn's list, all lower case), in any case. */
function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common']);
  return commonPasswords.has(password.toLowerCase());
}

/** A new password (NIST SP 800-63B): long enough, not absurdly long, and not a known common one. */
export const passwordSchema = z
  .string({ error: 'Password is required.' })
  .min(MIN_LENGTH, `Use at least ${MIN_LENGTH} characters.`)
  .max(MAX_LENGTH, `Use at most ${MAX_LENGTH} characters.`)
  .refine((password) => !isCommonPassword(password), 'This password is one of the most common ones; choose another.');

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
