import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../src/lib/domain/session-policy';
import { createSession, listUserSessions, validateSessionToken } from '../../src/lib/server/auth/session';
import { totpCodeAt } from '../../src/lib/server/auth/totp';
import { auditLog, recoveryCode, secondFactor, session, user } from '../../src/lib/server/db/schema';
import { findPendingSignIn } from '../../src/lib/server/services/access/pending-sign-in';
import { confirmIdentity } from '../../src/lib/server/services/access/reauthentication';
import {
  confirmTotpEnrolment,
  currentTotpEnrolment,
  listSecondFactors,
  recoveryCodesLeft,
  regenerateRecoveryCodes,
  removeSecondFactor,
  startTotpEnrolment,
} from '../../src/lib/server/services/access/second-factors';
import { getSecurityPolicy, updateSecurityPolicy } from '../../src/lib/server/services/access/security-policy';
import { finishSignIn, signInWithPassword, type SignInClient } from '../../src/lib/server/services/access/sign-in';
import { listRecentSignIns } from '../../src/lib/server/services/access/sign-in-log';
import { createUserWithPassword, type StaffActor } from '../../src/lib/server/services/access/users';
import type { Role } from '../../src/lib/domain/roles';
import { expectFailure, expectInvalid, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

const PASSWORD = 'a long enough passphrase';
const stranger = (n: number): SignInClient => ({
  clientKey: `198.51.100.${n}`,
  address: `198.51.100.${n}`,
  userAgent: 'stranger',
  deviceToken: undefined,
});
const office: SignInClient = { clientKey: '203.0.113.10', address: '203.0.113.10', userAgent: 'Firefox on Linux', deviceToken: undefined };

async function staff(email: string, role: Role = 'responder'): Promise<StaffActor> {
  const created = expectOk(
    await createUserWithPassword(context, testActor, { email, name: email.split('@')[0]!, role, password: PASSWORD }),
  );
  return { userId: created.id, label: email, role };
}

/** Enrols an authenticator app for the actor; returns its key (as the app holds it) and the recovery codes. */
async function enrolApp(actor: StaffActor, email: string) {
  const { factorId } = expectOk(await startTotpEnrolment(context, actor, { name: 'Phone' }));
  const [row] = await handle.db.select().from(secondFactor).where(eq(secondFactor.id, factorId));
  const key = new Uint8Array(row!.totpKey!);
  expect(await currentTotpEnrolment(context, { id: actor.userId, email })).toMatchObject({ factorId, name: 'Phone' });
  const confirmed = expectOk(await confirmTotpEnrolment(context, actor, { factorId, code: totpCodeAt(key, clock.now()) }));
  // The enrolment spent this step's code: the next sign-in uses the next one.
  clock.advance(30_000);
  return { key, recoveryCodes: confirmed.recoveryCodes ?? [] };
}

const signIn = (email: string, client: SignInClient, password = PASSWORD) =>
  signInWithPassword(context, { email, password, next: '/admin/incidents' }, client);

async function pendingOf(outcome: Awaited<ReturnType<typeof signIn>>) {
  if (outcome.kind !== 'second_factor') throw new Error(`expected the second-factor step, got ${outcome.kind}`);
  const pending = await findPendingSignIn(handle.db, outcome.pendingToken, clock.now());
  if (!pending) throw new Error('the pending sign-in was not found');
  return pending;
}

describe('password-only sign-in', () => {
  it('signs in, remembers the device, and logs the success', async () => {
    const ana = await staff('ana@example.com');
    const outcome = await signIn('ANA@example.com ', office);
    expect(outcome).toMatchObject({ kind: 'signed_in', userId: ana.userId });
    const events = await listRecentSignIns(handle.db, ana.userId);
    expect(events[0]).toMatchObject({ action: 'auth.sign_in', method: 'password', address: office.address });
  });

  it('a wrong password, or an unknown address, gives the same failure, and both are logged', async () => {
    expect(await signIn('ana@example.com', office, 'not the password at all')).toEqual({ kind: 'failed' });
    expect(await signIn('nobody@example.com', office, 'not the password at all')).toEqual({ kind: 'failed' });
    const failures = await handle.db.select().from(auditLog).where(eq(auditLog.action, 'auth.sign_in_failed'));
    expect(failures.map((row) => row.actorLabel)).toEqual(expect.arrayContaining(['nobody@example.com', 'ana <ana@example.com>']));
  });
});

describe('authenticator app (TOTP)', () => {
  let bo: StaffActor;
  let key: Uint8Array;
  let recoveryCodes: string[];

  beforeAll(async () => {
    bo = await staff('bo@example.com');
    ({ key, recoveryCodes } = await enrolApp(bo, 'bo@example.com'));
  });

  it('enrolment needs a right code, and the first factor comes with 10 recovery codes', async () => {
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(recoveryCodes[0]).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    // Only hashes are stored.
    const stored = await handle.db.select().from(recoveryCode).where(eq(recoveryCode.userId, bo.userId));
    expect(JSON.stringify(stored)).not.toContain(recoveryCodes[0]!.replace('-', ''));
    expect(await listSecondFactors(handle.db, bo.userId)).toMatchObject([{ kind: 'totp', name: 'Phone' }]);

    const other = await staff('bo2@example.com');
    const { factorId } = expectOk(await startTotpEnrolment(context, other, { name: 'Tablet' }));
    expect(expectInvalid(await confirmTotpEnrolment(context, other, { factorId, code: '000000' }))).toHaveProperty('code');
    expect(await listSecondFactors(handle.db, other.userId)).toEqual([]);
    // Someone else's enrolment cannot be confirmed.
    expectFailure(await confirmTotpEnrolment(context, bo, { factorId, code: '123456' }), 'not_found');
  });

  it('a password alone no longer signs in: the app’s code finishes it', async () => {
    clock.advance(MINUTE);
    const pending = await pendingOf(await signIn('bo@example.com', office));
    expect(pending.next).toBe('/admin/incidents');
    const wrong = await finishSignIn(context, pending, { method: 'totp', code: '000000' }, office);
    expect(wrong).toEqual({ kind: 'failed', canRetry: true });
    const done = await finishSignIn(context, pending, { method: 'totp', code: totpCodeAt(key, clock.now()) }, office);
    expect(done).toMatchObject({ kind: 'signed_in', userId: bo.userId, method: 'password+totp', next: '/admin/incidents' });
    // The half-finished sign-in is spent.
    expect(await findPendingSignIn(handle.db, 'whatever', clock.now())).toBeNull();
  });

  it('a code works once: the same code again is refused', async () => {
    clock.advance(MINUTE);
    const code = totpCodeAt(key, clock.now());
    const first = await pendingOf(await signIn('bo@example.com', office));
    expect((await finishSignIn(context, first, { method: 'totp', code }, office)).kind).toBe('signed_in');
    const second = await pendingOf(await signIn('bo@example.com', office));
    expect(await finishSignIn(context, second, { method: 'totp', code }, office)).toEqual({ kind: 'failed', canRetry: true });
    // The code of 30 seconds later is fine.
    clock.advance(30_000);
    expect((await finishSignIn(context, second, { method: 'totp', code: totpCodeAt(key, clock.now()) }, office)).kind).toBe('signed_in');
  });

  it('a code from a step before the last one used is refused; a code of the next step (a fast phone) is accepted', async () => {
    clock.advance(MINUTE);
    const pending = await pendingOf(await signIn('bo@example.com', office));
    const earlier = totpCodeAt(key, new Date(clock.now().getTime() - 60_000));
    expect((await finishSignIn(context, pending, { method: 'totp', code: earlier }, office)).kind).toBe('failed');
    const ahead = totpCodeAt(key, new Date(clock.now().getTime() + 30_000));
    expect((await finishSignIn(context, pending, { method: 'totp', code: ahead }, office)).kind).toBe('signed_in');
  });

  it('five wrong codes end the half-finished sign-in', async () => {
    clock.advance(MINUTE);
    const outcome = await signIn('bo@example.com', office);
    const pending = await pendingOf(outcome);
    for (let attempt = 1; attempt < 5; attempt += 1) {
      expect(await finishSignIn(context, pending, { method: 'totp', code: '111111' }, office)).toEqual({ kind: 'failed', canRetry: true });
    }
    expect(await finishSignIn(context, pending, { method: 'totp', code: '111111' }, office)).toEqual({ kind: 'failed', canRetry: false });
    if (outcome.kind !== 'second_factor') throw new Error('unreachable');
    expect(await findPendingSignIn(handle.db, outcome.pendingToken, clock.now())).toBeNull();
  });

  it('the second step expires after 10 minutes', async () => {
    clock.advance(MINUTE);
    const outcome = await signIn('bo@example.com', office);
    if (outcome.kind !== 'second_factor') throw new Error('expected the second-factor step');
    clock.advance(10 * MINUTE);
    expect(await findPendingSignIn(handle.db, outcome.pendingToken, clock.now())).toBeNull();
  });

  it('a recovery code signs in once, in any case and with or without its dash', async () => {
    clock.advance(MINUTE);
    const code = recoveryCodes[3]!;
    const pending = await pendingOf(await signIn('bo@example.com', office));
    const typed = code.toUpperCase().replace('-', ' ');
    expect(await finishSignIn(context, pending, { method: 'recovery_code', code: typed }, office)).toMatchObject({
      kind: 'signed_in',
      method: 'password+recovery_code',
    });
    expect(await recoveryCodesLeft(handle.db, bo.userId)).toBe(9);
    const again = await pendingOf(await signIn('bo@example.com', office));
    expect((await finishSignIn(context, again, { method: 'recovery_code', code }, office)).kind).toBe('failed');
    // Another user's code is not this user's.
    expect((await finishSignIn(context, again, { method: 'recovery_code', code: 'abcde-fghij' }, office)).kind).toBe('failed');
  });

  it('new recovery codes replace the old ones; removing the last factor removes them and the second step', async () => {
    const fresh = expectOk(await regenerateRecoveryCodes(context, bo));
    expect(fresh).toHaveLength(10);
    expect(await recoveryCodesLeft(handle.db, bo.userId)).toBe(10);
    const pending = await pendingOf(await signIn('bo@example.com', office));
    expect((await finishSignIn(context, pending, { method: 'recovery_code', code: recoveryCodes[0]! }, office)).kind).toBe('failed');

    const [factor] = await listSecondFactors(handle.db, bo.userId);
    expectOk(await removeSecondFactor(context, bo, factor!.id));
    expect(await recoveryCodesLeft(handle.db, bo.userId)).toBe(0);
    expect((await signIn('bo@example.com', office)).kind).toBe('signed_in');
    const actions = (await handle.db.select().from(auditLog).where(eq(auditLog.actorUserId, bo.userId))).map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(['factor.totp_add', 'factor.recovery_codes', 'factor.remove', 'auth.sign_in']));
  });
});

