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
    /** Null until the user sets a password through their one-time link. */
    passwordHash: text(),
    createdAt: timestamptz().notNull(),
    disabledAt: timestamptz(),
  },
  (table) => [uniqueIndex('user_email_idx').on(sql`lower(${table.email})`)],
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
  },
  (table) => [index('session_user_id_idx').on(table.userId)],
);

/** One-time links that let a new user (or one who lost it) set a password. */
export const passwordToken = pgTable(
  'password_token',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
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
