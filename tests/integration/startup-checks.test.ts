/**
 * Start-up stops with one line naming the problem, before the worker starts: a busy port, a
 * DATA_DIR that cannot be used, PostgreSQL refusing; a server that does not answer at start is an
 * outage (kept pages are served) with its one line too. The checks as functions, and real processes.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDataDir } from '../../src/lib/server/data-dir-lock';
import { databaseHostOf, listenOn, probePostgres, StartupError } from '../../src/lib/server/startup-checks';
import { childEnvironment, runTsx } from '../support/run-tsx';

const directories: string[] = [];
const servers: http.Server[] = [];

function temporaryDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-startup-'));
  directories.push(dir);
  return dir;
}

/** A port this test holds. */
async function busyPort(): Promise<number> {
  const server = http.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: one that was just let go. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const run = (args: string[], env: Record<string, string>) => runTsx(args, childEnvironment(env));

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  for (const dir of directories) fs.rmSync(dir, { recursive: true, force: true });
});

describe('start-up checks', () => {
  it('a busy port is one line naming it and PORT', async () => {
    const port = await busyPort();
    const server = http.createServer();
    const failure = await listenOn(server, port, '127.0.0.1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as Error).message).toBe(
      `Port ${port} on 127.0.0.1 is already in use (another Herald, or another program): stop it, or set PORT to a free port.`,
    );
    const free = http.createServer();
    await listenOn(free, 0, '127.0.0.1');
    await new Promise((resolve) => free.close(resolve));
  });

  it('a DATA_DIR that is a file, or under one, is one line naming DATA_DIR', () => {
    const file = path.join(temporaryDirectory(), 'not-a-directory');
    fs.writeFileSync(file, '');
    expect(() => checkDataDir(file, './data')).toThrow('DATA_DIR ./data cannot be used: it is a file, not a directory.');
    expect(() => checkDataDir(path.join(file, 'below'), 'x')).toThrow(
      /^DATA_DIR x cannot be used: it, or a folder above it, is not a directory/,
    );
    const fresh = path.join(temporaryDirectory(), 'new', 'data');
    checkDataDir(fresh);
    expect(fs.statSync(fresh).isDirectory()).toBe(true);
  });

  it('PostgreSQL that does not answer is one line naming its host, never the password, and not permanent', async () => {
    const port = await closedPort();
    const probe = await probePostgres(`postgres://herald:secret-password@127.0.0.1:${port}/herald`, 2);
    expect(probe).toMatchObject({ ok: false, permanent: false });
    const line = probe.ok ? '' : probe.line;
    expect(line).toMatch(new RegExp(`^DATABASE_URL: PostgreSQL at 127\\.0\\.0\\.1:${port} does not answer \\(ECONNREFUSED\\)`));
    expect(line).not.toContain('secret-password');
    expect(line).not.toMatch(/[\r\n]/);
    expect(databaseHostOf('postgresql://db.internal/herald')).toBe('db.internal:5432');
  });

  // A database that does not exist: refused whatever the server's authentication (CI's trusts local connections, so a wrong password would pass).
  it.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL refusing the database is permanent', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = '/herald_no_such_database';
    const probe = await probePostgres(url.toString());
    expect(probe).toMatchObject({ ok: false, permanent: true });
  });
});

describe('start-up, as real processes', () => {
  it('the server on a busy port stops with one line, before the worker starts, and lets DATA_DIR go', { timeout: 120_000 }, async () => {
    const port = await busyPort();
    const dataDir = temporaryDirectory();
    const started = await run(['scripts/server.ts'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'http://status.test',
    });
    expect(started.code).toBe(1);
    expect(started.stderr).toBe(
      `Port ${port} on 127.0.0.1 is already in use (another Herald, or another program): stop it, or set PORT to a free port.\n`,
    );
    expect(started.stdout).not.toContain('job worker started');
    expect(started.stdout).not.toContain('Herald is serving');
    expect(fs.existsSync(path.join(dataDir, 'herald.lock'))).toBe(false);
  });

  it('a command on a DATA_DIR it cannot use stops with one line naming DATA_DIR', { timeout: 60_000 }, async () => {
    const file = path.join(temporaryDirectory(), 'data');
    fs.writeFileSync(file, '');
    const listed = await run(['src/cli.ts', 'apikey', 'list'], { DATA_DIR: file, DATABASE_URL: '', LOG_LEVEL: 'silent' });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toBe(
      `DATA_DIR ${file} cannot be used: it is a file, not a directory. Herald must be able to read and write it.\n`,
    );
  });
});