describe('lockouts that only slow attackers', () => {
  let cy: StaffActor;
  let key: Uint8Array;
  let officeDevice: SignInClient;

  beforeAll(async () => {
    cy = await staff('cy@example.com');
    ({ key } = await enrolApp(cy, 'cy@example.com'));
    // Cy signs in from the office once: that browser becomes a known device.
    const pending = await pendingOf(await signIn('cy@example.com', office));
    const done = await finishSignIn(context, pending, { method: 'totp', code: totpCodeAt(key, clock.now()) }, office);
    if (done.kind !== 'signed_in') throw new Error('Cy could not sign in');
    officeDevice = { ...office, deviceToken: done.deviceToken };
  });

  it('100 failures in an hour from 10 addresses throttle the account for strangers, with Retry-After', async () => {
    for (let client = 1; client <= 10; client += 1) {
      for (let attempt = 0; attempt < 10; attempt += 1) {
        expect((await signIn('cy@example.com', stranger(client), 'a wrong guess here')).kind).toBe('failed');
      }
    }
    const throttled = await signIn('cy@example.com', stranger(11));
    expect(throttled.kind).toBe('throttled');
    // Even with the right password, from a browser the account never used.
    expect((await signIn('cy@example.com', { ...office, deviceToken: undefined })).kind).toBe('throttled');
    const logged = await handle.db.select().from(auditLog).where(eq(auditLog.action, 'auth.throttled'));
    expect(logged.length).toBeGreaterThan(0);
  });

  it('the known device still signs in with password and second factor while strangers are throttled', async () => {
    clock.advance(MINUTE);
    const pending = await pendingOf(await signIn('cy@example.com', officeDevice));
    const done = await finishSignIn(context, pending, { method: 'totp', code: totpCodeAt(key, clock.now()) }, officeDevice);
    expect(done.kind).toBe('signed_in');
    if (done.kind === 'signed_in') officeDevice = { ...officeDevice, deviceToken: done.deviceToken };
  });

  it('a copied device cookie of another account does not help', async () => {
    await staff('dee@example.com');
    const dee = await signIn('dee@example.com', stranger(20));
    if (dee.kind !== 'signed_in') throw new Error('Dee could not sign in');
    expect((await signIn('cy@example.com', { ...stranger(21), deviceToken: dee.deviceToken })).kind).toBe('throttled');
  });

  it('wrong passwords through a known device lock that device only, for an hour', async () => {
    clock.advance(2 * MINUTE);
    const ivy = await staff('ivy@example.com');
    const first = await signIn('ivy@example.com', stranger(40));
    if (first.kind !== 'signed_in') throw new Error('Ivy could not sign in');
    const ivyDevice = { ...stranger(40), deviceToken: first.deviceToken };
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect((await signIn('ivy@example.com', ivyDevice, 'a wrong guess here')).kind).toBe('failed');
    expect((await signIn('ivy@example.com', ivyDevice)).kind).toBe('throttled');
    // The account itself is not locked: the same password from another client still works.
    expect(await signIn('ivy@example.com', stranger(41))).toMatchObject({ kind: 'signed_in', userId: ivy.userId });
  });

  it('after the hour the account is open again', async () => {
    clock.advance(HOUR);
    expect((await signIn('cy@example.com', stranger(30))).kind).toBe('second_factor');
  });

  it('counts an IPv6 /64 as one client: 20 attempts in 15 minutes, whatever the address', async () => {
    await staff('eve@example.com');
    for (let n = 0; n < 20; n += 1) {
      const client = { clientKey: '2001:db8:9:9::/64', address: `2001:db8:9:9::${n.toString(16)}`, userAgent: 'x', deviceToken: undefined };
      expect((await signIn(`user${n}@example.com`, client, 'any guess at all')).kind).toBe('failed');
    }
    const next = { clientKey: '2001:db8:9:9::/64', address: '2001:db8:9:9::ffff', userAgent: 'x', deviceToken: undefined };
    expect((await signIn('eve@example.com', next)).kind).toBe('throttled');
  });
});

