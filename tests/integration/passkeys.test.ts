import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { addPasskeyForm } from '../../src/forms/passkeys';
import { createSession } from '../../src/lib/server/auth/session';
import { parseToken } from '../../src/lib/server/auth/tokens';
import { config } from '../../src/lib/server/config';
import { pendingSignIn, secondFactor, session, user } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import {
  addPasskey,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  verifyPasskey,
  type PasskeyTarget,
} from '../../src/lib/server/services/access/passkeys';
import { createPendingSignIn, PENDING_SIGN_IN_TTL_MS } from '../../src/lib/server/services/access/pending-sign-in';
import type { StaffActor } from '../../src/lib/server/services/access/users';
import { auditRowsFor, expectFailure, expectInvalid, expectOk, MINUTE } from '../support/factories';
import { SoftwareAuthenticator } from '../support/software-authenticator';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext();

const UNVERIFIED = "The security key's answer could not be verified. Try again.";
const site = { origin: new URL(config().publicUrl).origin, rpID: new URL(config().publicUrl).hostname };

interface Person {
  actor: StaffActor;
  email: string;
  name: string;
  sessionId: string;
}

async function person(name: string): Promise<Person> {
  const email = `${name.toLowerCase()}@example.com`;
  const id = newId();
  await handle.db.insert(user).values({ id, email, name, role: 'viewer', createdAt: clock.now() });
  const { token } = await createSession(handle.db, id, clock.now());
  return { actor: { userId: id, label: `${name} <${email}>`, role: 'viewer' }, email, name, sessionId: parseToken(token)!.id };
}

const who = (someone: Person) => ({ sessionId: someone.sessionId, userId: someone.actor.userId, email: someone.email, name: someone.name });

/** Adds a passkey made by `authenticator` under `name`, through the registration options. */
async function register(someone: Person, authenticator: SoftwareAuthenticator, name: string) {
  const options = await passkeyRegistrationOptions(context, who(someone));
  return addPasskey(context, someone.actor, someone.sessionId, { name, credential: authenticator.register(options) });
}

async function pendingTarget(someone: Person): Promise<PasskeyTarget & { kind: 'pending' }> {
  const token = await createPendingSignIn(handle.db, someone.actor.userId, '/admin', clock.now());
  return { kind: 'pending', pendingId: parseToken(token)!.id, userId: someone.actor.userId };
}

async function signInAnswer(target: PasskeyTarget, authenticator: SoftwareAuthenticator): Promise<string> {
  const options = await passkeyAuthenticationOptions(context, target);
  if (!options) throw new Error('expected authentication options');
  return authenticator.authenticate(options);
}

async function storedFactor(id: string) {
  const [row] = await handle.db.select().from(secondFactor).where(eq(secondFactor.id, id));
  return row!;
}

let ada: Person;
let bob: Person;
const adaKey = new SoftwareAuthenticator(site);

beforeAll(async () => {
  ada = await person('Ada');
  bob = await person('Bob');
});

