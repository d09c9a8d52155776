/**
 * `npm run herald -- doctor`: run as a process against a temporary DATA_DIR and a real SMTP
 * server, one line per check with its fix and exit code 1 when a check fails; then the checks
 * whose bad cases a process cannot set up (a DNS record, a nearly full disk, a database migrated
 * by a newer Herald) called directly, with the DNS answer and the disk figures handed in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type DatabaseHandle } from '../../src/lib/server/db/client';
import { checkDiskSpace } from '../../src/lib/server/doctor/disk-space';
import { checkDkim } from '../../src/lib/server/doctor/dkim';
import { checkMigrations } from '../../src/lib/server/doctor/migrations';
import { childEnvironment, runTsx, type Finished } from '../support/run-tsx';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';

let sink: SmtpSink;
let dataDir: string;
/** A loopback port nothing listens on. */
let closedPort: number;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  sink = await startSmtpSink();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-doctor-'));
  // An installed Herald: the embedded database created and migrated, as its first start does.
  const handle = openPglite(dataDir);
  await handle.migrate();
  await handle.close();
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sink.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function doctor(environment: Record<string, string>): Promise<Finished> {
  return runTsx(
    ['src/cli.ts', 'doctor'],
    childEnvironment({
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      SMTP_URL: sink.url,
      PUBLIC_URL: 'https://status.example.com',
      LOG_LEVEL: 'silent',
      ...environment,
    }),
  );
}

/** The line of one check, e.g. `ok   smtp: …`. */
function lineOf(finished: Finished, name: string): string {
  return finished.stdout.split('\n').find((line) => line.slice(5).startsWith(`${name}:`)) ?? `(no ${name} line in ${finished.stdout})`;
}

describe('npm run herald -- doctor', () => {
  it('says ok for a working setup, sends nothing, and exits 0', { timeout: 60_000 }, async () => {
    const finished = await doctor({});
    expect(finished.code, finished.stdout + finished.stderr).toBe(0);
    expect(lineOf(finished, 'configuration')).toMatch(/^ok {3}configuration: the environment parses/);
    expect(lineOf(finished, 'database')).toMatch(/^ok {3}database: the embedded database in .* opens/);
    expect(lineOf(finished, 'migrations')).toMatch(/^ok {3}migrations: all \d+ applied/);
    expect(lineOf(finished, 'smtp')).toBe(`ok   smtp: ${new URL(sink.url).host} answers EHLO (nothing sent)`);
    expect(lineOf(finished, 'public url')).toBe('ok   public url: https://status.example.com is https');
    expect(lineOf(finished, 'disk space')).toMatch(/^(ok {3}|warn )disk space: .* free of /);
    expect(lineOf(finished, 'dkim')).toMatch(/^warn dkim: not configured: .* - set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY/);
    expect(lineOf(finished, 'backup')).toMatch(/^warn backup: no verified backup yet/);
    expect(finished.stdout.trim().split('\n')).toHaveLength(8);
    expect(sink.received).toEqual([]);
  });

  it('fails on an SMTP port that refuses, warns on plain http, and exits 1', { timeout: 60_000 }, async () => {
    const finished = await doctor({ SMTP_URL: `smtp://127.0.0.1:${String(closedPort)}`, PUBLIC_URL: 'http://status.example.com' });
    expect(finished.code).toBe(1);
    expect(lineOf(finished, 'smtp')).toMatch(
      new RegExp(`^FAIL smtp: 127\\.0\\.0\\.1:${String(closedPort)}: .*ECONNREFUSED.* - check the host and port in SMTP_URL`),
    );
    expect(lineOf(finished, 'public url')).toBe(
      'warn public url: http://status.example.com is plain http on a public host: sign-in cookies are not Secure and links in emails are not encrypted' +
        ' - serve Herald over TLS (a reverse proxy in front) and set PUBLIC_URL=https://status.example.com',
    );
    expect(lineOf(finished, 'database')).toMatch(/^ok {3}database:/);
  });

  it('stops at a configuration that does not parse, with the line the server would print', { timeout: 60_000 }, async () => {
    const finished = await doctor({ PUBLIC_URL: 'ftp://status.example.com' });
    expect(finished.code).toBe(1);
    expect(finished.stdout.trim()).toBe(
      'FAIL configuration: Invalid environment variable PUBLIC_URL: must be an http:// or https:// URL' +
        ' - correct that variable; the other checks need a valid configuration',
    );
  });

  it('fails on PostgreSQL that does not answer, and checks no migrations', { timeout: 60_000 }, async () => {
    const finished = await doctor({ DATABASE_URL: `postgres://herald:herald@127.0.0.1:${String(closedPort)}/herald` });
    expect(finished.code).toBe(1);
    expect(lineOf(finished, 'database')).toMatch(
      /^FAIL database: DATABASE_URL: PostgreSQL at 127\.0\.0\.1:\d+ does not answer .* - start PostgreSQL/,
    );
    expect(lineOf(finished, 'migrations')).toMatch(/^warn migrations: not checked \(PostgreSQL does not answer\)/);
  });

  it('says ok when the running server holds the embedded database', { timeout: 60_000 }, async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', 'tests/support/data-dir-holder-process.ts', dataDir], {
      env: childEnvironment({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(holder);
    await new Promise<void>((resolve, reject) => {
      holder.once('exit', (code) => reject(new Error(`the holder stopped (${String(code)})`)));
      holder.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('holding')) resolve();
      });
    });
    try {
      const finished = await doctor({});
      expect(finished.code, finished.stdout).toBe(0);
      expect(lineOf(finished, 'database')).toMatch(
        new RegExp(`^ok {3}database: .* is in use by the running Herald \\(pid ${String(holder.pid)}\\)`),
      );
      expect(lineOf(finished, 'migrations')).toMatch(/^ok {3}migrations: applied by the running Herald/);
    } finally {
      holder.kill('SIGTERM');
      await new Promise((resolve) => holder.once('exit', resolve));
      children.delete(holder);
    }
  });
});

