import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { consumeRateLimit, clearRateLimit, peekRateLimit } from '../../src/lib/server/auth/rate-limit';
import { createSession, validateSessionToken } from '../../src/lib/server/auth/session';
import { DEFAULT_SESSION_POLICY } from '../../src/lib/domain/session-policy';
import { hashSecret } from '../../src/lib/server/auth/tokens';
import { auditLog, passwordToken, rateLimit, user } from '../../src/lib/server/db/schema';
import {
  addUser,
  authenticate,
  changeUserRole,
  countUsers,
  issuePasswordLink,
  listUsers,
  setUserDisabled,
  type StaffActor,
} from '../../src/lib/server/services/access/users';
import { checkPasswordToken, INVITATION_LINK_TTL_MS, setPasswordWithToken } from '../../src/lib/server/services/access/passwords';
import { createFirstOwner } from '../../src/lib/server/services/access/setup';
import type { Role } from '../../src/lib/domain/roles';
import { auditRowsFor, countRows, expectFailure, expectInvalid, expectOk, HOUR, MINUTE } from '../support/factories';
import { useTestContext } from '../support/test-database';
import { notThrottled } from '../support/throttling';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

const OWNER_PASSWORD = 'correct horse battery staple';
/** Where the passwords of this file are set from, and the setup token its owner is made with. */
const ORIGIN = { address: '192.0.2.10' };
const SETUP = { clientKey: '192.0.2.10', configuredToken: 'users-sessions-setup-token' };

let owner: StaffActor;

async function storedUser(id: string) {
  const [row] = await handle.db.select().from(user).where(eq(user.id, id));
  return row!;
}

/** Adds a user as the owner and sets their password through the link; returns them as an actor. */
async function staff(email: string, role: Role, password = 'a long enough password'): Promise<StaffActor> {
  clock.advance(MINUTE);
  const added = expectOk(await addUser(context, owner, { email, name: email.split('@')[0]!, role }));
  expectOk(await setPasswordWithToken(context, added.passwordToken, { password, confirmPassword: password }, ORIGIN));
  return { userId: added.user.id, label: email, role };
}

describe('first owner', () => {
  it('is refused with mismatched passwords, created once, then refused as a conflict', async () => {
    expect(await countUsers(context)).toBe(0);
    const mismatch = expectInvalid(
      notThrottled(
        await createFirstOwner(
          context,
          {
            setupToken: SETUP.configuredToken,
            email: 'ada@example.com',
            name: 'Ada',
            password: OWNER_PASSWORD,
            confirmPassword: 'something else',
          },
          SETUP,
        ),
      ),
    );
    expect(mismatch).toHaveProperty('confirmPassword');
    expect(
      expectInvalid(
        notThrottled(
          await createFirstOwner(
            context,
            { setupToken: SETUP.configuredToken, email: 'ada@example.com', name: 'Ada', password: 'short', confirmPassword: 'short' },
            SETUP,
          ),
        ),
      ),
    ).toHaveProperty('password');
    expect(await countUsers(context)).toBe(0);

    const created = expectOk(
      notThrottled(
        await createFirstOwner(
          context,
          {
            setupToken: SETUP.configuredToken,
            email: ' Ada@Example.com ',
            name: 'Ada',
            password: OWNER_PASSWORD,
            confirmPassword: OWNER_PASSWORD,
          },
          SETUP,
        ),
      ),
    );
    expect(created).toMatchObject({ email: 'ada@example.com', name: 'Ada', role: 'owner', hasPassword: true, disabledAt: null });
    expect(created).not.toHaveProperty('passwordHash');
    owner = { userId: created.id, label: 'Ada <ada@example.com>', role: 'owner' };

    const again = notThrottled(
      await createFirstOwner(
        context,
        {
          setupToken: SETUP.configuredToken,
          email: 'eve@example.com',
          name: 'Eve',
          password: OWNER_PASSWORD,
          confirmPassword: OWNER_PASSWORD,
        },
        SETUP,
      ),
    );
    expectFailure(again, 'conflict');
    expect(await countUsers(context)).toBe(1);

    const [audit] = await auditRowsFor(handle.db, created.id);
    expect(audit).toMatchObject({ action: 'user.setup_owner', actorUserId: created.id, entityType: 'user' });
    expect(JSON.stringify(audit!.after)).not.toContain('argon2');
  });

  it('stores the password as an argon2id hash, never in plain text', async () => {
    const row = await storedUser(owner.userId);
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain(OWNER_PASSWORD);
    // Nothing in the users list exposes the hash.
    const listed = (await listUsers(context)).find((item) => item.id === owner.userId)!;
    expect(listed).not.toHaveProperty('passwordHash');
    expect(JSON.stringify(await handle.db.select().from(auditLog))).not.toContain(OWNER_PASSWORD);
  });
});

