import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** Random bytes from the platform's CSPRNG. */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

/** A public id in the Statuspage style: 16 lowercase base32 characters (80 random bits). */
export function newId(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(10));
}

/** A secret for tokens: 24 lowercase base32 characters (120 random bits). */
export function newSecret(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(15));
}
