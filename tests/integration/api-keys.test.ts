/**
 * API keys: creating (the token shown once, only a hash stored), listing, revoking, and
 * authenticating a presented key; the admin form handlers; and `herald apikey …` run for real
 * on a temporary DATA_DIR.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyState, createApiKeyForm, EXPIRY_DAYS_MESSAGE, revokeApiKeyForm } from '../../src/forms/api-keys';
import { hashSecret } from '../../src/lib/server/auth/tokens';
import { openPglite, rowsOf } from '../../src/lib/server/db/client';
import { auditLog } from '../../src/lib/server/db/schema';
import { apiKey } from '../../src/lib/server/db/schema/automation';
import { admit } from '../../src/lib/server/api/access';
import {
  authenticateApiKey,
  createApiKey,
  DEFAULT_API_KEY_EXPIRY_DAYS,
  listApiKeys,
  revokeApiKey,
} from '../../src/lib/server/services/access/api-keys';
import {
  changeUserRole,
  createUserWithPassword,
  labelOf,
  setUserDisabled,
  type StaffActor,
} from '../../src/lib/server/services/access/users';
import { auditRowsFor, DAY, expectFailure, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';
import { childEnvironment, runTsx } from '../support/run-tsx';

const TOKEN_SHAPE = /^herald_([a-z2-7]{16})\.([a-z2-7]{24})$/;

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

async function keyRow(id: string) {
  const [row] = await handle.db.select().from(apiKey).where(eq(apiKey.id, id));
  return row!;
}

/** Every column of every api_key and audit_log row, as the database renders it in text. */
async function storedText(): Promise<string> {
  const keys = rowsOf(await handle.db.execute(sql`select row_to_json(k)::text as json from api_key k`));
  const audit = rowsOf(await handle.db.execute(sql`select row_to_json(a)::text as json from audit_log a`));
  return [...keys, ...audit].map((row) => String(row.json)).join('\n');
}

