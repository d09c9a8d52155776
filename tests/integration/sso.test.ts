import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginSsoFlow, completeSsoFlow, type SsoFlowState, type SsoIdentity, type SsoPurpose } from '../../src/lib/server/auth/oidc';
import { createSession } from '../../src/lib/server/auth/session';
import type { SsoConfig } from '../../src/lib/server/config';
import { auditLog, session, user } from '../../src/lib/server/db/schema';
import { reauthenticateWithSso, signInWithSso } from '../../src/lib/server/services/access/sso';
import { createUserWithPassword } from '../../src/lib/server/services/access/users';
import { countRows, expectFailure, expectOk, MINUTE, testActor } from '../support/factories';
import { signInAtProvider, startOidcProvider, TEST_CLIENT, type TestOidcProvider } from '../support/oidc-provider';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext();

const REDIRECT_URI = 'http://herald.test/login/sso/callback';
const origin = { address: '203.0.113.7', userAgent: 'integration test' };

let provider: TestOidcProvider;

function settingsFor(issuer: string, overrides: Partial<SsoConfig> = {}): SsoConfig {
  return {
    issuer,
    clientId: TEST_CLIENT.clientId,
    clientSecret: TEST_CLIENT.clientSecret,
    name: 'Test IdP',
    roleClaim: 'groups',
    roleValues: { owner: ['herald-owners'], admin: ['herald-admins'], responder: ['oncall'], viewer: ['staff'] },
    createUsers: true,
    only: false,
    ...overrides,
  };
}

/** Starts a flow, signs in at the provider as `login`, and returns the callback Herald would receive with its flow state. */
async function atCallback(login: string, options: { purpose?: SsoPurpose; cancel?: boolean; settings?: SsoConfig } = {}) {
  const settings = options.settings ?? settingsFor(provider.issuer);
  const started = await beginSsoFlow(
    settings,
    REDIRECT_URI,
    { next: '/admin/incidents', purpose: options.purpose ?? 'sign-in' },
    clock.now(),
  );
  if (!started.ok) throw new Error(started.failure.message);
  const callback = await signInAtProvider(started.url, login, { cancel: options.cancel });
  return { settings, authorizationUrl: started.url, flow: started.flow, callback };
}

/** The identity the provider vouches for after a complete, valid flow. */
async function identityOf(login: string, options: { purpose?: SsoPurpose; settings?: SsoConfig } = {}): Promise<SsoIdentity> {
  const { settings, callback, flow } = await atCallback(login, options);
  const completed = await completeSsoFlow(settings, callback, flow, clock.now());
  if (!completed.ok) throw new Error(completed.failure.message);
  return completed.identity;
}

async function userByEmail(email: string) {
  const [row] = await handle.db.select().from(user).where(eq(user.email, email));
  return row;
}

async function auditActions(userId: string) {
  const rows = await handle.db.select().from(auditLog).where(eq(auditLog.entityId, userId)).orderBy(auditLog.id);
  return rows.map((row) => row.action);
}

async function refusalsFor(label: string) {
  return handle.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'auth.sso_refused'), eq(auditLog.actorLabel, label)));
}

beforeAll(async () => {
  provider = await startOidcProvider({ redirectUris: [REDIRECT_URI] });
});

afterAll(async () => {
  await provider.close();
});

describe('starting a flow', () => {
  it('asks for the code with PKCE (S256), a state and a nonce, and for a fresh sign-in when re-authenticating', async () => {
    const { authorizationUrl, flow } = await atCallback('viewer-start@example.test');
    const query = authorizationUrl.searchParams;
    expect(authorizationUrl.origin).toBe(provider.issuer);
    expect(query.get('response_type')).toBe('code');
    expect(query.get('client_id')).toBe(TEST_CLIENT.clientId);
    expect(query.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(query.get('scope')).toBe('openid email profile');
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(query.get('code_challenge')).not.toBe(flow.codeVerifier);
    expect(query.get('state')).toBe(flow.state);
    expect(query.get('nonce')).toBe(flow.nonce);
    expect(query.has('prompt')).toBe(false);

    const reauth = await atCallback('viewer-start@example.test', { purpose: 'reauth' });
    expect(reauth.authorizationUrl.searchParams.get('prompt')).toBe('login');
    expect(reauth.authorizationUrl.searchParams.get('max_age')).toBe('0');
    expect(reauth.flow.purpose).toBe('reauth');
  });

  it('says the provider cannot be reached, and discovers it on the next try once it answers', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const settings = settingsFor(`http://127.0.0.1:${port}`);

    const down = await beginSsoFlow(settings, REDIRECT_URI, { next: '/admin', purpose: 'sign-in' }, clock.now());
    expect(down.ok).toBe(false);
    if (!down.ok) {
      expect(down.failure.reason).toBe('unreachable');
      expect(down.failure.message).toContain('could not reach Test IdP');
    }

    const late = await startOidcProvider({ port, redirectUris: [REDIRECT_URI] });
    try {
      const up = await beginSsoFlow(settings, REDIRECT_URI, { next: '/admin', purpose: 'sign-in' }, clock.now());
      expect(up.ok).toBe(true);
    } finally {
      await late.close();
    }
  });
});

