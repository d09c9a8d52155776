/**
 * One process at a time on the embedded database: a second process (a command, another server)
 * is refused at once with one line, changes nothing, and a lock left by a dead process is taken
 * over. Real processes: a holder that opens DATA_DIR as Herald does, and the command line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../src/lib/server/data-dir-lock';
import { openPglite } from '../../src/lib/server/db/client';
import { apiKey, auditLog } from '../../src/lib/server/db/schema';
import { childEnvironment, runTsx, type Finished } from '../support/run-tsx';

const root = process.cwd();
const directories: string[] = [];
const children = new Set<ChildProcess>();

function dataDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-lock-'));
  directories.push(dir);
  return dir;
}

/** The environment of a child: this one's, without vitest's, on the given DATA_DIR and the embedded database. */
const environmentOn = (dataDir: string) =>
  childEnvironment({
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    PUBLIC_URL: 'http://status.test',
    LOG_LEVEL: 'silent',
  });

/** The command line with `args`, or with `server`, the script `npm start` runs. */
function herald(dataDir: string, args: string[], as: 'cli' | 'server' = 'cli'): Promise<Finished> {
  return runTsx(as === 'cli' ? ['src/cli.ts', ...args] : args, { ...environmentOn(dataDir), HOST: '127.0.0.1' });
}

/** Starts the holder (one node process, so its PID is the lock's) and resolves once it holds DATA_DIR. */
function startHolder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/data-dir-holder-process.ts', dataDir], {
    cwd: root,
    env: environmentOn(dataDir),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the holder stopped (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('holding')) resolve(child);
    });
  });
}

function stopHolder(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** A PID no process has: one that just ended. */
function deadPid(): number {
  const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(ended.stdout);
}

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

afterAll(() => {
  for (const dir of directories) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the data directory lock', () => {
  it('refuses a second process at once, with one line and a non-zero exit, and it writes nothing', { timeout: 120_000 }, async () => {
    const dataDir = dataDirectory();
    const holder = await startHolder(dataDir);
    expect(fs.readFileSync(path.join(dataDir, 'herald.lock'), 'utf8').split('\n')[0]).toBe(String(holder.pid));

    // DATA_DIR as the person gave it: relative here.
    const relative = path.relative(root, dataDir);
    const refused = await herald(relative, ['apikey', 'create', '--name', 'deploy', '--role', 'viewer']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `Herald is already running on ${relative} (pid ${holder.pid}): stop it first, or use the admin area; with DATABASE_URL several processes may run.\n`,
    );

    // Another server on the same DATA_DIR: the same line, before it listens.
    const server = await herald(dataDir, ['scripts/server.ts'], 'server');
    expect(server.code).toBe(1);
    expect(server.stderr).toBe(
      `Herald is already running on ${dataDir} (pid ${holder.pid}): stop it first, or use the admin area; with DATABASE_URL several processes may run.\n`,
    );

    expect(await stopHolder(holder)).toBe(0);
    // A clean exit takes its lock away.
    expect(fs.existsSync(path.join(dataDir, 'herald.lock'))).toBe(false);
    const database = openPglite(dataDir);
    try {
      expect(await database.db.select().from(apiKey)).toEqual([]);
      expect(await database.db.select().from(auditLog)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('takes over a lock whose process is gone, and leaves none behind', { timeout: 120_000 }, async () => {
    const dataDir = dataDirectory();
    fs.writeFileSync(path.join(dataDir, 'herald.lock'), `${deadPid()}\n`);
    const listed = await herald(dataDir, ['apikey', 'list']);
    expect(listed, listed.stderr).toMatchObject({ code: 0, stdout: 'No API keys.\n' });
    expect(fs.existsSync(path.join(dataDir, 'herald.lock'))).toBe(false);
  });
});

describe('lockDataDir', () => {
  it('is held once per process, and released by its holder', () => {
    const dataDir = dataDirectory();
    const lock = lockDataDir(dataDir, './data');
    expect(() => lockDataDir(dataDir, './data')).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dataDir, './data')).toThrow(`Herald is already running on ./data (pid ${process.pid})`);
    lock.release();
    lock.release();
    expect(fs.existsSync(path.join(dataDir, 'herald.lock'))).toBe(false);
    lockDataDir(dataDir).release();
  });

  it('refuses while the holder runs, and takes over a PID that now names another process', () => {
    const dataDir = dataDirectory();
    const file = path.join(dataDir, 'herald.lock');
    // The parent of this process is alive; written without its start identity it counts as the holder.
    fs.writeFileSync(file, `${process.ppid}\n`);
    expect(() => lockDataDir(dataDir, 'd')).toThrow(`Herald is already running on d (pid ${process.ppid})`);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.ppid}\n`);
    // With a start identity that is not that process's (a PID reused after a restart), the lock is stale.
    if (fs.existsSync('/proc/sys/kernel/random/boot_id')) {
      fs.writeFileSync(file, `${process.ppid}\nsome-other-boot/1\n`);
      const lock = lockDataDir(dataDir, 'd');
      expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe(String(process.pid));
      lock.release();
    }
    // A lock this PID left in an earlier life (a container restarted with the same PID) is stale too.
    fs.writeFileSync(file, `${process.pid}\n`);
    lockDataDir(dataDir, 'd').release();
  });
});
