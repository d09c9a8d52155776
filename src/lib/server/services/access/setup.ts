import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { decodeHex, encodeHexLowerCase } from '@oslojs/encoding';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword } from '../../auth/password';
import { consumeRateLimit, peekRateLimit, type RateLimitRule } from '../../auth/rate-limit';
import { hashSecret } from '../../auth/tokens';
import type { Database } from '../../db';
import { setting, user } from '../../db/schema';
import { newId, newSecret } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { ServiceContext } from '../kernel/context';
import { conflict, forbidden, invalid, success, type ServiceResult } from '../kernel/errors';
import { insertOne } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';
import { readSetting, writeSetting } from '../settings/setting-rows';
import { newPasswordFields } from './passwords';
import { throttled, type Throttled } from './throttling';
import { countUsers, emailInput, labelOf, withoutHash, type PublicUser } from './users';

/**
 * The first start: while no account exists, /setup creates the owner, but only for whoever holds
 * the one-time setup token (HERALD_SETUP_TOKEN, or one Herald mints and prints in its log), so
 * that a fresh install reachable from the internet cannot be claimed by the first stranger.
 * Only the token's SHA-256 is stored, in the `setting` table, and it is spent with the setup.
 */

const SETUP_TOKEN_KEY = 'setup_token';
/** Wrong tokens from one client: a few typos, never a search of the token space. */
const WRONG_TOKENS_PER_CLIENT: RateLimitRule = { limit: 10, windowMs: 15 * 60 * 1000 };

export const WRONG_SETUP_TOKEN_MESSAGE = "The setup token is not right. It is printed in Herald's log at start.";
const ALREADY_SET_UP_MESSAGE = 'Herald is already set up: sign in with your account instead.';

export const ownerSetupInput = z
  .object({ email: emailInput, name: requiredText('Name', 100), ...newPasswordFields })
  .refine((value) => value.password === value.confirmPassword, { path: ['confirmPassword'], error: 'The passwords do not match.' });

/** Whether anyone has an account: until then the public page says it is not set up, and /setup is open. */
export async function isSetUp(context: Pick<ServiceContext, 'db'>): Promise<boolean> {
  return (await countUsers(context)) > 0;
}

const storedValue = (token: string) => ({ sha256: encodeHexLowerCase(hashSecret(token)) });

async function storedDigest(db: Database): Promise<Uint8Array | null> {
  const value = (await readSetting(db, SETUP_TOKEN_KEY))?.value;
  const digest = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).sha256 : undefined;
  return typeof digest === 'string' && /^[0-9a-f]{64}$/.test(digest) ? decodeHex(digest) : null;
}

/** Whether `presented` is the setup token (HERALD_SETUP_TOKEN when set, else the minted one), compared as SHA-256 digests in constant time. */
async function setupTokenMatches(db: Database, presented: string, configuredToken: string | undefined): Promise<boolean> {
  const expected = configuredToken !== undefined ? hashSecret(configuredToken) : await storedDigest(db);
  return expected !== null && constantTimeEqual(hashSecret(presented.trim()), expected);
}

export type SetupTokenAnnouncement =
  /** Someone has an account: there is nothing to set up. */
  | { kind: 'set_up' }
  /** HERALD_SETUP_TOKEN is the token; it is never printed. */
  | { kind: 'configured' }
  /** This process minted the token: print it. */
  | { kind: 'minted'; token: string }
  /** Another process minted and printed it first. */
  | { kind: 'minted_elsewhere' };

/**
 * At start, while no account exists: makes sure /setup has a token to ask for. With `replace`
 * (the embedded database: one process only) every start mints a new one, so the token in the
 * latest log lines is the one that works. Without it (PostgreSQL, where several processes may
 * start together) a token is inserted only if none is stored, so exactly one process mints and
 * prints it and the others say where it is.
 */
