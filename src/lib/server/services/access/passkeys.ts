import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { COSEALG } from '@simplewebauthn/server/helpers';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { config } from '../../config';
import type { Database } from '../../db';
import { pendingSignIn, secondFactor, session } from '../../db/schema';
import { newId } from '../../ids';
import { recordFactorChange } from './second-factors';
import type { ServiceContext } from '../kernel/context';
import { conflict, invalid, success, type ServiceResult } from '../kernel/errors';
import { insertOne, lockRow, type Transaction } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';
import { getPageSettings } from '../settings/page-settings';
import type { StaffActor } from './users';

/**
 * Passkeys and security keys as a second factor (WebAuthn, through @simplewebauthn/server): the
 * options a browser needs to make or use one, and the checks of what it answers. Each challenge
 * is stored where the ceremony belongs (the session, or the half-finished sign-in) and is good
 * for one answer: it is cleared when an answer is checked, whether or not it passed.
 */

/** What is answering a sign-in challenge: the half-finished sign-in after the password, or a signed-in session re-authenticating. */
export type PasskeyTarget = { kind: 'pending'; pendingId: string; userId: string } | { kind: 'session'; sessionId: string; userId: string };

/** How long a challenge stored on a session may be answered. */
const SESSION_CHALLENGE_TTL_MS = 5 * 60 * 1000;

/**
 * The key types offered and accepted, named so the library does not probe the runtime for
 * post-quantum ones (Node prints an experimental-feature warning when it does): a key made with
 * one would not work on a server whose Node lacks it.
 */
const SUPPORTED_ALGORITHMS = [COSEALG.EdDSA, COSEALG.ES256, COSEALG.RS256];

const UNVERIFIED = "The security key's answer could not be verified. Try again.";
const NOT_YOURS = 'That passkey is not one of the passkeys on your account. Use another, or another way to sign in.';

const addPasskeyInput = z.object({
  name: requiredText('Name', 60),
  credential: z.string({ error: UNVERIFIED }).max(64 * 1024, UNVERIFIED),
});

const base64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/);
/** The common outer shape of both answers; the library checks what the bytes say. */
const credentialShape = {
  id: base64url,
  rawId: base64url,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};
const registrationResponse = z.object({
  ...credentialShape,
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    transports: z.array(z.string().max(40)).max(10).optional(),
  }),
});
const authenticationResponse = z.object({
  ...credentialShape,
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.optional(),
  }),
});

/** Reads the JSON the browser posted; null when it is not JSON of the expected shape. */
function readCredential<T>(schema: z.ZodType<T>, text: string): T | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The relying party is the site PUBLIC_URL names: its host name is the RP ID, and answers must come from its origin. */
function relyingParty(): { rpID: string; origin: string } {
  const url = new URL(config().publicUrl);
  return { rpID: url.hostname, origin: url.origin };
}

async function passkeysOf(db: Database, userId: string) {
  return db
    .select()
    .from(secondFactor)
    .where(and(eq(secondFactor.userId, userId), eq(secondFactor.kind, 'passkey'), isNotNull(secondFactor.credentialId)));
}

const descriptorOf = (factor: { credentialId: string | null; transports: string[] | null }) => ({
  id: factor.credentialId ?? '',
  ...(factor.transports?.length ? { transports: factor.transports } : {}),
});

