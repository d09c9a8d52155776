import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns';
import { roleEnum } from './enums';

/** Staff accounts, their sessions and password links, and the rate limits that guard signing in. */

export const user = pgTable(
  'user',
  {
    id: text().primaryKey(),
    email: text().notNull(),
    name: text().notNull(),
    role: roleEnum().notNull(),
    /** Null until the user sets a password through their one-time link (and for users who only sign in by SSO). */
    passwordHash: text(),
    /** When the password was last set, shown on the account page. */
    passwordChangedAt: timestamptz(),
    /** `<issuer> <sub>` of the OpenID Connect account linked to this user, once they signed in by SSO. */
    ssoSubject: text(),
    createdAt: timestamptz().notNull(),
    disabledAt: timestamptz(),
  },
  (table) => [uniqueIndex('user_email_idx').on(sql`lower(${table.email})`), uniqueIndex('user_sso_subject_idx').on(table.ssoSubject)],
);
export type UserRow = typeof user.$inferSelect;

/** Sessions per Lucia's design: the token is `<id>.<secret>`, only the secret's SHA-256 is stored. */
export const session = pgTable(
  'session',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    secretHash: bytea().notNull(),
    createdAt: timestamptz().notNull(),
    lastActiveAt: timestamptz().notNull(),
    /** When the user last proved who they are in this session (sign-in or re-authentication). */
    verifiedAt: timestamptz().notNull(),
    /** How the session began: password, password+totp, password+passkey, recovery_code, sso. */
    method: text().notNull().default('password'),
    /** The browser's User-Agent and the client address at sign-in, for the "your sessions" page. */
    userAgent: text().notNull().default(''),
    address: text().notNull().default(''),
    /** A WebAuthn challenge this session is answering (adding a passkey, re-authenticating). */
    challenge: text(),
    challengeExpiresAt: timestamptz(),
  },
  (table) => [index('session_user_id_idx').on(table.userId)],
);
export type SessionRow = typeof session.$inferSelect;

/** Why a set-password link was made: a new user's invitation, or a forgotten password. */
export const passwordTokenPurposes = ['invitation', 'reset'] as const;

/** One-time links that let a new user (or one who lost it) set a password. */
export const passwordToken = pgTable(
  'password_token',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    purpose: text({ enum: passwordTokenPurposes }).notNull().default('invitation'),
    secretHash: bytea().notNull(),
    createdAt: timestamptz().notNull(),
    expiresAt: timestamptz().notNull(),
    usedAt: timestamptz(),
  },
  (table) => [index('password_token_user_id_idx').on(table.userId)],
);

/** Fixed-window counters for rate limits, shared by every Herald process. */
export const rateLimit = pgTable('rate_limit', {
  key: text().primaryKey(),
  count: integer().notNull(),
  resetAt: timestamptz().notNull(),
});