describe('authenticate', () => {
  it('accepts the right password, case-insensitively by email, and nothing else', async () => {
    expect((await authenticate(context, 'ada@example.com', OWNER_PASSWORD))?.id).toBe(owner.userId);
    expect((await authenticate(context, '  ADA@example.COM ', OWNER_PASSWORD))?.id).toBe(owner.userId);
    expect(await authenticate(context, 'ada@example.com', 'wrong password!')).toBeNull();
    expect(await authenticate(context, 'ada@example.com', OWNER_PASSWORD.toUpperCase())).toBeNull();
    expect(await authenticate(context, 'nobody@example.com', OWNER_PASSWORD)).toBeNull();
  });

  it('refuses a user who has not set a password yet, and a disabled user', async () => {
    clock.advance(MINUTE);
    const pending = expectOk(await addUser(context, owner, { email: 'pending@example.com', name: 'Pending', role: 'viewer' }));
    expect(pending.user.hasPassword).toBe(false);
    expect(await authenticate(context, 'pending@example.com', '')).toBeNull();
    expect(await authenticate(context, 'pending@example.com', 'anything at all')).toBeNull();

    const grace = await staff('grace@example.com', 'responder', 'grace password 1');
    expect((await authenticate(context, 'grace@example.com', 'grace password 1'))?.id).toBe(grace.userId);
    clock.advance(MINUTE);
    expectOk(await setUserDisabled(context, owner, grace.userId, true));
    expect(await authenticate(context, 'grace@example.com', 'grace password 1')).toBeNull();
    clock.advance(MINUTE);
    expectOk(await setUserDisabled(context, owner, grace.userId, false));
    expect((await authenticate(context, 'grace@example.com', 'grace password 1'))?.id).toBe(grace.userId);
    expect((await auditRowsFor(handle.db, grace.userId)).map((row) => row.action)).toEqual([
      'user.add',
      'user.set_password',
      'user.disable',
      'user.enable',
    ]);
  });
});

