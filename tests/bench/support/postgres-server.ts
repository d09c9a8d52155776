/**
 * A throwaway PostgreSQL 15 server (Debian's `postgresql`, binaries in /usr/lib/postgresql/15/bin)
 * for a benchmark: a cluster in a temporary directory, on a free loopback port, with a `herald`
 * role owning a `herald` database. PostgreSQL refuses to run as root, so as root its programs run
 * as the `postgres` user (runuser). It can be stopped and started again, as an outage would.
 * The same recipe as `.ci/run`.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { logTail } from './report';
import { freePort } from './network';
import { requireProgram } from './system-programs';
import { atTeardown } from './teardown';

const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  /** postgres://herald:herald@127.0.0.1:<port>/herald */
  url: string;
  directory: string;
  /** Whether the server is running, as far as this module has started and stopped it. */
  readonly running: boolean;
  /** `pg_ctl start -w`: resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m <mode>`: `fast` disconnects the clients and shuts down cleanly. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops it (when running) and deletes its directory. */
  destroy(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when we are root; rejects with its output on failure. */
function runPostgresProgram(program: string, args: string[]): Promise<string> {
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${path.basename(program)} failed (${code}): ${output.trim()}`)),
    );
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const pgCtl = requireProgram('pg_ctl', 'postgresql', [`${BIN}/pg_ctl`]);
  const initdb = path.join(path.dirname(pgCtl), 'initdb');
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(directory, uid, gid);
  }
  fs.chmodSync(directory, 0o700);
  const data = path.join(directory, 'data');
  const logFile = path.join(directory, 'postgres.log');
  const port = await freePort();
  let running = false;

  await runPostgresProgram(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C.UTF-8']);
  const settings = [
    `-p ${port}`,
    `-k ${directory}`,
    '-c listen_addresses=127.0.0.1',
    // A throwaway cluster: durability is not what is measured.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const server: PostgresServer = {
    url: `postgres://herald:herald@127.0.0.1:${port}/herald`,
    directory,
    get running() {
      return running;
    },
    async start() {
      try {
        await runPostgresProgram(pgCtl, ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', settings, 'start']);
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- end of ${logFile} ---\n${logTail(logFile, 20)}`, {
          cause: error,
        });
      }
      running = true;
    },
    async stop(mode = 'fast') {
      await runPostgresProgram(pgCtl, ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    async destroy() {
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) await server.stop('fast').catch(() => server.stop('immediate'));
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
  atTeardown(`PostgreSQL on ${port}`, () => server.destroy());
  await server.start();

  const admin = postgres({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create role herald login createdb password 'herald'`);
    await admin.unsafe('create database herald owner herald');
  } finally {
    await admin.end();
  }
  return server;
}
