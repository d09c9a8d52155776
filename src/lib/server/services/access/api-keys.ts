import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hasRole, type Role } from '../../../domain/roles';
import { hashSecret, secretMatches } from '../../auth/tokens';
import { apiKey, user, type ApiKeyRow } from '../../db/schema';
import { newId, newSecret } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { conflict, invalid, success, type ServiceResult } from '../kernel/errors';
import { insertOne, updateOne, withLockedRow } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';

/** A key as listed: everything but the hash. */
export type ApiKeySummary = Omit<ApiKeyRow, 'secretHash'>;

/** The roles a key may hold: never owner, which manages people. */
export const apiKeyRoles = ['viewer', 'responder', 'admin'] as const satisfies readonly Role[];
type ApiKeyRole = (typeof apiKeyRoles)[number];

const KEY_PREFIX = 'herald_';

/** How long a new key works unless its creator says otherwise. */
export const DEFAULT_API_KEY_EXPIRY_DAYS = 90;

export const createApiKeyInput = z.object({
  name: requiredText('Name', 100),
  role: z.enum(apiKeyRoles, { error: 'Choose viewer, responder or admin.' }),
  /** Days until it stops working; absent: DEFAULT_API_KEY_EXPIRY_DAYS; blank or null: it never expires. */
  expiresInDays: z
    .preprocess(
      (value) => (value === null || (typeof value === 'string' && value.trim() === '') ? null : value),
      z.coerce
        .number({ error: 'Enter a number of days.' })
        .int('Enter a whole number of days.')
        .min(1, 'Enter at least 1 day.')
        .max(3650, 'Enter at most 3650 days (ten years).')
        .nullable(),
    )
    .default(DEFAULT_API_KEY_EXPIRY_DAYS),
});

/** What an authenticated request acts as. */
export interface ApiPrincipal {
  keyId: string;
  name: string;
  role: ApiKeyRole;
  actor: Actor;
}

/** Why a presented key is refused; a key whose creator lost the standing to make it names the role it holds. */
export type ApiKeyRejection =
  { reason: 'malformed' | 'unknown' | 'revoked' | 'expired' | 'creator_disabled' } | { reason: 'creator_demoted'; keyRole: Role };

/** The creator of a key as it stands now; null for a key made on the command line (no user). */
export interface ApiKeyCreator {
  role: Role;
  disabledAt: Date | null;
}

/**
 * A key acts for its creator, so it works only while they could still make it: enabled, and with
 * at least the key's role. Keys made on the command line have no creator (createdBy is null) and
 * keep working: whoever runs the command line holds the server itself.
 */
export function creatorRefusal(keyRole: Role, creator: ApiKeyCreator | null): ApiKeyRejection | null {
  if (!creator) return null;
  if (creator.disabledAt !== null) return { reason: 'creator_disabled' };
  if (!hasRole(creator.role, keyRole)) return { reason: 'creator_demoted', keyRole };
  return null;
}

/** A key as listed, with its creator's standing. */
export type ListedApiKey = ApiKeySummary & { creator: ApiKeyCreator | null };

/** The audit log names a key's writes by the key: `API key "deploy-bot"`. */
export const apiKeyActorLabel = (name: string) => `API key "${name}"`;

const summary = ({ secretHash: _hash, ...rest }: ApiKeyRow): ApiKeySummary => rest;

/** Creates a key; the token is returned this once and never stored. */
export async function createApiKey(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof createApiKeyInput>,
): Promise<ServiceResult<{ key: ApiKeySummary; token: string }>> {
  const parsed = parseInput(createApiKeyInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  const id = newId();
  const secret = newSecret();
  return context.db.transaction(async (tx) => {
    const [taken] = await tx
      .select({ id: apiKey.id })
      .from(apiKey)
      .where(and(sql`lower(${apiKey.name}) = lower(${values.name})`, isNull(apiKey.revokedAt)));
    if (taken) return invalid({ name: 'A key with this name exists already: choose another name, or revoke that key first.' });
    const row = await insertOne(tx, apiKey, {
      id,
      name: values.name,
      role: values.role,
      secretHash: hashSecret(secret),
      createdAt: now,
      createdBy: actor.userId,
      createdByLabel: actor.label,
      expiresAt: values.expiresInDays === null ? null : new Date(now.getTime() + values.expiresInDays * 86_400_000),
    });
    await recordAudit(tx, actor, now, { action: 'api_key.create', entityType: 'api_key', entityId: id, after: summary(row) });
    return success({ key: summary(row), token: `${KEY_PREFIX}${id}.${secret}` });
  });
}

/** Every key with its creator, the active ones first, newest first within each. */
export async function listApiKeys(context: Pick<ServiceContext, 'db'>): Promise<ListedApiKey[]> {
  const rows = await context.db
    .select({ key: apiKey, creator: { role: user.role, disabledAt: user.disabledAt } })
    .from(apiKey)
    .leftJoin(user, eq(user.id, apiKey.createdBy))
    .orderBy(sql`${apiKey.revokedAt} is not null`, desc(apiKey.createdAt));
  return rows.map((row) => ({ ...summary(row.key), creator: row.creator }));
}

export async function revokeApiKey(context: ServiceContext, actor: Actor, keyId: string): Promise<ServiceResult<ApiKeySummary>> {
  const now = context.clock.now();
  return withLockedRow(context.db, apiKey, eq(apiKey.id, keyId), 'That API key does not exist.', async (tx, row) => {
    if (row.revokedAt) return conflict('That API key is already revoked.');
    const after = await updateOne(tx, apiKey, eq(apiKey.id, keyId), { revokedAt: now });
    await recordAudit(tx, actor, now, {
      action: 'api_key.revoke',
      entityType: 'api_key',
      entityId: keyId,
      before: { name: row.name, role: row.role },
    });
    return success(summary(after));
  });
}

/** Last-used times are written at most this often per key, so a busy key does not write on every call. */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Checks a presented key (`herald_<id>.<secret>`): known, the secret matching in constant time,
 * not revoked, not expired, and its creator still enabled and holding the key's role (read in
 * the same query). Marks it used.
 */
export async function authenticateApiKey(
  context: ServiceContext,
  token: string,
): Promise<{ ok: true; principal: ApiPrincipal } | ({ ok: false } & ApiKeyRejection)> {
  const [, keyId, secret] = /^herald_([a-z2-7]{16})\.([a-z2-7]{24})$/.exec(token) ?? [];
  if (!keyId || !secret) return { ok: false, reason: 'malformed' };
  const [found] = await context.db
    .select({ key: apiKey, creator: { role: user.role, disabledAt: user.disabledAt } })
    .from(apiKey)
    .leftJoin(user, eq(user.id, apiKey.createdBy))
    .where(eq(apiKey.id, keyId));
  if (!found || !secretMatches(secret, found.key.secretHash)) return { ok: false, reason: 'unknown' };
  const row = found.key;
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  const now = context.clock.now();
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  const refusal = creatorRefusal(row.role, found.creator);
  if (refusal) return { ok: false, ...refusal };
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
    await context.db.update(apiKey).set({ lastUsedAt: now }).where(eq(apiKey.id, row.id));
  }
  return {
    ok: true,
    principal: {
      keyId: row.id,
      name: row.name,
      role: row.role as ApiKeyRole,
      actor: { userId: null, label: apiKeyActorLabel(row.name) },
    },
  };
}
