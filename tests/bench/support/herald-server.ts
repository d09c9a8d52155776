/**
 * The real Herald server process for a benchmark, as `npm start` runs it: `scripts/start.mjs`
 * in this checkout (which builds first when the sources are newer than the build), or, with
 * HERALD_ROOT=/some/dir, the existing build there (its `dist/herald-server.mjs`, with `drizzle/`
 * and `node_modules/` beside it), leaving this checkout's `dist/` alone. Its output goes to a log
 * file (LOG_LEVEL from HERALD_LOG_LEVEL, warn by default), whose end is printed when it fails to start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseTarget } from './bench-database';
import { logTail } from './report';
import { freePort, waitForAnswer } from './network';
import { atTeardown } from './teardown';

export interface HeraldServer {
  /** http://127.0.0.1:<port> */
  url: string;
  process: ChildProcess;
  /** SIGTERM (the server writes its kept answers, then exits); resolves once it has exited. */
  stop(): Promise<void>;
}

/** Settings from the caller's environment that would change what the benchmark measures. */
const NOT_INHERITED = ['DATABASE_URL', 'WORKER', 'SMTP_URL', 'MAIL_FROM', 'DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY', 'PUBLIC_URL'];

/** Which build runs: for the benchmark's report. */
export function heraldBuildDescription(): string {
  return process.env.HERALD_ROOT ? `the build in ${path.resolve(process.env.HERALD_ROOT)}` : `this checkout (${process.cwd()})`;
}

/**
 * Starts Herald on a free loopback port and resolves once `/healthz` answers.
 * `env` adds settings (SMTP_URL, …). The log is appended to DATA_DIR/herald.log.
 */
export async function startHerald(target: DatabaseTarget, options: { env?: Record<string, string> } = {}): Promise<HeraldServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const root = process.env.HERALD_ROOT ? path.resolve(process.env.HERALD_ROOT) : process.cwd();
  const script = process.env.HERALD_ROOT ? 'dist/herald-server.mjs' : 'scripts/start.mjs';
  if (!fs.existsSync(path.join(root, script)))
    throw new Error(`${path.join(root, script)} is missing: build Herald there first (npm run build)`);
  fs.mkdirSync(target.dataDir, { recursive: true });
  const logFile = path.join(target.dataDir, 'herald.log');
  const log = fs.openSync(logFile, 'a');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !NOT_INHERITED.includes(name)));
  const child = spawn(process.execPath, ['--max-semi-space-size=8', script], {
    cwd: root,
    env: {
      ...inherited,
      DATA_DIR: target.dataDir,
      DATABASE_URL: target.databaseUrl ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: process.env.HERALD_LOG_LEVEL ?? 'warn',
      ...options.env,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = atTeardown(`Herald on ${url}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  });
  try {
    // A first start may build the site (a few minutes on a small machine).
    await waitForAnswer(`${url}/healthz`, { timeoutMs: 300_000, process: child });
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- end of ${logFile} ---\n${logTail(logFile, 30)}`, {
      cause: error,
    });
  }
  return { url, process: child, stop };
}
