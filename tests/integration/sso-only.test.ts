import { describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../src/lib/server/auth/totp';
import { secondFactor } from '../../src/lib/server/db/schema';
import { confirmTotpEnrolment, startTotpEnrolment } from '../../src/lib/server/services/access/second-factors';
import { finishSignIn, signInWithPassword, type SignInClient } from '../../src/lib/server/services/access/sign-in';
import { findPendingSignIn } from '../../src/lib/server/services/access/pending-sign-in';
import { createUserWithPassword } from '../../src/lib/server/services/access/users';
import type { Role } from '../../src/lib/domain/roles';
import { eq } from 'drizzle-orm';
import { expectOk, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

// SSO-only mode, read by config() on first use in this file's own process.
Object.assign(process.env, {
  OIDC_ISSUER: 'https://idp.example.com',
  OIDC_CLIENT_ID: 'herald',
  OIDC_CLIENT_SECRET: 'a-client-secret',
  OIDC_VIEWER_VALUES: 'staff',
  OIDC_ONLY: 'true',
});

const { clock, handle, context } = useTestContext();
const PASSWORD = 'a long enough passphrase';
const client: SignInClient = { clientKey: '203.0.113.1', address: '203.0.113.1', userAgent: 'test', deviceToken: undefined };

async function person(email: string, role: Role) {
  return expectOk(await createUserWithPassword(context, testActor, { email, name: email, role, password: PASSWORD }));
}

const signIn = (email: string) => signInWithPassword(context, { email, password: PASSWORD, next: '/admin' }, client);

describe('SSO-only mode', () => {
  it('refuses a right password for anyone but an owner with a second factor', async () => {
    await person('admin@example.com', 'admin');
    expect(await signIn('admin@example.com')).toEqual({ kind: 'sso_only' });
    await person('owner@example.com', 'owner');
    expect(await signIn('owner@example.com')).toEqual({ kind: 'sso_only' });
  });

  it('lets the break-glass owner in with password and second factor', async () => {
    const owner = await person('glass@example.com', 'owner');
    const actor = { userId: owner.id, label: owner.email, role: 'owner' as const };
    const { factorId } = expectOk(await startTotpEnrolment(context, actor, { name: 'Safe' }));
    const [row] = await handle.db.select().from(secondFactor).where(eq(secondFactor.id, factorId));
    const key = new Uint8Array(row!.totpKey!);
    expectOk(await confirmTotpEnrolment(context, actor, { factorId, code: totpCodeAt(key, clock.now()) }));
    clock.advance(30_000);
    const outcome = await signIn('glass@example.com');
    if (outcome.kind !== 'second_factor') throw new Error(`expected the second step, got ${outcome.kind}`);
    const pending = await findPendingSignIn(handle.db, outcome.pendingToken, clock.now());
    const done = await finishSignIn(context, pending!, { method: 'totp', code: totpCodeAt(key, clock.now()) }, client);
    expect(done).toMatchObject({ kind: 'signed_in', userId: owner.id });
  });

  it('a wrong password still gets the generic failure, so nothing is learnt about the account', async () => {
    expect(
      await signInWithPassword(context, { email: 'admin@example.com', password: 'wrong password here', next: '/admin' }, client),
    ).toEqual({
      kind: 'failed',
    });
  });
});