describe('sessions', () => {
  it('end after 30 minutes idle and 12 hours at most; the owner may shorten them within bounds', async () => {
    const fay = await staff('fay@example.com');
    const start = clock.now();
    const { token } = await createSession(handle.db, fay.userId, start, {
      method: 'password',
      userAgent: 'Firefox',
      address: '203.0.113.5',
    });
    const policy = (await getSecurityPolicy(handle.db)).session;
    expect(policy).toEqual(DEFAULT_SESSION_POLICY);
    let now = start;
    for (let step = 0; step < 20; step += 1) {
      now = new Date(now.getTime() + 29 * MINUTE);
      if (now.getTime() - start.getTime() >= 12 * HOUR) break;
      expect(await validateSessionToken(handle.db, token, now, policy), `active at ${step}`).not.toBeNull();
    }
    expect(await validateSessionToken(handle.db, token, new Date(start.getTime() + 12 * HOUR), policy)).toBeNull();

    const owner = { ...fay, role: 'owner' as const };
    expect(
      expectInvalid(await updateSecurityPolicy(context, owner, { idleMinutes: 240, absoluteHours: 12, secondFactorRoles: [] })),
    ).toHaveProperty('idleMinutes');
    expect(
      expectInvalid(await updateSecurityPolicy(context, owner, { idleMinutes: 30, absoluteHours: 720, secondFactorRoles: [] })),
    ).toHaveProperty('absoluteHours');
    expect(await getSecurityPolicy(handle.db)).toEqual({ session: DEFAULT_SESSION_POLICY, secondFactorRoles: [] });
    expectOk(await updateSecurityPolicy(context, owner, { idleMinutes: 10, absoluteHours: 2, secondFactorRoles: ['admin', 'owner'] }));
    expect(await getSecurityPolicy(handle.db)).toEqual({
      session: { idleMinutes: 10, absoluteHours: 2 },
      secondFactorRoles: ['admin', 'owner'],
    });
    const short = await createSession(handle.db, fay.userId, clock.now());
    expect(
      await validateSessionToken(handle.db, short.token, new Date(clock.now().getTime() + 10 * MINUTE), {
        idleMinutes: 10,
        absoluteHours: 2,
      }),
    ).toBeNull();
    expectOk(await updateSecurityPolicy(context, owner, { idleMinutes: 30, absoluteHours: 12, secondFactorRoles: [] }));
  });

  it('stores only a hash of the secret; a wrong secret is refused without ending the session; a disabled user has none', async () => {
    const joy = await staff('joy@example.com');
    const { token } = await createSession(handle.db, joy.userId, clock.now());
    const [id, secret] = token.split('.') as [string, string];
    const [row] = await handle.db.select().from(session).where(eq(session.id, id));
    expect(JSON.stringify(row)).not.toContain(secret);
    const wrong = `${id}.${(secret[0] === 'a' ? 'b' : 'a') + secret.slice(1)}`;
    expect(await validateSessionToken(handle.db, wrong, clock.now(), DEFAULT_SESSION_POLICY)).toBeNull();
    expect(await validateSessionToken(handle.db, token, clock.now(), DEFAULT_SESSION_POLICY)).not.toBeNull();
    await handle.db.update(user).set({ disabledAt: clock.now() }).where(eq(user.id, joy.userId));
    expect(await validateSessionToken(handle.db, token, clock.now(), DEFAULT_SESSION_POLICY)).toBeNull();
    expect(await handle.db.select().from(session).where(eq(session.id, id))).toEqual([]);
  });

  it('a user sees where they are signed in, most recent first', async () => {
    const gus = await staff('gus@example.com');
    await createSession(handle.db, gus.userId, clock.now(), { method: 'password', userAgent: 'Firefox', address: '203.0.113.6' });
    clock.advance(MINUTE);
    await createSession(handle.db, gus.userId, clock.now(), { method: 'password+totp', userAgent: 'Safari', address: '2001:db8::6' });
    const listed = await listUserSessions(handle.db, gus.userId, DEFAULT_SESSION_POLICY, clock.now());
    expect(listed.map((row) => [row.userAgent, row.address, row.method])).toEqual([
      ['Safari', '2001:db8::6', 'password+totp'],
      ['Firefox', '203.0.113.6', 'password'],
    ]);
  });
});