describe('signing in', () => {
  it('creates a user on the first sign-in with the role the groups claim maps to (read from userinfo)', async () => {
    const identity = await identityOf('responder-ann@example.test');
    expect(identity).toEqual({
      subject: `${provider.issuer} responder-ann@example.test`,
      email: 'responder-ann@example.test',
      emailVerified: true,
      name: 'Responder Ann',
      roleClaim: ['staff', 'oncall'],
    });

    const signedIn = expectOk(await signInWithSso(context, settingsFor(provider.issuer), identity, origin));
    expect(signedIn.role).toBe('responder');
    const created = await userByEmail('responder-ann@example.test');
    expect(created).toMatchObject({
      id: signedIn.userId,
      name: 'Responder Ann',
      role: 'responder',
      ssoSubject: identity.subject,
      passwordHash: null,
    });
    expect(await auditActions(signedIn.userId)).toEqual(['user.add', 'auth.sso_sign_in']);
    const [added] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, signedIn.userId), eq(auditLog.action, 'user.add')));
    expect(added?.actorLabel).toBe('SSO (Test IdP)');
    const [event] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, signedIn.userId), eq(auditLog.action, 'auth.sso_sign_in')));
    expect(event?.after).toMatchObject({ address: origin.address, userAgent: origin.userAgent, method: 'sso', provider: 'Test IdP' });
  });

  it('finds the same user by subject on the next sign-in, and the role follows the claim (a string claim too)', async () => {
    const login = 'viewer-ben@example.test';
    const first = expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin));
    expect(first.role).toBe('viewer');

    // The provider moved Ben into the on-call group and changed his address: still the same Herald user.
    provider.accounts.set(login, { email: 'ben@example.test', email_verified: true, name: 'Ben', groups: 'oncall' });
    const second = expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin));
    expect(second).toEqual({ userId: first.userId, role: 'responder' });
    const [roleChange] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, first.userId), eq(auditLog.action, 'user.role')));
    expect(roleChange).toMatchObject({
      actorLabel: 'SSO (Test IdP)',
      actorUserId: null,
      before: { role: 'viewer' },
      after: { role: 'responder' },
    });

    // The highest group wins, and a sign-in with the same role writes no role change.
    provider.accounts.set(login, {
      email: 'ben@example.test',
      email_verified: true,
      name: 'Ben',
      groups: ['staff', 'herald-owners', 'oncall'],
    });
    expect(expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin)).role).toBe('owner');
    expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin));
    expect((await auditActions(first.userId)).filter((action) => action === 'user.role')).toHaveLength(2);
  });

  it('refuses a user whose claim maps to no role, and changes nothing', async () => {
    const usersBefore = await countRows(handle.db, user);
    const identity = await identityOf('outsider-fay@example.test');
    const failure = expectFailure(await signInWithSso(context, settingsFor(provider.issuer), identity, origin), 'forbidden');
    expect(failure.message).toContain('not in any group that has a Herald role');
    expect(await countRows(handle.db, user)).toBe(usersBefore);
    const [refused] = await refusalsFor('outsider-fay@example.test');
    expect(refused?.after).toMatchObject({ reason: 'no_role', provider: 'Test IdP', address: origin.address });
  });

  it('refuses an account that does not exist when users are not created on first sign-in', async () => {
    const settings = settingsFor(provider.issuer, { createUsers: false });
    const identity = await identityOf('responder-gil@example.test', { settings });
    const failure = expectFailure(await signInWithSso(context, settings, identity, origin), 'forbidden');
    expect(failure.message).toBe('No Herald account for responder-gil@example.test; ask an admin to add you.');
    expect(await userByEmail('responder-gil@example.test')).toBeUndefined();
    expect(await refusalsFor('responder-gil@example.test')).toHaveLength(1);
  });

  it('links an existing account by its email when the provider verified it, even with creation off', async () => {
    const existing = expectOk(
      await createUserWithPassword(context, testActor, {
        email: 'Admin-Hal@Example.test',
        name: 'Hal',
        role: 'viewer',
        password: 'a long enough password',
      }),
    );
    const settings = settingsFor(provider.issuer, { createUsers: false });
    const identity = await identityOf('admin-hal@example.test', { settings });
    const signedIn = expectOk(await signInWithSso(context, settings, identity, origin));
    expect(signedIn).toEqual({ userId: existing.id, role: 'admin' });
    const linked = await userByEmail('admin-hal@example.test');
    expect(linked?.ssoSubject).toBe(`${provider.issuer} admin-hal@example.test`);
    expect(linked?.passwordHash).not.toBeNull();
    expect(await auditActions(existing.id)).toEqual(['user.add', 'user.sso_link', 'user.role', 'auth.sso_sign_in']);
  });

  it('refuses to link an account by an email the provider has not verified, and changes nothing', async () => {
    const existing = expectOk(
      await createUserWithPassword(context, testActor, {
        email: 'unverified-ivy@example.test',
        name: 'Ivy',
        role: 'viewer',
        password: 'a long enough password',
      }),
    );
    provider.accounts.set('ivy', { email: 'unverified-ivy@example.test', email_verified: false, name: 'Ivy', groups: ['staff'] });
    const identity = await identityOf('ivy');
    expect(identity.emailVerified).toBe(false);
    const failure = expectFailure(await signInWithSso(context, settingsFor(provider.issuer), identity, origin), 'forbidden');
    expect(failure.message).toContain('has not verified that address');
    expect((await userByEmail('unverified-ivy@example.test'))?.ssoSubject).toBeNull();
    expect(await auditActions(existing.id)).toEqual(['user.add', 'auth.sso_refused']);
  });

  it('refuses a user the provider shares no email for when no account is linked yet', async () => {
    provider.accounts.set('no-email', { name: 'Nemo', groups: ['staff'] });
    const identity = await identityOf('no-email');
    expect(identity.email).toBeNull();
    const failure = expectFailure(await signInWithSso(context, settingsFor(provider.issuer), identity, origin), 'forbidden');
    expect(failure.message).toBe('Test IdP did not share your email address, so Herald cannot find your account.');
  });

  it('refuses an account linked to another subject at the provider', async () => {
    const login = 'viewer-jo@example.test';
    expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin));
    provider.accounts.set('someone-else', { email: login, email_verified: true, name: 'Impostor', groups: ['staff'] });
    const failure = expectFailure(
      await signInWithSso(context, settingsFor(provider.issuer), await identityOf('someone-else'), origin),
      'forbidden',
    );
    expect(failure.message).toContain('is linked to another Test IdP account');
  });

  it('links again by verified email an account linked at an earlier issuer (OIDC_ISSUER changed)', async () => {
    const login = 'viewer-lee@example.test';
    const { userId } = expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin));
    await handle.db.update(user).set({ ssoSubject: 'https://old-idp.example.test lee' }).where(eq(user.id, userId));
    expect(expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin)).userId).toBe(userId);
    const [relink] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, userId), eq(auditLog.action, 'user.sso_link')));
    expect(relink).toMatchObject({
      before: { ssoSubject: 'https://old-idp.example.test lee' },
      after: { ssoSubject: `${provider.issuer} ${login}` },
    });
  });

  it('refuses a disabled user', async () => {
    const login = 'admin-kim@example.test';
    const { userId } = expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin));
    await handle.db.update(user).set({ disabledAt: clock.now() }).where(eq(user.id, userId));
    const failure = expectFailure(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin), 'forbidden');
    expect(failure.message).toContain('disabled');
    expect((await auditActions(userId)).at(-1)).toBe('auth.sso_refused');
  });

  it('reads the claims from the ID token when the provider puts them there', async () => {
    const idTokenProvider = await startOidcProvider({ redirectUris: [REDIRECT_URI], claimsInIdToken: true });
    try {
      const settings = settingsFor(idTokenProvider.issuer);
      const identity = await identityOf('admin-lou@example.test', { settings });
      expect(identity).toMatchObject({ email: 'admin-lou@example.test', emailVerified: true, roleClaim: ['staff', 'herald-admins'] });
      expect(expectOk(await signInWithSso(context, settings, identity, origin)).role).toBe('admin');
    } finally {
      await idTokenProvider.close();
    }
  });
});