describe('creating a key', () => {
  it('returns herald_<id>.<secret> once, and stores only the hash of the secret', async () => {
    const { key, token } = expectOk(await createApiKey(context, testActor, { name: 'deploy-bot', role: 'responder', expiresInDays: '30' }));
    const match = TOKEN_SHAPE.exec(token);
    expect(match).not.toBeNull();
    const [, id, secret] = match!;
    expect(id).toBe(key.id);
    expect(key).not.toHaveProperty('secretHash');
    expect(key).toMatchObject({ name: 'deploy-bot', role: 'responder', createdByLabel: 'test-suite', lastUsedAt: null, revokedAt: null });
    expect(key.expiresAt).toEqual(new Date(clock.now().getTime() + 30 * DAY));

    const row = await keyRow(id!);
    expect(Buffer.from(row.secretHash).equals(Buffer.from(hashSecret(secret!)))).toBe(true);
    expect(Buffer.from(row.secretHash).toString('latin1')).not.toContain(secret);
    const stored = await storedText();
    expect(stored).toContain('deploy-bot');
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(token);
    // Nor in hex or base64, as a JSON rendering of the bytes might hold it.
    expect(stored).not.toContain(Buffer.from(secret!).toString('hex'));
    expect(stored).not.toContain(Buffer.from(secret!).toString('base64'));

    const [audit] = await auditRowsFor(handle.db, id!);
    expect(audit).toMatchObject({ action: 'api_key.create', entityType: 'api_key', actorLabel: 'test-suite', before: null });
    expect(JSON.stringify(audit!.after)).not.toContain(secret);
    expect(audit!.after).not.toHaveProperty('secretHash');
  });

  it('gives each key a different secret', async () => {
    const first = expectOk(await createApiKey(context, testActor, { name: 'twin-1', role: 'viewer' }));
    const second = expectOk(await createApiKey(context, testActor, { name: 'twin-2', role: 'viewer' }));
    expect(first.token.split('.')[1]).not.toBe(second.token.split('.')[1]);
  });

  it('refuses a name in use by an active key (in any case), and frees the name once that key is revoked', async () => {
    const first = expectOk(await createApiKey(context, testActor, { name: 'Grafana', role: 'responder' }));
    const refused = expectInvalid(await createApiKey(context, testActor, { name: 'grafana', role: 'viewer' }));
    expect(refused.name).toMatch(/exists already/);

    expectOk(await revokeApiKey(context, testActor, first.key.id));
    const reused = expectOk(await createApiKey(context, testActor, { name: 'Grafana', role: 'responder' }));
    expect(reused.key.id).not.toBe(first.key.id);
    const named = (await listApiKeys(context)).filter((key) => key.name === 'Grafana');
    expect(named.map((key) => key.id)).toEqual([reused.key.id, first.key.id]);
  });

  it('refuses the owner role, an unknown role and a blank name', async () => {
    expect(expectInvalid(await createApiKey(context, testActor, { name: 'too-strong', role: 'owner' as never })).role).toBe(
      'Choose viewer, responder or admin.',
    );
    expect(expectInvalid(await createApiKey(context, testActor, { name: 'odd', role: 'root' as never })).role).toBeDefined();
    expect(expectInvalid(await createApiKey(context, testActor, { name: '   ', role: 'viewer' })).name).toBe('Name is required.');
    expect((await listApiKeys(context)).map((key) => key.name)).not.toContain('too-strong');
  });

  it('takes 1 to 3650 days until expiry, or none', async () => {
    const now = clock.now().getTime();
    expect(expectOk(await createApiKey(context, testActor, { name: 'days-1', role: 'viewer', expiresInDays: 1 })).key.expiresAt).toEqual(
      new Date(now + DAY),
    );
    expect(
      expectOk(await createApiKey(context, testActor, { name: 'days-3650', role: 'viewer', expiresInDays: '3650' })).key.expiresAt,
    ).toEqual(new Date(now + 3650 * DAY));
    expect(
      expectOk(await createApiKey(context, testActor, { name: 'days-blank', role: 'viewer', expiresInDays: '' })).key.expiresAt,
    ).toBeNull();
    expect(
      expectOk(await createApiKey(context, testActor, { name: 'days-null', role: 'viewer', expiresInDays: null })).key.expiresAt,
    ).toBeNull();
    // Without a word about it, a key works for 90 days.
    expect(expectOk(await createApiKey(context, testActor, { name: 'days-absent', role: 'viewer' })).key.expiresAt).toEqual(
      new Date(now + DEFAULT_API_KEY_EXPIRY_DAYS * DAY),
    );
    expect(DEFAULT_API_KEY_EXPIRY_DAYS).toBe(90);

    expect(expectInvalid(await createApiKey(context, testActor, { name: 'days-0', role: 'viewer', expiresInDays: 0 })).expiresInDays).toBe(
      'Enter at least 1 day.',
    );
    expect(
      expectInvalid(await createApiKey(context, testActor, { name: 'days-3651', role: 'viewer', expiresInDays: '3651' })).expiresInDays,
    ).toBe('Enter at most 3650 days (ten years).');
    expect(
      expectInvalid(await createApiKey(context, testActor, { name: 'days-neg', role: 'viewer', expiresInDays: '-5' })).expiresInDays,
    ).toBeDefined();
    expect(
      expectInvalid(await createApiKey(context, testActor, { name: 'days-abc', role: 'viewer', expiresInDays: 'abc' })).expiresInDays,
    ).toBeDefined();
    const names = (await listApiKeys(context)).map((key) => key.name);
    expect(names.filter((name) => name.startsWith('days-')).sort()).toEqual([
      'days-1',
      'days-3650',
      'days-absent',
      'days-blank',
      'days-null',
    ]);
  });
});

