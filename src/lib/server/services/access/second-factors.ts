import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { and, asc, count, eq, gt, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { matchTotpStep, newTotpKey, totpKeyText, totpKeyUri, totpQrDataUrl } from '../../auth/totp';
import type { Database } from '../../db';
import { recoveryCode, secondFactor, type SecondFactorKind, type SecondFactorRow } from '../../db/schema';
import { newId, randomBytes } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import type { Transaction } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';
import { getPageSettings } from '../settings/page-settings';
import type { StaffActor } from './users';

/** A factor as its owner sees it listed. */
export interface SecondFactorSummary {
  id: string;
  kind: SecondFactorKind;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** An app being enrolled: shown as a QR code and as text until a code from it is typed. */
export interface TotpEnrolment {
  factorId: string;
  name: string;
  keyText: string;
  qrDataUrl: string;
}

const RECOVERY_CODE_COUNT = 10;
/** An unconfirmed app is dropped after this long. */
const ENROLMENT_TTL_MS = 15 * 60 * 1000;

const factorNameInput = z.object({ name: requiredText('Name', 60) });
const totpConfirmInput = z.object({
  factorId: z.string().min(1, 'Start again: add the app first.'),
  code: z.string().trim().min(1, 'Enter the 6-digit code the app shows.'),
});

export async function listSecondFactors(db: Database, userId: string): Promise<SecondFactorSummary[]> {
  return db
    .select({
      id: secondFactor.id,
      kind: secondFactor.kind,
      name: secondFactor.name,
      createdAt: secondFactor.createdAt,
      lastUsedAt: secondFactor.lastUsedAt,
    })
    .from(secondFactor)
    .where(and(eq(secondFactor.userId, userId), isNotNull(secondFactor.confirmedAt)))
    .orderBy(asc(secondFactor.createdAt));
}

/** How many unused recovery codes the user has left. */
export async function recoveryCodesLeft(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ value: count() })
    .from(recoveryCode)
    .where(and(eq(recoveryCode.userId, userId), isNull(recoveryCode.usedAt)));
  return row?.value ?? 0;
}

/** Begins adding an authenticator app: a new key, kept unconfirmed until a code from it is typed. */
export async function startTotpEnrolment(
  context: ServiceContext,
  actor: StaffActor,
  input: { name: string },
): Promise<ServiceResult<{ factorId: string }>> {
  const parsed = parseInput(factorNameInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    await tx
      .delete(secondFactor)
      .where(and(eq(secondFactor.userId, actor.userId), eq(secondFactor.kind, 'totp'), isNull(secondFactor.confirmedAt)));
    const factorId = newId();
    await tx
      .insert(secondFactor)
      .values({ id: factorId, userId: actor.userId, kind: 'totp', name: parsed.value.name, totpKey: newTotpKey(), createdAt: now });
    return success({ factorId });
  });
}

/** The app the user is adding right now, if any, with its QR code. */
export async function currentTotpEnrolment(context: ServiceContext, user: { id: string; email: string }): Promise<TotpEnrolment | null> {
  const since = new Date(context.clock.now().getTime() - ENROLMENT_TTL_MS);
  const [row] = await context.db
    .select()
    .from(secondFactor)
    .where(
      and(
        eq(secondFactor.userId, user.id),
        eq(secondFactor.kind, 'totp'),
        isNull(secondFactor.confirmedAt),
        gt(secondFactor.createdAt, since),
      ),
    );
  if (!row?.totpKey) return null;
  const page = await getPageSettings(context);
  const key = new Uint8Array(row.totpKey);
  return {
    factorId: row.id,
    name: row.name,
    keyText: totpKeyText(key),
    qrDataUrl: await totpQrDataUrl(totpKeyUri(page.name, user.email, key)),
  };
}

/**
 * Confirms the app with a code from it. The first factor a user adds also gives them their
 * recovery codes, returned this once (only hashes are kept).
 */
