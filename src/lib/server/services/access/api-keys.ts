import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Role } from '../../../domain/roles';
import { hashSecret, secretMatches } from '../../auth/tokens';
import { apiKey, type ApiKeyRow } from '../../db/schema';
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

const KEY_PREFIX = 'herald_';

export const createApiKeyInput = z.object({
  name: requiredText('Name', 100),
  role: z.enum(apiKeyRoles, { error: 'Choose viewer, responder or admin.' }),
  /** Days until it stops working; blank, null or absent: it never expires. */
  expiresInDays: z.preprocess(
    (value) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value),
    z.coerce
      .number({ error: 'Enter a number of days.' })
      .int('Enter a whole number of days.')
      .min(1, 'Enter at least 1 day.')
      .max(3650, 'Enter at most 3650 days (ten years).')
      .optional(),
  ),
});

/** What an authenticated request acts as. */
export interface ApiPrincipal {
  keyId: string;
  name: string;
  role: (typeof apiKeyRoles)[number];
  actor: Actor;
}

export type ApiKeyRejection = 'malformed' | 'unknown' | 'revoked' | 'expired';

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
      expiresAt: values.expiresInDays ? new Date(now.getTime() + values.expiresInDays * 86_400_000) : null,
    });
    await recordAudit(tx, actor, now, { action: 'api_key.create', entityType: 'api_key', entityId: id, after: summary(row) });
    return success({ key: summary(row), token: `${KEY_PREFIX}${id}.${secret}` });
  });
}

/** Every key, the active ones first, newest first within each. */
export async function listApiKeys(context: Pick<ServiceContext, 'db'>): Promise<ApiKeySummary[]> {
  const rows = await context.db
    .select()
    .from(apiKey)
    .orderBy(sql`${apiKey.revokedAt} is not null`, desc(apiKey.createdAt));
  return rows.map(summary);
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
 * Checks a presented key (`herald_<id>.<secret>`): known, not revoked, not expired, and the
 * secret matching in constant time. Marks it used.
 */
export async function authenticateApiKey(
  context: ServiceContext,
  token: string,
): Promise<{ ok: true; principal: ApiPrincipal } | { ok: false; reason: ApiKeyRejection }> {
  const [, keyId, secret] = /^herald_([a-z2-7]{16})\.([a-z2-7]{24})$/.exec(token) ?? [];
  if (!keyId || !secret) return { ok: false, reason: 'malformed' };
  const [row] = await context.db.select().from(apiKey).where(eq(apiKey.id, keyId));
  if (!row || !secretMatches(secret, row.secretHash)) return { ok: false, reason: 'unknown' };
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  const now = context.clock.now();
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
    await context.db.update(apiKey).set({ lastUsedAt: now }).where(eq(apiKey.id, row.id));
  }
  return {
    ok: true,
    principal: {
      keyId: row.id,
      name: row.name,
      role: row.role as ApiPrincipal['role'],
      actor: { userId: null, label: apiKeyActorLabel(row.name) },
    },
  };
}