describe('password links', () => {
  it('addUser returns a link token that sets a password exactly once', async () => {
    clock.advance(MINUTE);
    const added = expectOk(await addUser(context, owner, { email: 'Linus@Example.com', name: 'Linus', role: 'responder' }));
    expect(added.user).toMatchObject({ email: 'linus@example.com', role: 'responder', hasPassword: false });
    expect(added.passwordToken).toMatch(/^[a-z0-9]{16}\.[a-z0-9]{24}$/);
    expect(await checkPasswordToken(context, added.passwordToken)).toEqual({ email: 'linus@example.com', purpose: 'invitation' });

    // Only the secret's hash is stored.
    const [id, secret] = added.passwordToken.split('.') as [string, string];
    const [row] = await handle.db.select().from(passwordToken).where(eq(passwordToken.id, id));
    expect(row!.userId).toBe(added.user.id);
    expect(Buffer.from(row!.secretHash).equals(Buffer.from(hashSecret(secret)))).toBe(true);
    expect(Buffer.from(row!.secretHash).toString('latin1')).not.toContain(secret);
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(INVITATION_LINK_TTL_MS);

    clock.advance(HOUR);
    const mismatch = await setPasswordWithToken(
      context,
      added.passwordToken,
      { password: 'linus password 1', confirmPassword: 'other' },
      ORIGIN,
    );
    expect(expectInvalid(mismatch)).toHaveProperty('confirmPassword');
    expect(
      expectOk(
        await setPasswordWithToken(
          context,
          added.passwordToken,
          { password: 'linus password 1', confirmPassword: 'linus password 1' },
          ORIGIN,
        ),
      ),
    ).toEqual({
      userId: added.user.id,
      purpose: 'invitation',
      hasSecondFactor: false,
    });
    expect((await authenticate(context, 'linus@example.com', 'linus password 1'))?.id).toBe(added.user.id);
    expect((await storedUser(added.user.id)).passwordHash).toMatch(/^\$argon2id\$/);

    // The link is spent.
    expect(await checkPasswordToken(context, added.passwordToken)).toBeNull();
    expectFailure(
      await setPasswordWithToken(
        context,
        added.passwordToken,
        { password: 'linus password 2', confirmPassword: 'linus password 2' },
        ORIGIN,
      ),
      'not_found',
    );
    expect(await authenticate(context, 'linus@example.com', 'linus password 2')).toBeNull();
    expect((await authenticate(context, 'linus@example.com', 'linus password 1'))?.id).toBe(added.user.id);
  });

  it('a link expires after 72 hours', async () => {
    clock.advance(MINUTE);
    const added = expectOk(await addUser(context, owner, { email: 'late@example.com', name: 'Late', role: 'viewer' }));
    clock.advance(INVITATION_LINK_TTL_MS - MINUTE);
    expect(await checkPasswordToken(context, added.passwordToken)).toEqual({ email: 'late@example.com', purpose: 'invitation' });
    clock.advance(MINUTE);
    expect(await checkPasswordToken(context, added.passwordToken)).toBeNull();
    expectFailure(
      await setPasswordWithToken(context, added.passwordToken, { password: 'late password 1', confirmPassword: 'late password 1' }, ORIGIN),
      'not_found',
    );
    expect((await storedUser(added.user.id)).passwordHash).toBeNull();

    // A new link works, and replaces any earlier unused one.
    clock.advance(MINUTE);
    const first = expectOk(await issuePasswordLink(context, owner, added.user.id));
    const second = expectOk(await issuePasswordLink(context, owner, added.user.id));
    expect(await checkPasswordToken(context, first)).toBeNull();
    expectOk(await setPasswordWithToken(context, second, { password: 'late password 1', confirmPassword: 'late password 1' }, ORIGIN));
    expect((await auditRowsFor(handle.db, added.user.id)).map((row) => row.action)).toEqual([
      'user.add',
      'user.password_link',
      'user.password_link',
      'user.set_password',
    ]);
  });

  it('refuses forged and malformed tokens', async () => {
    clock.advance(MINUTE);
    const added = expectOk(await addUser(context, owner, { email: 'forged@example.com', name: 'Forged', role: 'viewer' }));
    const [id, secret] = added.passwordToken.split('.') as [string, string];
    const forgedSecret = (secret[0] === 'a' ? 'b' : 'a') + secret.slice(1);
    const input = { password: 'forged password 1', confirmPassword: 'forged password 1' };
    for (const token of [
      `${id}.${forgedSecret}`,
      `${id}.${'a'.repeat(24)}`,
      'garbage',
      '',
      `${id}.${secret}x`,
      `${id.toUpperCase()}.${secret}`,
      id,
    ]) {
      expect(await checkPasswordToken(context, token)).toBeNull();
      expectFailure(await setPasswordWithToken(context, token, input, ORIGIN), 'not_found');
    }
    expect((await storedUser(added.user.id)).passwordHash).toBeNull();
    // The real token still works afterwards.
    expectOk(await setPasswordWithToken(context, added.passwordToken, input, ORIGIN));
  });

  it('an admin cannot make a link for a user who has a password (they get a reset email instead)', async () => {
    const mia = await staff('mia@example.com', 'viewer', 'mia password 1');
    const { token } = await createSession(handle.db, mia.userId, clock.now());
    clock.advance(MINUTE);
    const refused = expectFailure(await issuePasswordLink(context, owner, mia.userId), 'conflict');
    expect(refused.message).toContain('has a password already: send them a password reset email instead');
    // Nothing changed: her session and her password stand.
    expect(await validateSessionToken(handle.db, token, clock.now(), DEFAULT_SESSION_POLICY)).not.toBeNull();
    expect((await authenticate(context, 'mia@example.com', 'mia password 1'))?.id).toBe(mia.userId);
  });

  it('refuses a second user with the same email', async () => {
    clock.advance(MINUTE);
    const before = await countUsers(context);
    expect(expectInvalid(await addUser(context, owner, { email: 'ADA@example.com', name: 'Ada again', role: 'viewer' }))).toHaveProperty(
      'email',
    );
    expect(expectInvalid(await addUser(context, owner, { email: 'not-an-email', name: 'Nobody', role: 'viewer' }))).toHaveProperty('email');
    expect(await countUsers(context)).toBe(before);
  });
});