describe('listing and revoking', () => {
  it('lists the active keys first, newest first within each, without hashes', async () => {
    const listed = await listApiKeys(context);
    for (const key of listed) expect(key).not.toHaveProperty('secretHash');
    const firstRevoked = listed.findIndex((key) => key.revokedAt !== null);
    expect(firstRevoked).toBeGreaterThan(0);
    expect(listed.slice(firstRevoked).every((key) => key.revokedAt !== null)).toBe(true);

    clock.advance(MINUTE);
    const older = expectOk(await createApiKey(context, testActor, { name: 'order-older', role: 'viewer' }));
    clock.advance(MINUTE);
    const revoked = expectOk(await createApiKey(context, testActor, { name: 'order-revoked', role: 'viewer' }));
    clock.advance(MINUTE);
    const newer = expectOk(await createApiKey(context, testActor, { name: 'order-newer', role: 'viewer' }));
    clock.advance(MINUTE);
    expectOk(await revokeApiKey(context, testActor, revoked.key.id));
    const ids = (await listApiKeys(context)).map((key) => key.id);
    expect(ids.indexOf(newer.key.id)).toBeLessThan(ids.indexOf(older.key.id));
    expect(ids.indexOf(older.key.id)).toBeLessThan(ids.indexOf(revoked.key.id));
  });

  it('revokes once: a second revoke is a conflict, an unknown id not found; both audited once', async () => {
    const { key } = expectOk(await createApiKey(context, testActor, { name: 'revoke-twice', role: 'admin' }));
    clock.advance(MINUTE);
    const revoked = expectOk(await revokeApiKey(context, { userId: null, label: 'Ada <ada@example.com>' }, key.id));
    expect(revoked.revokedAt).toEqual(clock.now());
    expect(revoked).not.toHaveProperty('secretHash');
    expectFailure(await revokeApiKey(context, testActor, key.id), 'conflict');
    expectFailure(await revokeApiKey(context, testActor, 'aaaaaaaaaaaaaaaa'), 'not_found');

    const audit = await auditRowsFor(handle.db, key.id);
    expect(audit.map((row) => row.action)).toEqual(['api_key.create', 'api_key.revoke']);
    expect(audit[1]).toMatchObject({ actorLabel: 'Ada <ada@example.com>', before: { name: 'revoke-twice', role: 'admin' } });
  });
});

