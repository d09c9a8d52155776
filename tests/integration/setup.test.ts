/**
 * The first start: the one-time setup token (minted and stored hashed, or HERALD_SETUP_TOKEN),
 * /setup's checks (a wrong token changes nothing and is rate limited; five set-ups at once make
 * one owner), `herald setup-token`, and the public page that says it is not set up until then,
 * rendered anew by the public edge once the owner exists.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/lib/server/auth/tokens';
import { openPglite, rowsOf } from '../../src/lib/server/db/client';
import { setting, user } from '../../src/lib/server/db/schema';
import { createPublicEdge } from '../../src/lib/server/edge/public-edge';
import { PUBLIC_PAGE_CACHE_CONTROL } from '../../src/lib/server/http';
import { announcePublicChange, cachedPublicRead } from '../../src/lib/server/public-cache';
import {
  createFirstOwner,
  isSetUp,
  mintSetupToken,
  prepareSetupToken,
  WRONG_SETUP_TOKEN_MESSAGE,
} from '../../src/lib/server/services/access/setup';
import { countUsers } from '../../src/lib/server/services/access/users';
import { createTestDatabase } from '../support/database';
import { expectFailure, expectInvalid, expectOk, MINUTE } from '../support/factories';
import { useTestContext } from '../support/test-database';
import { expectThrottled, notThrottled } from '../support/throttling';
import { childEnvironment, runTsx } from '../support/run-tsx';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

const owner = { email: 'ada@example.com', name: 'Ada', password: 'ada the first owner', confirmPassword: 'ada the first owner' };
const minted = { configuredToken: undefined };

async function storedSetting(): Promise<string | undefined> {
  const rows = rowsOf(await handle.db.execute(sql`select value::text as value from setting where key = 'setup_token'`));
  return rows[0] ? String(rows[0].value) : undefined;
}

describe('the setup token', () => {
  it('is minted once on PostgreSQL-style starts (insert if absent), and stored only as a hash', async () => {
    const first = await prepareSetupToken(context, { configuredToken: undefined, replace: false });
    expect(first.kind).toBe('minted');
    const token = first.kind === 'minted' ? first.token : '';
    expect(token).toMatch(/^[a-z2-7]{24}$/);
    // A second process starting meanwhile finds it and says so, printing nothing.
    expect(await prepareSetupToken(context, { configuredToken: undefined, replace: false })).toEqual({ kind: 'minted_elsewhere' });
    const stored = await storedSetting();
    expect(stored).toMatch(/^\{"sha256": "[0-9a-f]{64}"\}$/);
    expect(stored).not.toContain(token);
  });

  it('is minted anew at each start of the embedded database, and by `herald setup-token`: only the newest works', async () => {
    const old = await prepareSetupToken(context, { configuredToken: undefined, replace: true });
    const fresh = expectOk(await mintSetupToken(context, undefined));
    const oldToken = old.kind === 'minted' ? old.token : '';
    const wrong = notThrottled(await createFirstOwner(context, { ...owner, setupToken: oldToken }, { clientKey: 'client-a', ...minted }));
    expect(expectFailure(wrong, 'forbidden').message).toBe(WRONG_SETUP_TOKEN_MESSAGE);
    expect(await countUsers(context)).toBe(0);
    expect(fresh).not.toBe(oldToken);
  });

  it('is HERALD_SETUP_TOKEN when that is set: never minted, printed or replaced', async () => {
    expect(await prepareSetupToken(context, { configuredToken: 'configured-token-0123456789', replace: true })).toEqual({
      kind: 'configured',
    });
    expect(expectFailure(await mintSetupToken(context, 'configured-token-0123456789'), 'conflict').message).toContain(
      'HERALD_SETUP_TOKEN is set',
    );
  });
});

describe('/setup', () => {
  const configured = { clientKey: 'client-b', configuredToken: 'configured-token-0123456789' };

  it('refuses a missing or wrong token next to its field and changes nothing', async () => {
    expect(expectInvalid(notThrottled(await createFirstOwner(context, { ...owner, setupToken: ' ' }, configured)))).toEqual({
      setupToken: "Enter the setup token. It is printed in Herald's log at start.",
    });
    const wrong = notThrottled(await createFirstOwner(context, { ...owner, setupToken: 'configured-token-012345678' }, configured));
    expect(expectFailure(wrong, 'forbidden').message).toBe("The setup token is not right. It is printed in Herald's log at start.");
    // With HERALD_SETUP_TOKEN set, a minted token does not open /setup either.
    const fresh = expectOk(await mintSetupToken(context, undefined));
    expectFailure(notThrottled(await createFirstOwner(context, { ...owner, setupToken: fresh }, configured)), 'forbidden');
    expect(await countUsers(context)).toBe(0);
    expect(await isSetUp(context)).toBe(false);
  });

  it('checks the rest only for the right token, and passwords against the rules', async () => {
    const weak = notThrottled(
      await createFirstOwner(
        context,
        { ...owner, setupToken: ' configured-token-0123456789 ', password: 'Password1234', confirmPassword: 'Password1234' },
        configured,
      ),
    );
    expect(expectInvalid(weak)).toEqual({ password: 'This password is one of the most common ones; choose another.' });
  });

  it('waits after 10 wrong tokens from one client, whatever is sent then; other clients go on', async () => {
    const client = { clientKey: 'client-c', configuredToken: configured.configuredToken };
    for (let attempt = 1; attempt <= 10; attempt += 1)
      expectFailure(notThrottled(await createFirstOwner(context, { ...owner, setupToken: `guess ${attempt}` }, client)), 'forbidden');
    const held = expectThrottled(await createFirstOwner(context, { ...owner, setupToken: configured.configuredToken }, client));
    expect(held.message).toBe('Too many wrong setup tokens from your network. Try again in 15 minutes.');
    expect(await countUsers(context)).toBe(0);
    clock.advance(15 * MINUTE);
    expectFailure(notThrottled(await createFirstOwner(context, { ...owner, setupToken: 'guess 11' }, client)), 'forbidden');
  });

  it('makes exactly one owner of five set-ups sent at once; the others are told it is set up', async () => {
    const results = await Promise.all(
      ['one', 'two', 'three', 'four', 'five'].map((who) =>
        createFirstOwner(
          context,
          { ...owner, email: `${who}@example.com`, name: who, setupToken: configured.configuredToken },
          { ...configured, clientKey: `client-${who}` },
        ),
      ),
    );
    const settled = results.map(notThrottled);
    expect(settled.filter((result) => result.ok)).toHaveLength(1);
    const refused = settled.filter((result) => !result.ok);
    expect(refused).toHaveLength(4);
    for (const result of refused)
      expect(expectFailure(result, 'conflict').message).toBe('Herald is already set up: sign in with your account instead.');
    expect(await countUsers(context)).toBe(1);
    const [created] = await handle.db.select().from(user);
    expect(created).toMatchObject({ role: 'owner' });
    expect(created!.passwordChangedAt).toEqual(clock.now());
  });

  it('is closed once set up: the token is spent, and nothing mints another', async () => {
    expect(await handle.db.select().from(setting).where(eq(setting.key, 'setup_token'))).toEqual([]);
    expect(await prepareSetupToken(context, { configuredToken: undefined, replace: true })).toEqual({ kind: 'set_up' });
    expect(expectFailure(await mintSetupToken(context, undefined), 'conflict').message).toContain('Herald is already set up');
    expectFailure(
      notThrottled(await createFirstOwner(context, { ...owner, setupToken: 'configured-token-0123456789' }, configured)),
      'conflict',
    );
    expect(await countUsers(context)).toBe(1);
  });
});

describe('the public page before and after setup', () => {
  const directories: string[] = [];
  const servers: http.Server[] = [];

  afterAll(() => {
    for (const server of servers) server.close();
    for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
  });

  it('says it is not set up, and after the POST that creates the owner the edge renders it anew', async () => {
    // A second database of its own: the first one has an owner already.
    const fresh = await createTestDatabase();
    const freshContext = { db: fresh.db, clock, queue: fresh.queue };
    // The stand-in for the site does what index.astro and the middleware do: the page reads
    // isSetUp through the public cache; any POST announces a public change when it is done.
    let renders = 0;
    const site: http.RequestListener = (req, res) => {
      void (async () => {
        if (req.method === 'POST') {
          const result = await createFirstOwner(
            freshContext,
            { ...owner, setupToken: 'configured-token-0123456789' },
            { clientKey: 'client-edge', configuredToken: 'configured-token-0123456789' },
          );
          await announcePublicChange(fresh.db);
          res.writeHead(result.ok ? 303 : 409, { location: '/admin/components' });
          res.end();
          return;
        }
        renders += 1;
        const setUp = await cachedPublicRead('set-up', () => isSetUp(freshContext));
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': PUBLIC_PAGE_CACHE_CONTROL });
        res.end(setUp ? '<p>All Systems Operational</p>' : '<p>This status page is not set up yet.</p>');
      })();
    };
    const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-setup-edge-'));
    const clientDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-setup-client-'));
    directories.push(dataDirectory, clientDirectory);
    const edge = await createPublicEdge({
      site,
      clientDirectory,
      dataDirectory,
      publicHost: 'status.example.com',
      log: pino({ level: 'silent' }),
      now: () => clock.now().getTime(),
    });
    const server = http.createServer(edge.listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const before = await fetch(`${base}/`);
      expect(await before.text()).toBe('<p>This status page is not set up yet.</p>');
      expect(await (await fetch(`${base}/`)).text()).toBe('<p>This status page is not set up yet.</p>');
      expect(renders).toBe(1);

      const posted = await fetch(`${base}/setup`, { method: 'POST', redirect: 'manual' });
      expect(posted.status).toBe(303);
      expect(await (await fetch(`${base}/`)).text()).toBe('<p>All Systems Operational</p>');
      expect(renders).toBe(2);
    } finally {
      edge.stop();
      await fresh.close();
    }
  });
});

describe('herald setup-token (the command line, for real)', () => {
  it('prints a new token alone on standard output and stores only its hash', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-setup-cli-'));
    try {
      const run = await runTsx(
        ['src/cli.ts', 'setup-token'],
        childEnvironment({ DATA_DIR: dataDir, DATABASE_URL: '', PUBLIC_URL: 'http://status.test', LOG_LEVEL: 'silent' }, [
          'HERALD_SETUP_TOKEN',
        ]),
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^[a-z2-7]{24}\n$/);
      expect(run.stderr).toContain('Open http://status.test/setup and enter this setup token.');
      const database = openPglite(dataDir);
      try {
        const [row] = await database.db.select().from(setting).where(eq(setting.key, 'setup_token'));
        expect(row!.value).toEqual({ sha256: encodeHexLowerCase(hashSecret(run.stdout.trim())) });
      } finally {
        await database.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