describe('re-authentication', () => {
  it('a password or an app code marks the session verified now; a wrong one changes nothing', async () => {
    const hal = await staff('hal@example.com');
    const { key } = await enrolApp(hal, 'hal@example.com');
    const { token } = await createSession(handle.db, hal.userId, clock.now());
    const sessionId = token.split('.')[0]!;
    const client = { address: '203.0.113.9', userAgent: 'Firefox' };
    clock.advance(20 * MINUTE);
    const before = await validateSessionToken(handle.db, token, clock.now(), DEFAULT_SESSION_POLICY);
    expect(
      expectInvalid(
        await confirmIdentity(context, { userId: hal.userId, sessionId }, { method: 'password', password: 'wrong one here' }, client),
      ),
    ).toHaveProperty('password');
    const unchanged = await validateSessionToken(handle.db, token, clock.now(), DEFAULT_SESSION_POLICY);
    expect(unchanged!.verifiedAt).toEqual(before!.verifiedAt);

    expectOk(await confirmIdentity(context, { userId: hal.userId, sessionId }, { method: 'password', password: PASSWORD }, client));
    expect((await validateSessionToken(handle.db, token, clock.now(), DEFAULT_SESSION_POLICY))!.verifiedAt).toEqual(clock.now());

    clock.advance(10 * MINUTE);
    expectOk(
      await confirmIdentity(context, { userId: hal.userId, sessionId }, { method: 'totp', code: totpCodeAt(key, clock.now()) }, client),
    );
    expect((await validateSessionToken(handle.db, token, clock.now(), DEFAULT_SESSION_POLICY))!.verifiedAt).toEqual(clock.now());
    expect((await listRecentSignIns(handle.db, hal.userId))[0]).toMatchObject({ action: 'auth.reauthenticated', method: 'totp' });
  });
});