describe('authenticating a presented key', () => {
  it('accepts the right key, acting as the key, and marks it used at most once a minute', async () => {
    const { key, token } = expectOk(await createApiKey(context, testActor, { name: 'ci', role: 'responder' }));
    const first = clock.advance(5 * MINUTE);
    const result = await authenticateApiKey(context, token);
    expect(result).toEqual({
      ok: true,
      principal: { keyId: key.id, name: 'ci', role: 'responder', actor: { userId: null, label: 'API key "ci"' } },
    });
    expect((await keyRow(key.id)).lastUsedAt).toEqual(first);

    clock.advance(59_000);
    expect((await authenticateApiKey(context, token)).ok).toBe(true);
    expect((await keyRow(key.id)).lastUsedAt).toEqual(first);

    const later = clock.advance(1_000);
    expect((await authenticateApiKey(context, token)).ok).toBe(true);
    expect((await keyRow(key.id)).lastUsedAt).toEqual(later);
    expect((await listApiKeys(context)).find((listed) => listed.id === key.id)!.lastUsedAt).toEqual(later);
  });

  it('refuses a wrong secret as unknown, and a key of the wrong shape as malformed', async () => {
    const { key, token } = expectOk(await createApiKey(context, testActor, { name: 'probe', role: 'viewer' }));
    const wrongSecret = `herald_${key.id}.${'a'.repeat(24)}`;
    expect(await authenticateApiKey(context, wrongSecret)).toEqual({ ok: false, reason: 'unknown' });
    expect(await authenticateApiKey(context, `herald_${'b'.repeat(16)}.${token.split('.')[1]}`)).toEqual({ ok: false, reason: 'unknown' });
    for (const malformed of [
      '',
      token.slice(0, -1),
      token.slice('herald_'.length),
      token.toUpperCase(),
      `${token} `,
      `Bearer ${token}`,
      `herald_${key.id}`,
    ]) {
      expect(await authenticateApiKey(context, malformed)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect((await keyRow(key.id)).lastUsedAt).toBeNull();
  });

  it('refuses a revoked key as revoked (and a wrong secret for it still as unknown)', async () => {
    const { key, token } = expectOk(await createApiKey(context, testActor, { name: 'old-pipeline', role: 'admin' }));
    expectOk(await revokeApiKey(context, testActor, key.id));
    expect(await authenticateApiKey(context, token)).toEqual({ ok: false, reason: 'revoked' });
    expect(await authenticateApiKey(context, `herald_${key.id}.${'c'.repeat(24)}`)).toEqual({ ok: false, reason: 'unknown' });
    expect((await keyRow(key.id)).lastUsedAt).toBeNull();
  });

  it('refuses a key from the moment it expires', async () => {
    const { key, token } = expectOk(await createApiKey(context, testActor, { name: 'short-lived', role: 'viewer', expiresInDays: 1 }));
    clock.advance(DAY - 1);
    expect((await authenticateApiKey(context, token)).ok).toBe(true);
    clock.advance(1);
    expect(clock.now()).toEqual(key.expiresAt);
    expect(await authenticateApiKey(context, token)).toEqual({ ok: false, reason: 'expired' });
    clock.advance(30 * DAY);
    expect(await authenticateApiKey(context, token)).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('the state shown for a key', () => {
  it('is Revoked over Expired over Active', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const past = new Date(now.getTime() - 1);
    const future = new Date(now.getTime() + 1);
    expect(apiKeyState({ revokedAt: null, expiresAt: null }, now)).toBe('Active');
    expect(apiKeyState({ revokedAt: null, expiresAt: future }, now)).toBe('Active');
    expect(apiKeyState({ revokedAt: null, expiresAt: now }, now)).toBe('Expired');
    expect(apiKeyState({ revokedAt: past, expiresAt: past }, now)).toBe('Revoked');
  });
});

describe('the admin forms', () => {
  let admin: StaffActor;

  beforeAll(async () => {
    const user = expectOk(
      await createUserWithPassword(context, testActor, {
        email: 'ada@example.com',
        name: 'Ada',
        role: 'admin',
        password: 'a long password 1',
      }),
    );
    admin = { userId: user.id, label: labelOf(user), role: user.role };
  });

  it('create shows the token (and nothing is stored of it); bad days are refused next to the field', async () => {
    const created = expectOk(
      await createApiKeyForm.run({
        values: { intent: 'create', name: 'form-key', role: 'responder', expiresInDays: ' 7 ' },
        actor: admin,
        context,
      }),
    );
    expect('shown' in created).toBe(true);
    const shown = 'shown' in created ? created.shown : null;
    expect(shown).toMatchObject({ name: 'form-key', role: 'responder', expiresAt: new Date(clock.now().getTime() + 7 * DAY) });
    expect(shown!.token).toMatch(TOKEN_SHAPE);
    const row = await keyRow(TOKEN_SHAPE.exec(shown!.token)![1]!);
    expect(row).toMatchObject({ createdBy: admin.userId, createdByLabel: admin.label });
    expect(await storedText()).not.toContain(shown!.token.split('.')[1]);

    for (const days of ['abc', '1.5', '-3', '7 days']) {
      const errors = expectInvalid(
        await createApiKeyForm.run({ values: { name: `form-days-${days}`, role: 'viewer', expiresInDays: days }, actor: admin, context }),
      );
      expect(errors.expiresInDays).toBe(EXPIRY_DAYS_MESSAGE);
    }
    expect(
      expectInvalid(await createApiKeyForm.run({ values: { name: '', role: 'owner', expiresInDays: 'soon' }, actor: admin, context })),
    ).toEqual({
      name: 'Name is required.',
      role: 'Choose viewer, responder or admin.',
      expiresInDays: EXPIRY_DAYS_MESSAGE,
    });
    expect(
      expectInvalid(
        await createApiKeyForm.run({ values: { name: 'form-days-big', role: 'viewer', expiresInDays: '4000' }, actor: admin, context }),
      ).expiresInDays,
    ).toMatch(/at most 3650/);
    expect(
      expectInvalid(await createApiKeyForm.run({ values: { name: 'form-key', role: 'viewer', expiresInDays: '' }, actor: admin, context }))
        .name,
    ).toMatch(/exists already/);
    expect(
      expectInvalid(await createApiKeyForm.run({ values: { name: 'form-owner', role: 'owner' }, actor: admin, context })).role,
    ).toBeDefined();
    expect(createApiKeyForm.role).toBe('admin');
    expect(createApiKeyForm.reauthenticate).toBe(true);
    expect(revokeApiKeyForm.role).toBe('admin');

    // "Never expires" wins over the days the field was pre-filled with.
    const never = expectOk(
      await createApiKeyForm.run({
        values: { name: 'form-never', role: 'viewer', expiresInDays: '90', neverExpires: 'on' },
        actor: admin,
        context,
      }),
    );
    expect('shown' in never && never.shown.expiresAt).toBeNull();
  });

  it('revoke redirects back to the list with a notice', async () => {
    const { key } = expectOk(await createApiKey(context, testActor, { name: 'form-revoke', role: 'viewer' }));
    const done = expectOk(await revokeApiKeyForm.run({ values: { keyId: key.id }, actor: admin, context }));
    expect(done).toEqual({ location: '/admin/api-keys', notice: expect.stringContaining('"form-revoke" is revoked') });
    expectFailure(await revokeApiKeyForm.run({ values: { keyId: key.id }, actor: admin, context }), 'conflict');
  });
});

describe('a key whose creator lost their standing', () => {
  let ownerActor: StaffActor;
  let creator: StaffActor;

  beforeAll(async () => {
    const made = (email: string, role: 'owner' | 'admin') =>
      createUserWithPassword(context, testActor, { email, name: email.split('@')[0]!, role, password: 'a long password 1' });
    const ownerUser = expectOk(await made('olga@example.com', 'owner'));
    ownerActor = { userId: ownerUser.id, label: labelOf(ownerUser), role: 'owner' };
    const creatorUser = expectOk(await made('carl@example.com', 'admin'));
    creator = { userId: creatorUser.id, label: labelOf(creatorUser), role: 'admin' };
  });

  const problemOf = async (token: string) => {
    const answer = await admit(
      new Request('http://status.test/api/admin/v1/components', { headers: { Authorization: `Bearer ${token}` } }),
      context,
      {
        role: 'viewer',
        limitPerMinute: 100,
      },
    );
    if (!(answer instanceof Response)) return null;
    return { status: answer.status, detail: ((await answer.json()) as { detail?: string; title?: string }).detail };
  };

  it('stops working while its creator is disabled, with a clear 401, and works again once they are enabled', async () => {
    const { token } = expectOk(await createApiKey(context, creator, { name: 'carl-disabled', role: 'responder' }));
    expect((await authenticateApiKey(context, token)).ok).toBe(true);
    clock.advance(MINUTE);
    expectOk(await setUserDisabled(context, ownerActor, creator.userId, true));
    expect(await authenticateApiKey(context, token)).toEqual({ ok: false, reason: 'creator_disabled' });
    expect(await problemOf(token)).toEqual({ status: 401, detail: "This API key's creator is disabled." });
    const listed = (await listApiKeys(context)).find((key) => key.name === 'carl-disabled')!;
    expect(listed.creator).toEqual({ role: 'admin', disabledAt: clock.now() });
    expect(listed.createdByLabel).toBe(creator.label);
    clock.advance(MINUTE);
    expectOk(await setUserDisabled(context, ownerActor, creator.userId, false));
    expect((await authenticateApiKey(context, token)).ok).toBe(true);
  });

  it('stops working when its creator is demoted below its role; keys at or below their new role go on', async () => {
    const admin = expectOk(await createApiKey(context, creator, { name: 'carl-admin', role: 'admin' }));
    const responder = expectOk(await createApiKey(context, creator, { name: 'carl-responder', role: 'responder' }));
    clock.advance(MINUTE);
    expectOk(await changeUserRole(context, ownerActor, creator.userId, { role: 'responder' }));
    expect(await authenticateApiKey(context, admin.token)).toEqual({ ok: false, reason: 'creator_demoted', keyRole: 'admin' });
    expect(await problemOf(admin.token)).toEqual({ status: 401, detail: "This API key's creator no longer has the Admin role." });
    expect((await authenticateApiKey(context, responder.token)).ok).toBe(true);
    expect(await problemOf(responder.token)).toBeNull();
    clock.advance(MINUTE);
    expectOk(await changeUserRole(context, ownerActor, creator.userId, { role: 'admin' }));
    expect((await authenticateApiKey(context, admin.token)).ok).toBe(true);
  });

  it('keeps a key made on the command line (no creator) working', async () => {
    const { key, token } = expectOk(await createApiKey(context, testActor, { name: 'cli-made', role: 'admin' }));
    expect(key.createdBy).toBeNull();
    expect((await authenticateApiKey(context, token)).ok).toBe(true);
    expect((await listApiKeys(context)).find((listed) => listed.id === key.id)!.creator).toBeNull();
  });
});

describe('herald apikey (the command line, for real)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-apikey-cli-'));
  });

  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const herald = (args: string[]) =>
    runTsx(
      ['src/cli.ts', ...args],
      childEnvironment({ DATA_DIR: dataDir, DATABASE_URL: '', PUBLIC_URL: 'http://status.test', LOG_LEVEL: 'silent' }),
    );

  it(
    'creates a key printed once on standard output, lists it, refuses bad input with exit code 2, and revokes',
    { timeout: 120_000 },
    async () => {
      const created = await herald(['apikey', 'create', '--name', 'deploy', '--role', 'responder', '--expires-in-days', '30']);
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^herald_[a-z2-7]{16}\.[a-z2-7]{24}\n$/);
      const token = created.stdout.trim();
      const id = TOKEN_SHAPE.exec(token)![1]!;
      expect(created.stderr.trim().split('\n')).toHaveLength(1);
      expect(created.stderr).toContain('will not be shown again');
      expect(created.stderr).not.toContain(token.split('.')[1]);

      for (const [args, flag] of [
        [['--name', 'ops', '--role', 'owner'], '--role'],
        [['--name', '  ', '--role', 'viewer'], '--name'],
        [['--name', 'DEPLOY', '--role', 'viewer'], '--name'],
        [['--name', 'ops', '--role', 'viewer', '--expires-in-days', '0'], '--expires-in-days'],
        [['--name', 'ops', '--role', 'viewer', '--expires-in-days', 'soon'], '--expires-in-days'],
        [['--name', 'ops', '--role', 'viewer', '--expires-in-days', '5', '--never-expires'], '--never-expires'],
      ] as const) {
        const refused = await herald(['apikey', 'create', ...args]);
        expect(refused.code, args.join(' ')).toBe(2);
        expect(refused.stdout).toBe('');
        expect(refused.stderr.trim().split('\n')).toHaveLength(1);
        expect(refused.stderr.startsWith(`${flag}: `), refused.stderr).toBe(true);
      }
      const unknownOption = await herald(['apikey', 'create', '--name', 'ops', '--role', 'viewer', '--colour', 'red']);
      expect(unknownOption.code).toBe(2);

      const listed = await herald(['apikey', 'list']);
      expect(listed.code).toBe(0);
      const lines = listed.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAME\s+ROLE\s+STATE\s+LAST USED\s+EXPIRES$/);
      expect(lines.slice(1)).toHaveLength(1);
      expect(lines[1]).toMatch(new RegExp(`^${id}\\s+deploy\\s+responder\\s+active\\s+never\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`));
      expect(listed.stdout).not.toContain(token.split('.')[1]);

      const revoked = await herald(['apikey', 'revoke', id]);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain('Revoked the Responder key "deploy"');
      const again = await herald(['apikey', 'revoke', id]);
      expect(again.code).toBe(1);
      expect(again.stderr.trim()).toBe('That API key is already revoked.');
      expect((await herald(['apikey', 'revoke'])).code).toBe(2);

      // What the commands left in the database: one key, made and revoked by the command line.
      const database = openPglite(dataDir);
      try {
        const rows = await database.db.select().from(apiKey);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ id, name: 'deploy', role: 'responder', createdByLabel: 'command line' });
        expect(rows[0]!.revokedAt).not.toBeNull();
        const audit = await database.db.select().from(auditLog).where(eq(auditLog.entityId, id));
        expect(audit.map((row) => [row.action, row.actorLabel])).toEqual([
          ['api_key.create', 'command line'],
          ['api_key.revoke', 'command line'],
        ]);
        const everything = rowsOf(
          await database.db.execute(
            sql`select (select json_agg(k)::text from api_key k) || (select json_agg(a)::text from audit_log a) as json`,
          ),
        );
        expect(String(everything[0]!.json)).not.toContain(token.split('.')[1]);
      } finally {
        await database.close();
      }
    },
  );
});