export async function prepareSetupToken(
  context: ServiceContext,
  options: { configuredToken: string | undefined; replace: boolean },
): Promise<SetupTokenAnnouncement> {
  if (await isSetUp(context)) return { kind: 'set_up' };
  if (options.configuredToken !== undefined) return { kind: 'configured' };
  const token = newSecret();
  const now = context.clock.now();
  if (options.replace) {
    await context.db.transaction((tx) => writeSetting(tx, SETUP_TOKEN_KEY, storedValue(token), now));
    return { kind: 'minted', token };
  }
  const inserted = await context.db
    .insert(setting)
    .values({ key: SETUP_TOKEN_KEY, value: storedValue(token), updatedAt: now })
    .onConflictDoNothing()
    .returning({ key: setting.key });
  return inserted.length > 0 ? { kind: 'minted', token } : { kind: 'minted_elsewhere' };
}

/** `herald setup-token`: a new setup token, replacing any earlier one. */
export async function mintSetupToken(context: ServiceContext, configuredToken: string | undefined): Promise<ServiceResult<string>> {
  if (configuredToken !== undefined)
    return conflict('HERALD_SETUP_TOKEN is set, so /setup asks for that token. Unset it to use a token made by this command.');
  if (await isSetUp(context)) return conflict('Herald is already set up, so /setup is closed: sign in with an owner account instead.');
  const token = newSecret();
  const now = context.clock.now();
  await context.db.transaction((tx) => writeSetting(tx, SETUP_TOKEN_KEY, storedValue(token), now));
  return success(token);
}

/**
 * Creates the first account, an owner, for the holder of the setup token, while no user exists.
 * A wrong token is `forbidden` (and counts against the client's limit) and changes nothing; once
 * anyone has an account every request is a `conflict`, however many were sent at once.
 */
export async function createFirstOwner(
  context: ServiceContext,
  input: z.input<typeof ownerSetupInput> & { setupToken: string },
  client: { clientKey: string; configuredToken: string | undefined },
): Promise<ServiceResult<PublicUser> | Throttled> {
  if (await isSetUp(context)) return conflict(ALREADY_SET_UP_MESSAGE);
  if (input.setupToken.trim() === '') return invalid({ setupToken: "Enter the setup token. It is printed in Herald's log at start." });
  const now = context.clock.now();
  const wrongTokensKey = `setup:wrong-token:${client.clientKey}`;
  const verdict = await peekRateLimit(context.db, wrongTokensKey, WRONG_TOKENS_PER_CLIENT, now);
  if (!verdict.allowed) return throttled('Too many wrong setup tokens from your network.', verdict.retryAfterSeconds);
  if (!(await setupTokenMatches(context.db, input.setupToken, client.configuredToken))) {
    await consumeRateLimit(context.db, wrongTokensKey, WRONG_TOKENS_PER_CLIENT, now);
    return forbidden(WRONG_SETUP_TOKEN_MESSAGE);
  }
  const parsed = parseInput(ownerSetupInput, input);
  if (!parsed.ok) return parsed;
  const passwordHash = await hashPassword(parsed.value.password);
  return context.db.transaction(async (tx) => {
    // Set-up forms sent at once wait here in turn: the first creates the owner, the rest find it.
    await tx.execute(sql`select pg_advisory_xact_lock(7414255002)`);
    if (await isSetUp({ db: tx })) return conflict(ALREADY_SET_UP_MESSAGE);
    const created = await insertOne(tx, user, {
      id: newId(),
      email: parsed.value.email,
      name: parsed.value.name,
      role: 'owner',
      passwordHash,
      passwordChangedAt: now,
      createdAt: now,
    });
    await tx.delete(setting).where(eq(setting.key, SETUP_TOKEN_KEY));
    await recordAudit(tx, { userId: created.id, label: labelOf(created) }, now, {
      action: 'user.setup_owner',
      entityType: 'user',
      entityId: created.id,
      after: withoutHash(created),
    });
    return success(withoutHash(created));
  });
}