export async function confirmTotpEnrolment(
  context: ServiceContext,
  actor: StaffActor,
  input: { factorId: string; code: string },
): Promise<ServiceResult<{ name: string; recoveryCodes: string[] | null }>> {
  const parsed = parseInput(totpConfirmInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  const since = new Date(now.getTime() - ENROLMENT_TTL_MS);
  return context.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(secondFactor)
      .where(
        and(
          eq(secondFactor.id, parsed.value.factorId),
          eq(secondFactor.userId, actor.userId),
          isNull(secondFactor.confirmedAt),
          gt(secondFactor.createdAt, since),
        ),
      );
    if (!row?.totpKey) return notFound('This enrolment has expired. Add the app again.');
    const step = matchTotpStep(new Uint8Array(row.totpKey), parsed.value.code, now, null);
    if (step === null)
      return invalid({ code: 'That code is not right. Check the app and the time on your phone, and try the newest code.' });
    await tx.update(secondFactor).set({ confirmedAt: now, totpLastStep: step, lastUsedAt: now }).where(eq(secondFactor.id, row.id));
    await recordFactorChange(context, tx, actor, now, { action: 'factor.totp_add', factor: row });
    return success({ name: row.name, recoveryCodes: await firstRecoveryCodes(tx, actor.userId, now) });
  });
}

/**
 * A user who just added a factor and holds no recovery codes gets their ten, returned this once
 * (only hashes are kept); null when they have codes already.
 */
export async function firstRecoveryCodes(db: Database, userId: string, now: Date): Promise<string[] | null> {
  return (await recoveryCodesLeft(db, userId)) === 0 ? replaceRecoveryCodes(db, userId, now) : null;
}

/**
 * Every change to a user's factors is audited (the factor as entity) and emailed to the user
 * (ASVS V2.2.3: a stolen session adding its own factor does not go unnoticed).
 */
export async function recordFactorChange(
  context: ServiceContext,
  tx: Transaction,
  actor: StaffActor,
  now: Date,
  change: {
    action: 'factor.totp_add' | 'factor.passkey_add' | 'factor.remove';
    factor: Pick<SecondFactorRow, 'id' | 'userId' | 'kind' | 'name'>;
  },
): Promise<void> {
  const { factor } = change;
  await recordAudit(tx, actor, now, {
    action: change.action,
    entityType: 'second_factor',
    entityId: factor.id,
    after: { userId: factor.userId, kind: factor.kind, name: factor.name },
  });
  await context.queue.send(tx, 'factor-changed', {
    userId: factor.userId,
    change: change.action === 'factor.remove' ? 'removed' : 'added',
    factorName: factor.name,
    at: now.toISOString(),
  });
}

/** Removes one of the user's own factors; the last one takes the recovery codes with it. */
export async function removeSecondFactor(
  context: ServiceContext,
  actor: StaffActor,
  factorId: string,
): Promise<ServiceResult<{ name: string }>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(secondFactor)
      .where(and(eq(secondFactor.id, factorId), eq(secondFactor.userId, actor.userId)))
      .returning();
    if (!removed) return notFound('That factor does not exist (or is not yours).');
    if ((await listSecondFactors(tx, actor.userId)).length === 0)
      await tx.delete(recoveryCode).where(eq(recoveryCode.userId, actor.userId));
    await recordFactorChange(context, tx, actor, now, { action: 'factor.remove', factor: removed });
    return success({ name: removed.name });
  });
}

/** Ten new recovery codes, replacing the old ones; only for a user with a second factor. */
export async function regenerateRecoveryCodes(context: ServiceContext, actor: StaffActor): Promise<ServiceResult<string[]>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    if ((await listSecondFactors(tx, actor.userId)).length === 0) return notFound('Add an authenticator app or a passkey first.');
    const codes = await replaceRecoveryCodes(tx, actor.userId, now);
    await recordAudit(tx, actor, now, { action: 'factor.recovery_codes', entityType: 'user', entityId: actor.userId });
    await context.queue.send(tx, 'factor-changed', {
      userId: actor.userId,
      change: 'recovery_codes',
      factorName: '',
      at: now.toISOString(),
    });
    return success(codes);
  });
}