/** Options for making a passkey for a signed-in user; the challenge is kept on their session. */
export async function passkeyRegistrationOptions(
  context: ServiceContext,
  who: { sessionId: string; userId: string; email: string; name: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { rpID } = relyingParty();
  const [page, existing] = await Promise.all([getPageSettings(context), passkeysOf(context.db, who.userId)]);
  const options = await generateRegistrationOptions({
    rpName: page.name || 'Herald',
    rpID,
    userName: who.email,
    userDisplayName: who.name,
    userID: new TextEncoder().encode(who.userId),
    attestationType: 'none',
    // The same key twice would be one factor under two names: the browser refuses those it already holds.
    excludeCredentials: existing.map(descriptorOf),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  await storeSessionChallenge(context.db, who.sessionId, who.userId, options.challenge, context.clock.now());
  return options;
}

async function storeSessionChallenge(db: Database, sessionId: string, userId: string, challenge: string, now: Date): Promise<void> {
  await db
    .update(session)
    .set({ challenge, challengeExpiresAt: new Date(now.getTime() + SESSION_CHALLENGE_TTL_MS) })
    .where(and(eq(session.id, sessionId), eq(session.userId, userId)));
}

/** Takes the session's challenge (clearing it, so it answers once); null when there is none, it is stale or the session is not the user's. */
async function takeSessionChallenge(tx: Transaction, sessionId: string, userId: string, now: Date): Promise<string | null> {
  const row = await lockRow(tx, session, eq(session.id, sessionId));
  if (!row || row.userId !== userId) return null;
  if (row.challenge !== null) await tx.update(session).set({ challenge: null, challengeExpiresAt: null }).where(eq(session.id, sessionId));
  if (!row.challenge || !row.challengeExpiresAt || row.challengeExpiresAt.getTime() <= now.getTime()) return null;
  return row.challenge;
}

/** Takes the half-finished sign-in's challenge (clearing it); null when there is none or the sign-in is over or not the user's. */
async function takePendingChallenge(tx: Transaction, pendingId: string, userId: string, now: Date): Promise<string | null> {
  const row = await lockRow(tx, pendingSignIn, eq(pendingSignIn.id, pendingId));
  if (!row || row.userId !== userId) return null;
  if (row.challenge !== null) await tx.update(pendingSignIn).set({ challenge: null }).where(eq(pendingSignIn.id, pendingId));
  if (!row.challenge || row.expiresAt.getTime() <= now.getTime()) return null;
  return row.challenge;
}

/**
 * Checks the browser's answer to the registration options and keeps the new passkey under the
 * name the user gave it. The session's challenge is used up either way.
 */
export async function addPasskey(
  context: ServiceContext,
  actor: StaffActor,
  sessionId: string,
  input: z.input<typeof addPasskeyInput>,
): Promise<ServiceResult<{ id: string; name: string }>> {
  const parsed = parseInput(addPasskeyInput, input);
  if (!parsed.ok) return parsed;
  const { name } = parsed.value;
  const response: RegistrationResponseJSON | null = readCredential(registrationResponse, parsed.value.credential);
  const now = context.clock.now();
  const { rpID, origin } = relyingParty();
  return context.db.transaction(async (tx) => {
    const challenge = await takeSessionChallenge(tx, sessionId, actor.userId, now);
    if (!challenge || !response) return invalid({ credential: UNVERIFIED }, UNVERIFIED);
    const [taken] = await tx
      .select({ id: secondFactor.id })
      .from(secondFactor)
      .where(
        and(eq(secondFactor.userId, actor.userId), isNotNull(secondFactor.confirmedAt), sql`lower(${secondFactor.name}) = lower(${name})`),
      );
    if (taken) return invalid({ name: 'You have a second factor with this name already: choose another name.' });
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
      // Matches userVerification 'preferred': a key without a PIN or fingerprint still counts as a second factor.
      requireUserVerification: false,
    }).catch(() => null);
    if (!verification?.verified) return invalid({ credential: UNVERIFIED }, UNVERIFIED);
    const { credential } = verification.registrationInfo;
    const [known] = await tx.select({ id: secondFactor.id }).from(secondFactor).where(eq(secondFactor.credentialId, credential.id));
    if (known) return conflict('This passkey is added already.');
    const row = await insertOne(tx, secondFactor, {
      id: newId(),
      userId: actor.userId,
      kind: 'passkey',
      name,
      credentialId: credential.id,
      publicKey: credential.publicKey,
      signCount: credential.counter,
      transports: response.response.transports ?? null,
      createdAt: now,
      confirmedAt: now,
    });
    await recordFactorChange(context, tx, actor, now, { action: 'factor.passkey_add', factor: row });
    return success({ id: row.id, name: row.name });
  });
}

/**
 * Options for answering with one of the user's passkeys, the challenge kept where `target` says;
 * null when the user has no passkey.
 */
export async function passkeyAuthenticationOptions(
  context: ServiceContext,
  target: PasskeyTarget,
): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const passkeys = await passkeysOf(context.db, target.userId);
  if (passkeys.length === 0) return null;
  const options = await generateAuthenticationOptions({
    rpID: relyingParty().rpID,
    allowCredentials: passkeys.map(descriptorOf),
    userVerification: 'preferred',
  });
  const now = context.clock.now();
  if (target.kind === 'session') await storeSessionChallenge(context.db, target.sessionId, target.userId, options.challenge, now);
  else
    await context.db
      .update(pendingSignIn)
      .set({ challenge: options.challenge })
      .where(and(eq(pendingSignIn.id, target.pendingId), eq(pendingSignIn.userId, target.userId)));
  return options;
}

/**
 * Checks an answer to the authentication options: the challenge `target` holds (used up either
 * way), that the passkey is one of target.userId's, its signature, and its counter: the library
 * refuses a counter that does not move forward whenever the key keeps one (non-zero), the sign
 * of a cloned key. The new counter and the time of use are kept.
 */
export async function verifyPasskey(
  context: ServiceContext,
  target: PasskeyTarget,
  credential: string,
): Promise<ServiceResult<{ factorId: string }>> {
  const response: AuthenticationResponseJSON | null = readCredential(authenticationResponse, credential);
  const now = context.clock.now();
  const { rpID, origin } = relyingParty();
  return context.db.transaction(async (tx) => {
    const challenge =
      target.kind === 'session'
        ? await takeSessionChallenge(tx, target.sessionId, target.userId, now)
        : await takePendingChallenge(tx, target.pendingId, target.userId, now);
    if (!challenge || !response) return invalid({ credential: UNVERIFIED }, UNVERIFIED);
    const factor = await lockRow(
      tx,
      secondFactor,
      and(eq(secondFactor.credentialId, response.id), eq(secondFactor.kind, 'passkey'), eq(secondFactor.userId, target.userId)),
    );
    if (!factor?.publicKey) return invalid({ credential: NOT_YOURS }, NOT_YOURS);
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: { id: response.id, publicKey: new Uint8Array(factor.publicKey), counter: factor.signCount ?? 0 },
      requireUserVerification: false,
    }).catch(() => null);
    if (!verification?.verified) return invalid({ credential: UNVERIFIED }, UNVERIFIED);
    await tx
      .update(secondFactor)
      .set({ signCount: verification.authenticationInfo.newCounter, lastUsedAt: now })
      .where(eq(secondFactor.id, factor.id));
    return success({ factorId: factor.id });
  });
}
