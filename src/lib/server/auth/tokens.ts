import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { newId, newSecret } from '../ids';

/** A token that grants access is `<id>.<secret>`; only the SHA-256 of the secret is stored. */
export interface IssuedToken {
  id: string;
  secretHash: Uint8Array;
  token: string;
}

export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export function issueToken(): IssuedToken {
  const id = newId();
  const secret = newSecret();
  return { id, secretHash: hashSecret(secret), token: `${id}.${secret}` };
}

/** Splits a presented token; null when it is not of the right shape. */
export function parseToken(token: string): { id: string; secret: string } | null {
  const [, id, secret] = /^([a-z2-7]{16})\.([a-z2-7]{24})$/.exec(token) ?? [];
  return id && secret ? { id, secret } : null;
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const presented = hashSecret(secret);
  return presented.length === storedHash.length && constantTimeEqual(presented, new Uint8Array(storedHash));
}