describe('answers that are refused at the callback', () => {
  async function refusedWith(callback: URL, flow: SsoFlowState | null, settings = settingsFor(provider.issuer)) {
    const completed = await completeSsoFlow(settings, callback, flow, clock.now());
    if (completed.ok) throw new Error('expected the callback to be refused');
    expect(completed.failure.reason).toBe('invalid');
    return completed.failure.message;
  }

  it('refuses a forged state without spending the code', async () => {
    const { callback, flow, settings } = await atCallback('viewer-max@example.test');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state');
    expect(await refusedWith(forged, flow)).toContain('could not be verified');
    // The code was never sent to the provider, so the real answer still completes.
    expect((await completeSsoFlow(settings, callback, flow, clock.now())).ok).toBe(true);
  });

  it('refuses a callback with no flow cookie, or one that expired', async () => {
    const { callback, flow } = await atCallback('viewer-ned@example.test');
    expect(await refusedWith(callback, null)).toContain('could not be verified');
    clock.advance(11 * MINUTE);
    expect(await refusedWith(callback, flow)).toContain('expired');
  });

  it("shows the provider's own error (the user cancelled)", async () => {
    const { callback, flow } = await atCallback('viewer-ola@example.test', { cancel: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(await refusedWith(callback, flow)).toBe('Test IdP did not sign you in (access denied). Start again if you meant to sign in.');
  });

  it('refuses a code used twice', async () => {
    const { callback, flow, settings } = await atCallback('viewer-pam@example.test');
    expect((await completeSsoFlow(settings, callback, flow, clock.now())).ok).toBe(true);
    expect(await refusedWith(callback, flow)).toContain('did not accept this sign-in (invalid_grant)');
  });

  it('refuses an ID token whose nonce is not the one this flow sent', async () => {
    const { callback, flow } = await atCallback('viewer-quinn@example.test');
    expect(await refusedWith(callback, { ...flow, nonce: 'another-flows-nonce' })).toContain('could not be verified');
  });

  it('refuses a code exchanged with the wrong PKCE verifier', async () => {
    const { callback, flow } = await atCallback('viewer-rae@example.test');
    expect(await refusedWith(callback, { ...flow, codeVerifier: 'x'.repeat(43) })).toContain('did not accept this sign-in (invalid_grant)');
  });
});

describe('re-authenticating', () => {
  async function signedInSession(login: string) {
    const { userId } = expectOk(await signInWithSso(context, settingsFor(provider.issuer), await identityOf(login), origin));
    const started = clock.now();
    const { token } = await createSession(handle.db, userId, started, { method: 'sso', userAgent: '', address: '' });
    return { userId, sessionId: token.split('.')[0]!, started };
  }

  it('marks the session verified when the provider account is the signed-in user', async () => {
    const signedIn = await signedInSession('responder-sam@example.test');
    clock.advance(30 * MINUTE);
    const identity = await identityOf('responder-sam@example.test', { purpose: 'reauth' });
    expectOk(await reauthenticateWithSso(context, settingsFor(provider.issuer), identity, signedIn, origin));
    const [row] = await handle.db.select().from(session).where(eq(session.id, signedIn.sessionId));
    expect(row?.verifiedAt).toEqual(clock.now());
    expect((await auditActions(signedIn.userId)).at(-1)).toBe('auth.reauthenticated');
  });

  it('refuses another provider account, and leaves the session unverified', async () => {
    const signedIn = await signedInSession('responder-tia@example.test');
    clock.advance(30 * MINUTE);
    const identity = await identityOf('responder-uma@example.test', { purpose: 'reauth' });
    const failure = expectFailure(
      await reauthenticateWithSso(context, settingsFor(provider.issuer), identity, signedIn, origin),
      'forbidden',
    );
    expect(failure.message).toContain('not the account signed in here');
    const [row] = await handle.db.select().from(session).where(eq(session.id, signedIn.sessionId));
    expect(row?.verifiedAt).toEqual(signedIn.started);
    expect(await userByEmail('responder-uma@example.test')).toBeUndefined();
  });
});
