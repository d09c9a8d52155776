import { bigint, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { user } from './access';
import { bytea, timestamptz } from './columns';

/** Second factors, the half-finished sign-ins waiting for one, and the devices that signed in before. */

export const secondFactorKinds = ['totp', 'passkey'] as const;
export type SecondFactorKind = (typeof secondFactorKinds)[number];

/**
 * A user's authenticator app (TOTP, RFC 6238) or passkey / security key (WebAuthn). An app is
 * stored unconfirmed while it is being enrolled, and counts once the user typed a code from it.
 */
export const secondFactor = pgTable(
  'second_factor',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    kind: text({ enum: secondFactorKinds }).notNull(),
    /** The user's own name for it ("Phone", "YubiKey 5C"). */
    name: text().notNull(),
    /** TOTP: the shared key (it must be read back to check codes, so it cannot be hashed). */
    totpKey: bytea(),
    /** TOTP: the last 30-second step a code was accepted for; a code for it or an earlier one is a replay. */
    totpLastStep: bigint({ mode: 'number' }),
    /** WebAuthn: the credential id (base64url), its COSE public key and its signature counter. */
    credentialId: text(),
    publicKey: bytea(),
    signCount: bigint({ mode: 'number' }),
    transports: jsonb().$type<string[]>(),
    createdAt: timestamptz().notNull(),
    confirmedAt: timestamptz(),
    lastUsedAt: timestamptz(),
  },
  (table) => [index('second_factor_user_id_idx').on(table.userId), uniqueIndex('second_factor_credential_id_idx').on(table.credentialId)],
);
export type SecondFactorRow = typeof secondFactor.$inferSelect;

/** Ten single-use codes per user for when their second factor is lost; only SHA-256 hashes are kept. */
export const recoveryCode = pgTable(
  'recovery_code',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    codeHash: bytea().notNull(),
    createdAt: timestamptz().notNull(),
    usedAt: timestamptz(),
  },
  (table) => [index('recovery_code_user_id_idx').on(table.userId)],
);

/**
 * A sign-in whose password was right and which waits for the second factor: its own short-lived
 * token (cookie `herald_sign_in`), a few tries, and the WebAuthn challenge it was given.
 */
export const pendingSignIn = pgTable(
  'pending_sign_in',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    secretHash: bytea().notNull(),
    /** Where to go once signed in. */
    next: text().notNull(),
    createdAt: timestamptz().notNull(),
    expiresAt: timestamptz().notNull(),
    failures: integer().notNull().default(0),
    challenge: text(),
  },
  (table) => [index('pending_sign_in_user_id_idx').on(table.userId)],
);

/**
 * OWASP's device cookie: a browser that signed in to this account before carries a token for
 * it, and keeps signing in while strangers have the account throttled. Failures through one
 * device lock that device only.
 */
export const knownDevice = pgTable(
  'known_device',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    secretHash: bytea().notNull(),
    createdAt: timestamptz().notNull(),
    lastUsedAt: timestamptz().notNull(),
    failures: integer().notNull().default(0),
    lockedUntil: timestamptz(),
  },
  (table) => [index('known_device_user_id_idx').on(table.userId)],
);