describe('the DKIM check against the published record', () => {
  const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = (key: ReturnType<typeof generateKeyPairSync>['publicKey']) => key.export({ type: 'spki', format: 'der' }).toString('base64');
  const settings = {
    smtpUrl: 'smtp://mail.example.com:587',
    dkim: { domainName: 'example.com', keySelector: 'herald', privateKey: pem(signing.privateKey) },
  };
  /** A TXT answer as DNS splits it: character-strings of at most 255 characters. */
  const record = (text: string) => [text.match(/.{1,255}/g) ?? []];

  it('is ok when the record carries the key of DKIM_PRIVATE_KEY', async () => {
    const asked: string[] = [];
    const check = await checkDkim(settings, (name) => {
      asked.push(name);
      return Promise.resolve(record(`v=DKIM1; k=rsa; p=${spki(signing.publicKey)}`));
    });
    expect(asked).toEqual(['herald._domainkey.example.com']);
    expect(check).toEqual({ name: 'dkim', status: 'ok', line: 'the key at herald._domainkey.example.com matches DKIM_PRIVATE_KEY' });
  });

  it('fails on another key, saying which record to publish', async () => {
    const check = await checkDkim(settings, () => Promise.resolve(record(`v=DKIM1; k=rsa; p=${spki(other.publicKey)}`)));
    expect(check.status).toBe('fail');
    expect(check.line).toMatch(/does not match DKIM_PRIVATE_KEY/);
    expect(check.fix).toBe(`publish herald._domainkey.example.com TXT "v=DKIM1; k=rsa; p=${spki(signing.publicKey)}"`);
  });

  it('fails when there is no record, and only warns when DNS does not answer', async () => {
    const missing = await checkDkim(settings, () => Promise.reject(Object.assign(new Error('queryTxt ENOTFOUND'), { code: 'ENOTFOUND' })));
    expect(missing).toMatchObject({ status: 'fail', line: 'no TXT record at herald._domainkey.example.com' });
    const unreachable = await checkDkim(settings, () =>
      Promise.reject(Object.assign(new Error('queryTxt ETIMEOUT'), { code: 'ETIMEOUT' })),
    );
    expect(unreachable).toMatchObject({
      status: 'warn',
      line: 'DNS did not answer for herald._domainkey.example.com (ETIMEOUT): the key was not compared',
    });
  });
});

describe('the migrations and disk checks', () => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = openPglite();
    await handle.migrate();
  });

  afterAll(async () => {
    await handle.close();
  });

  it('warns about pending migrations and fails on one newer than this Herald knows', async () => {
    const database = { kind: 'open' as const, handle };
    expect(await checkMigrations(database)).toMatchObject({ status: 'ok' });

    await handle.db.execute(
      sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`,
    );
    expect(await checkMigrations(database)).toMatchObject({ status: 'warn', line: expect.stringMatching(/^1 of \d+ pending/) });

    await handle.db.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-a-newer-herald', 9999999999999)`);
    expect(await checkMigrations(database)).toMatchObject({
      status: 'fail',
      line: 'the database has 1 migration(s) newer than this version of Herald knows',
    });
  });

  it('warns when less than 1 GiB or 10 % is free under DATA_DIR', async () => {
    const gib = 1024 ** 3;
    const disk = (freeBytes: number, totalBytes: number) => () =>
      Promise.resolve({ bsize: 4096, bavail: freeBytes / 4096, blocks: totalBytes / 4096 });
    expect(await checkDiskSpace(dataDir, disk(50 * gib, 100 * gib))).toMatchObject({ status: 'ok' });
    expect(await checkDiskSpace(dataDir, disk(0.5 * gib, 100 * gib))).toMatchObject({
      status: 'warn',
      line: expect.stringMatching(/^only /),
    });
    expect(await checkDiskSpace(dataDir, disk(5 * gib, 100 * gib))).toMatchObject({ status: 'warn' });
  });
});