function formatRecoveryCode(): string {
  const text = encodeBase32LowerCaseNoPadding(randomBytes(7)).slice(0, 10);
  return `${text.slice(0, 5)}-${text.slice(5)}`;
}

const normaliseRecoveryCode = (typed: string) => typed.toLowerCase().replace(/[^a-z2-7]/g, '');

/**
 * A code has 50 random bits, fewer than the 112 ASVS V2.6.2 asks of an unsalted hash, so each is
 * stored as a random 32-bit salt followed by SHA-256(salt ‖ code).
 */
const SALT_BYTES = 4;

function saltedHash(code: string, salt: Uint8Array = randomBytes(SALT_BYTES)): Uint8Array {
  const digest = sha256(new Uint8Array([...salt, ...new TextEncoder().encode(code)]));
  return new Uint8Array([...salt, ...digest]);
}

function codeMatches(code: string, stored: Uint8Array): boolean {
  const expected = saltedHash(code, stored.slice(0, SALT_BYTES));
  return expected.length === stored.length && constantTimeEqual(expected, stored);
}

async function replaceRecoveryCodes(tx: Transaction, userId: string, now: Date): Promise<string[]> {
  await tx.delete(recoveryCode).where(eq(recoveryCode.userId, userId));
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, formatRecoveryCode);
  await tx
    .insert(recoveryCode)
    .values(codes.map((code) => ({ id: newId(), userId, codeHash: saltedHash(normaliseRecoveryCode(code)), createdAt: now })));
  return codes;
}

/** Checks a code from one of the user's apps; each code (each 30-second step) works once. */
export async function verifyTotpCode(db: Database, userId: string, code: string, now: Date): Promise<boolean> {
  const apps = await db
    .select()
    .from(secondFactor)
    .where(and(eq(secondFactor.userId, userId), eq(secondFactor.kind, 'totp'), isNotNull(secondFactor.confirmedAt)));
  for (const app of apps) {
    if (!app.totpKey) continue;
    const step = matchTotpStep(new Uint8Array(app.totpKey), code, now, app.totpLastStep);
    if (step === null) continue;
    // Two requests with the same code: only the one that moves the step forward wins.
    const [claimed] = await db
      .update(secondFactor)
      .set({ totpLastStep: step, lastUsedAt: now })
      .where(and(eq(secondFactor.id, app.id), or(isNull(secondFactor.totpLastStep), sql`${secondFactor.totpLastStep} < ${step}`)))
      .returning({ id: secondFactor.id });
    if (claimed) return true;
  }
  return false;
}

/** Spends one of the user's recovery codes; false when it is not one of theirs or already used. */
export async function useRecoveryCode(db: Database, userId: string, typed: string, now: Date): Promise<boolean> {
  const normalised = normaliseRecoveryCode(typed);
  if (normalised.length !== 10) return false;
  const unused = await db
    .select({ id: recoveryCode.id, codeHash: recoveryCode.codeHash })
    .from(recoveryCode)
    .where(and(eq(recoveryCode.userId, userId), isNull(recoveryCode.usedAt)));
  const match = unused.find((row) => codeMatches(normalised, new Uint8Array(row.codeHash)));
  if (!match) return false;
  // Two requests with the same code: only the one that marks it used wins.
  const [spent] = await db
    .update(recoveryCode)
    .set({ usedAt: now })
    .where(and(eq(recoveryCode.id, match.id), isNull(recoveryCode.usedAt)))
    .returning({ id: recoveryCode.id });
  return spent !== undefined;
}

/** Which kinds of factor the user has, for the pages that offer them. */
export async function factorKindsOf(db: Database, userId: string): Promise<Set<SecondFactorKind>> {
  return new Set((await listSecondFactors(db, userId)).map((factor) => factor.kind));
}