describe('adding a passkey', () => {
  it('offers options for this site and the user, and keeps the challenge on the session', async () => {
    const options = await passkeyRegistrationOptions(context, who(ada));
    expect(options.rp).toEqual({ id: site.rpID, name: 'Herald' });
    expect(options.user.name).toBe(ada.email);
    expect(options.user.displayName).toBe('Ada');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    expect(options.excludeCredentials).toEqual([]);
    const [row] = await handle.db.select().from(session).where(eq(session.id, ada.sessionId));
    expect(row!.challenge).toBe(options.challenge);
    expect(row!.challengeExpiresAt).toEqual(new Date(clock.now().getTime() + 5 * MINUTE));
  });

  it('keeps the new passkey, confirmed at once, audited, and uses up the challenge', async () => {
    const added = expectOk(await register(ada, adaKey, '  YubiKey 5C  '));
    expect(added.name).toBe('YubiKey 5C');
    const row = await storedFactor(added.id);
    expect(row).toMatchObject({
      userId: ada.actor.userId,
      kind: 'passkey',
      name: 'YubiKey 5C',
      credentialId: adaKey.id,
      signCount: 0,
      transports: ['usb'],
      confirmedAt: clock.now(),
      lastUsedAt: null,
    });
    expect(row.publicKey?.length).toBeGreaterThan(60);
    const [audit] = await auditRowsFor(handle.db, added.id);
    expect(audit).toMatchObject({ action: 'factor.passkey_add', actorUserId: ada.actor.userId, entityType: 'second_factor' });
    const [stored] = await handle.db.select().from(session).where(eq(session.id, ada.sessionId));
    expect(stored).toMatchObject({ challenge: null, challengeExpiresAt: null });
  });

  it('asks the browser to skip keys the user has already added', async () => {
    const options = await passkeyRegistrationOptions(context, who(ada));
    expect(options.excludeCredentials).toEqual([{ id: adaKey.id, type: 'public-key', transports: ['usb'] }]);
  });

  it('refuses a name used already by the same user (in any case), a blank name and one over 60 characters', async () => {
    const other = new SoftwareAuthenticator(site);
    expect(expectInvalid(await register(ada, other, 'yubikey 5c')).name).toMatch(/name already/);
    expect(expectInvalid(await register(ada, other, '   ')).name).toBe('Name is required.');
    expect(expectInvalid(await register(ada, other, 'x'.repeat(61))).name).toBe('Name must be at most 60 characters.');
    // Another user may use the same name.
    expectOk(await register(bob, new SoftwareAuthenticator(site), 'YubiKey 5C'));
  });

  it('refuses an answer given twice: the challenge answers once', async () => {
    const key = new SoftwareAuthenticator(site);
    const options = await passkeyRegistrationOptions(context, who(ada));
    const credential = key.register(options);
    expectOk(await addPasskey(context, ada.actor, ada.sessionId, { name: 'Laptop', credential }));
    const replay = expectFailure(await addPasskey(context, ada.actor, ada.sessionId, { name: 'Laptop again', credential }), 'invalid');
    expect(replay.message).toBe(UNVERIFIED);
  });

  it('refuses an answer after the challenge expired (5 minutes), and one for another session', async () => {
    const key = new SoftwareAuthenticator(site);
    const credential = key.register(await passkeyRegistrationOptions(context, who(ada)));
    clock.advance(5 * MINUTE);
    expect(expectFailure(await addPasskey(context, ada.actor, ada.sessionId, { name: 'Late', credential }), 'invalid').message).toBe(
      UNVERIFIED,
    );

    const forAda = key.register(await passkeyRegistrationOptions(context, who(ada)));
    expect(
      expectFailure(await addPasskey(context, bob.actor, ada.sessionId, { name: 'Stolen', credential: forAda }), 'invalid').message,
    ).toBe(UNVERIFIED);
  });

  it('refuses an answer from another origin', async () => {
    const phishing = new SoftwareAuthenticator({ origin: 'https://herald.example.net', rpID: site.rpID });
    const credential = phishing.register(await passkeyRegistrationOptions(context, who(ada)));
    expect(expectFailure(await addPasskey(context, ada.actor, ada.sessionId, { name: 'Phished', credential }), 'invalid').message).toBe(
      UNVERIFIED,
    );
  });

  it('answers garbage with a clear message and keeps nothing', async () => {
    const before = await handle.db.select().from(secondFactor);
    for (const credential of [
      'not json',
      '{"id":',
      'null',
      '[]',
      JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' } }),
      JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: '!!', attestationObject: 'AAAA' } }),
    ]) {
      await passkeyRegistrationOptions(context, who(ada));
      const failure = expectFailure(await addPasskey(context, ada.actor, ada.sessionId, { name: 'Garbage', credential }), 'invalid');
      expect(failure.message).toBe(UNVERIFIED);
    }
    expect(await handle.db.select().from(secondFactor)).toHaveLength(before.length);
  });
});

describe('signing in with a passkey', () => {
  it('has no options for a user without a passkey', async () => {
    const carol = await person('Carol');
    expect(await passkeyAuthenticationOptions(context, await pendingTarget(carol))).toBeNull();
  });

  it('offers the user’s passkeys, keeps the challenge on the half-finished sign-in, and accepts the answer', async () => {
    const target = await pendingTarget(ada);
    const options = await passkeyAuthenticationOptions(context, target);
    expect(options?.rpId).toBe(site.rpID);
    expect(options?.userVerification).toBe('preferred');
    expect(options?.allowCredentials?.map((item) => item.id)).toContain(adaKey.id);
    const [pending] = await handle.db.select().from(pendingSignIn).where(eq(pendingSignIn.id, target.pendingId));
    expect(pending!.challenge).toBe(options!.challenge);

    clock.advance(MINUTE);
    const { factorId } = expectOk(await verifyPasskey(context, target, adaKey.authenticate(options!)));
    const row = await storedFactor(factorId);
    expect(row).toMatchObject({ credentialId: adaKey.id, signCount: 1, lastUsedAt: clock.now() });
    const [after] = await handle.db.select().from(pendingSignIn).where(eq(pendingSignIn.id, target.pendingId));
    expect(after!.challenge).toBeNull();
  });

  it('refuses the same answer twice', async () => {
    const target = await pendingTarget(ada);
    const answer = await signInAnswer(target, adaKey);
    expectOk(await verifyPasskey(context, target, answer));
    expect(expectFailure(await verifyPasskey(context, target, answer), 'invalid').message).toBe(UNVERIFIED);
  });

  it('refuses a failed answer and then its retry: a failure uses up the challenge too', async () => {
    const target = await pendingTarget(ada);
    const answer = await signInAnswer(target, adaKey);
    expectFailure(await verifyPasskey(context, target, 'not json'), 'invalid');
    expect(expectFailure(await verifyPasskey(context, target, answer), 'invalid').message).toBe(UNVERIFIED);
  });

  it('refuses a passkey of another user', async () => {
    // Bob has a passkey, so his sign-in has a challenge; Ada's key answers it.
    const target = await pendingTarget(bob);
    const answer = await signInAnswer(target, adaKey);
    const failure = expectFailure(await verifyPasskey(context, target, answer), 'invalid');
    expect(failure.message).toMatch(/not one of the passkeys on your account/);
  });

  it('refuses a passkey the user never added', async () => {
    const target = await pendingTarget(ada);
    const answer = await signInAnswer(target, new SoftwareAuthenticator(site));
    expect(expectFailure(await verifyPasskey(context, target, answer), 'invalid').message).toMatch(/not one of the passkeys/);
  });

  it('refuses a counter that goes backwards or stays put (a cloned key), and keeps the stored one', async () => {
    const target = await pendingTarget(ada);
    adaKey.counter = 10;
    expectOk(await verifyPasskey(context, target, await signInAnswer(target, adaKey)));
    const [row] = await handle.db.select().from(secondFactor).where(eq(secondFactor.credentialId, adaKey.id));
    expect(row!.signCount).toBe(10);

    for (const counter of [4, 10]) {
      adaKey.counter = counter;
      const again = await pendingTarget(ada);
      expect(expectFailure(await verifyPasskey(context, again, await signInAnswer(again, adaKey)), 'invalid').message).toBe(UNVERIFIED);
    }
    const [after] = await handle.db.select().from(secondFactor).where(eq(secondFactor.credentialId, adaKey.id));
    expect(after!.signCount).toBe(10);
    adaKey.counter = 11;
  });

  it('refuses an answer once the half-finished sign-in expired', async () => {
    const target = await pendingTarget(ada);
    const answer = await signInAnswer(target, adaKey);
    clock.advance(PENDING_SIGN_IN_TTL_MS);
    expect(expectFailure(await verifyPasskey(context, target, answer), 'invalid').message).toBe(UNVERIFIED);
  });

  it('answers garbage with a clear message', async () => {
    const target = await pendingTarget(ada);
    await signInAnswer(target, adaKey);
    const garbage = JSON.stringify({
      id: adaKey.id,
      rawId: adaKey.id,
      type: 'public-key',
      response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
    });
    expect(expectFailure(await verifyPasskey(context, target, garbage), 'invalid').message).toBe(UNVERIFIED);
    expect(expectFailure(await verifyPasskey(context, target, '{{{'), 'invalid').message).toBe(UNVERIFIED);
  });
});