describe('roles', () => {
  let admin: StaffActor;
  let responder: StaffActor;

  beforeAll(async () => {
    admin = await staff('alan@example.com', 'admin');
    responder = await staff('rita@example.com', 'responder');
  });

  it('an admin adds responders and viewers but not admins or owners', async () => {
    const before = await countUsers(context);
    const audit = await countRows(handle.db, auditLog);
    clock.advance(MINUTE);
    expectFailure(await addUser(context, admin, { email: 'new-admin@example.com', name: 'New admin', role: 'admin' }), 'forbidden');
    expectFailure(await addUser(context, admin, { email: 'new-owner@example.com', name: 'New owner', role: 'owner' }), 'forbidden');
    expectFailure(await addUser(context, responder, { email: 'new-viewer@example.com', name: 'New viewer', role: 'viewer' }), 'forbidden');
    expect(await countUsers(context)).toBe(before);
    expect(await countRows(handle.db, auditLog)).toBe(audit);

    const viewer = expectOk(await addUser(context, admin, { email: 'vera@example.com', name: 'Vera', role: 'viewer' }));
    expect(viewer.user.role).toBe('viewer');
    expect((await auditRowsFor(handle.db, viewer.user.id))[0]).toMatchObject({ action: 'user.add', actorUserId: admin.userId });
    const promoted = expectOk(await changeUserRole(context, admin, viewer.user.id, { role: 'responder' }));
    expect(promoted.role).toBe('responder');
    expect((await auditRowsFor(handle.db, viewer.user.id)).at(-1)).toMatchObject({
      action: 'user.role',
      before: { role: 'viewer' },
      after: { role: 'responder' },
    });
  });

  it('an admin cannot change an owner or another admin, nor make anyone an admin', async () => {
    const otherAdmin = await staff('ines@example.com', 'admin');
    clock.advance(MINUTE);
    expectFailure(await changeUserRole(context, admin, owner.userId, { role: 'viewer' }), 'forbidden');
    expectFailure(await changeUserRole(context, admin, otherAdmin.userId, { role: 'viewer' }), 'forbidden');
    expectFailure(await changeUserRole(context, admin, responder.userId, { role: 'admin' }), 'forbidden');
    expectFailure(await setUserDisabled(context, admin, owner.userId, true), 'forbidden');
    expectFailure(await issuePasswordLink(context, admin, owner.userId), 'forbidden');
    expect((await storedUser(owner.userId)).role).toBe('owner');
    expect((await storedUser(otherAdmin.userId)).role).toBe('admin');
    expect((await storedUser(responder.userId)).role).toBe('responder');
    expect((await storedUser(owner.userId)).disabledAt).toBeNull();
  });

  it('an owner can add admins and owners and change their roles', async () => {
    clock.advance(MINUTE);
    const newAdmin = expectOk(await addUser(context, owner, { email: 'ned@example.com', name: 'Ned', role: 'admin' }));
    const newOwner = expectOk(await addUser(context, owner, { email: 'olga@example.com', name: 'Olga', role: 'owner' }));
    expect(newAdmin.user.role).toBe('admin');
    expect(newOwner.user.role).toBe('owner');
    expect(expectOk(await changeUserRole(context, owner, newAdmin.user.id, { role: 'viewer' })).role).toBe('viewer');
    expect(expectOk(await changeUserRole(context, owner, newOwner.user.id, { role: 'admin' })).role).toBe('admin');
    expect(expectOk(await changeUserRole(context, owner, responder.userId, { role: 'admin' })).role).toBe('admin');
    expect(expectOk(await changeUserRole(context, owner, responder.userId, { role: 'responder' })).role).toBe('responder');
  });

  it('nobody changes their own role', async () => {
    clock.advance(MINUTE);
    expectFailure(await changeUserRole(context, owner, owner.userId, { role: 'admin' }), 'forbidden');
    expectFailure(await changeUserRole(context, admin, admin.userId, { role: 'owner' }), 'forbidden');
    expectFailure(await changeUserRole(context, admin, admin.userId, { role: 'viewer' }), 'forbidden');
    expectFailure(await setUserDisabled(context, owner, owner.userId, true), 'forbidden');
    expect((await storedUser(owner.userId)).role).toBe('owner');
    expect((await storedUser(admin.userId)).role).toBe('admin');
  });

  it('refuses an unknown role or user', async () => {
    expect(expectInvalid(await changeUserRole(context, owner, responder.userId, { role: 'god' as Role }))).toHaveProperty('role');
    expectFailure(await changeUserRole(context, owner, 'nosuchuser000000', { role: 'viewer' }), 'not_found');
  });
});

