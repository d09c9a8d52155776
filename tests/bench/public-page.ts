/**
 * A public page under load: requests per second and p99 latency of one path (`/` by default)
 * with the demo data at 50 concurrent connections, beside the same bytes served by a bare Node
 * `http` server in the same run.
 *
 *   npm run bench                       (`/`, 10 s per target)
 *   npm run bench:api                   (`/api/v2/summary.json`)
 *   npx tsx tests/bench/public-page.ts /history
 *   BENCH_SECONDS=20 npm run bench
 *
 * By default Herald is started with `scripts/start.mjs` in this checkout (which builds it when
 * the sources are newer than the build). HERALD_ROOT=/some/dir runs an existing build from that
 * directory instead (its `dist/herald-server.mjs` and `dist/server/`, with `drizzle/` and
 * `node_modules/` beside them), leaving this checkout's `dist/` alone.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPglite } from '../../src/lib/server/db/client';
import { seedDemo } from '../../src/lib/server/seed/demo';
import { systemClock } from '../../src/lib/server/clock';
import { defaultQueueSettings, startJobQueue } from '../../src/lib/server/jobs/queue';
import { runLoad, type LoadResult } from './load';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HERALD_PORT = 4610;
const BARE_PORT = 4611;
const PATH = process.argv[2] ?? '/';

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function describe(label: string, result: LoadResult): string {
  return `${label.padEnd(28)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${result.p50Ms.toFixed(1).padStart(6)} ms   p99 ${result.p99Ms.toFixed(1).padStart(6)} ms   (${result.requests} ok, ${result.errors} errors)`;
}

const bareServerSource = `
const http = require('node:http');
const body = require('node:fs').readFileSync(process.argv[1]);
http.createServer((request, response) => {
  response.writeHead(200, { 'Content-Type': process.argv[3], 'Content-Length': body.length });
  response.end(body);
}).listen(Number(process.argv[2]), '127.0.0.1');
`;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
const seedHandle = openPglite(dataDir);
await seedHandle.migrate();
const seedJobs = await startJobQueue(seedHandle, defaultQueueSettings, { maintenance: false });
await seedDemo({ db: seedHandle.db, clock: systemClock, queue: seedJobs.queue }, { userId: null, label: 'bench' });
await seedJobs.stop();
await seedHandle.close();

const heraldRoot = process.env.HERALD_ROOT ? path.resolve(process.env.HERALD_ROOT) : undefined;
const herald = spawn(process.execPath, ['--max-semi-space-size=8', heraldRoot ? 'dist/herald-server.mjs' : 'scripts/start.mjs'], {
  cwd: heraldRoot ?? process.cwd(),
  env: { ...process.env, DATA_DIR: dataDir, PORT: String(HERALD_PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: '' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const children = [herald];
try {
  await waitFor(`http://127.0.0.1:${HERALD_PORT}/healthz`, 240_000);
  const first = await fetch(`http://127.0.0.1:${HERALD_PORT}${PATH}`);
  if (!first.ok) throw new Error(`${PATH} answered ${first.status}`);
  const body = Buffer.from(await first.arrayBuffer());
  const contentType = first.headers.get('content-type') ?? 'application/octet-stream';
  const etag = first.headers.get('etag');
  if (etag) {
    // The body is the same on every request while nothing changes: that is what makes the ETag useful.
    const notModified = await fetch(`http://127.0.0.1:${HERALD_PORT}${PATH}`, { headers: { 'If-None-Match': etag } });
    if (notModified.status !== 304) throw new Error(`If-None-Match with the current ETag answered ${notModified.status}, not 304`);
  }

  // The bare server runs in its own process, like Herald, so both share the cores alike.
  const bodyFile = path.join(dataDir, 'body');
  fs.writeFileSync(bodyFile, body);
  const bare = spawn(process.execPath, ['-e', bareServerSource, bodyFile, String(BARE_PORT), contentType], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(bare);
  await waitFor(`http://127.0.0.1:${BARE_PORT}/`, 10_000);

  console.log(
    `Public page benchmark: ${PATH}, ${CONNECTIONS} connections, ${SECONDS} s per target, ${body.length} bytes (${contentType}), ${os.cpus().length} cores`,
  );
  await runLoad(`http://127.0.0.1:${HERALD_PORT}${PATH}`, { connections: CONNECTIONS, seconds: 2 }); // warm-up
  const heraldResult = await runLoad(`http://127.0.0.1:${HERALD_PORT}${PATH}`, { connections: CONNECTIONS, seconds: SECONDS });
  const bareResult = await runLoad(`http://127.0.0.1:${BARE_PORT}/`, { connections: CONNECTIONS, seconds: SECONDS });
  console.log(describe(`Herald ${PATH}`, heraldResult));
  console.log(describe('bare node:http', bareResult));
  console.log(
    `ratio (Herald / bare): ${((heraldResult.requestsPerSecond / bareResult.requestsPerSecond) * 100).toFixed(1)} % of the bare server's throughput`,
  );
} finally {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