describe('re-authenticating with a passkey while signed in', () => {
  const target = (): PasskeyTarget => ({ kind: 'session', sessionId: ada.sessionId, userId: ada.actor.userId });

  it('keeps the challenge on the session and accepts the answer', async () => {
    const options = await passkeyAuthenticationOptions(context, target());
    const [row] = await handle.db.select().from(session).where(eq(session.id, ada.sessionId));
    expect(row!.challenge).toBe(options!.challenge);
    expectOk(await verifyPasskey(context, target(), adaKey.authenticate(options!)));
  });

  it('refuses an answer after 5 minutes', async () => {
    const answer = await signInAnswer(target(), adaKey);
    clock.advance(5 * MINUTE);
    expect(expectFailure(await verifyPasskey(context, target(), answer), 'invalid').message).toBe(UNVERIFIED);
  });

  it('refuses a session that is not the user’s', async () => {
    const answer = await signInAnswer(target(), adaKey);
    const wrong: PasskeyTarget = { kind: 'session', sessionId: ada.sessionId, userId: bob.actor.userId };
    expect(expectFailure(await verifyPasskey(context, wrong, answer), 'invalid').message).toBe(UNVERIFIED);
  });
});

describe('the add-a-passkey form', () => {
  it('adds the passkey; a first factor comes with the recovery codes, shown once; a later one just says so', async () => {
    const key = new SoftwareAuthenticator(site);
    const credential = key.register(await passkeyRegistrationOptions(context, who(bob)));
    const first = expectOk(
      await addPasskeyForm.run({ values: { name: 'Phone', credential }, actor: bob.actor, context, sessionId: bob.sessionId }),
    );
    if (!('shown' in first)) throw new Error('the first factor shows its recovery codes');
    expect(first.shown.notice).toBe('Passkey “Phone” added.');
    expect(first.shown.recoveryCodes).toHaveLength(10);

    const second = new SoftwareAuthenticator(site);
    const secondCredential = second.register(await passkeyRegistrationOptions(context, who(bob)));
    const later = expectOk(
      await addPasskeyForm.run({
        values: { name: 'Laptop', credential: secondCredential },
        actor: bob.actor,
        context,
        sessionId: bob.sessionId,
      }),
    );
    expect(later).toEqual({ location: '/admin/account/security', notice: 'Passkey “Laptop” added.' });
  });

  it('explains that passkeys need JavaScript when the form comes without the browser’s answer', async () => {
    const failure = expectFailure(
      await addPasskeyForm.run({ values: { name: 'Phone 2', credential: '' }, actor: bob.actor, context, sessionId: bob.sessionId }),
      'invalid',
    );
    expect(failure.message).toMatch(/needs JavaScript/);
  });

  it('is a second-factor setting: any role, after confirming it is you', () => {
    expect(addPasskeyForm).toMatchObject({ role: 'viewer', reauthenticate: true });
  });
});