describe('rate limit', () => {
  const rule = { limit: 3, windowMs: 15 * MINUTE };

  it('allows `limit` attempts per window, then refuses with the time to wait', async () => {
    const start = clock.now();
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect(await consumeRateLimit(handle.db, 'login:ada@example.com', rule, new Date(start.getTime() + attempt * 1000))).toMatchObject({
        allowed: true,
      });
    }
    // The window began with the first attempt (start + 1 s) and lasts 15 min.
    expect(await consumeRateLimit(handle.db, 'login:ada@example.com', rule, new Date(start.getTime() + 61_000))).toMatchObject({
      allowed: false,
      retryAfterSeconds: 15 * 60 - 60,
    });
    expect(await consumeRateLimit(handle.db, 'login:ada@example.com', rule, new Date(start.getTime() + 15 * MINUTE))).toMatchObject({
      allowed: false,
      retryAfterSeconds: 1,
    });
    // Other keys have their own count.
    expect(await consumeRateLimit(handle.db, 'login:eve@example.com', rule, start)).toMatchObject({ allowed: true });

    // Once the window is over, counting starts again.
    const reset = new Date(start.getTime() + 1000 + 15 * MINUTE);
    expect(await consumeRateLimit(handle.db, 'login:ada@example.com', rule, reset)).toMatchObject({ allowed: true });
    const [row] = await handle.db.select().from(rateLimit).where(eq(rateLimit.key, 'login:ada@example.com'));
    expect(row).toMatchObject({ count: 1, resetAt: new Date(reset.getTime() + 15 * MINUTE) });
    expect(await consumeRateLimit(handle.db, 'login:ada@example.com', rule, reset)).toMatchObject({ allowed: true });
    expect(await consumeRateLimit(handle.db, 'login:ada@example.com', rule, reset)).toMatchObject({ allowed: true });
    expect(await consumeRateLimit(handle.db, 'login:ada@example.com', rule, reset)).toMatchObject({
      allowed: false,
      retryAfterSeconds: 15 * 60,
    });
  });

  it('clearRateLimit starts the count afresh', async () => {
    const now = clock.now();
    const key = 'login:clear@example.com';
    for (let attempt = 0; attempt < 3; attempt += 1) await consumeRateLimit(handle.db, key, rule, now);
    expect((await consumeRateLimit(handle.db, key, rule, now)).allowed).toBe(false);
    await clearRateLimit(handle.db, key);
    expect(await consumeRateLimit(handle.db, key, rule, now)).toMatchObject({ allowed: true });
  });
});

describe('audit', () => {
  it('user writes are recorded with their actor', async () => {
    const rows = await handle.db.select().from(auditLog).where(eq(auditLog.entityType, 'user'));
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.every((row) => row.actorLabel.length > 0)).toBe(true);
    expect(new Set(rows.map((row) => row.action))).toEqual(
      new Set(['user.setup_owner', 'user.add', 'user.set_password', 'user.disable', 'user.enable', 'user.password_link', 'user.role']),
    );
    // No audit row holds a password hash.
    expect(JSON.stringify(rows)).not.toContain('$argon2');
  });
});

describe('peeking at a rate limit', () => {
  it('tells whether one more attempt would pass without counting it', async () => {
    const rule = { limit: 2, windowMs: 15 * MINUTE };
    const start = new Date('2026-03-05T10:00:00.000Z');
    const key = 'login:failures:peek@example.com';
    expect(await peekRateLimit(handle.db, key, rule, start)).toEqual({ allowed: true });
    await consumeRateLimit(handle.db, key, rule, start);
    expect(await peekRateLimit(handle.db, key, rule, start)).toEqual({ allowed: true });
    await consumeRateLimit(handle.db, key, rule, start);
    expect(await peekRateLimit(handle.db, key, rule, start)).toEqual({ allowed: false, retryAfterSeconds: 15 * 60 });
    expect(await peekRateLimit(handle.db, key, rule, new Date(start.getTime() + 15 * MINUTE))).toEqual({ allowed: true });
  });
});
