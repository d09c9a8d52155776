/**
 * The public edge beside nginx serving the very same bytes. Seeds the demo page (and 10,000
 * confirmed subscribers) on the embedded database, starts Herald, and takes what Herald answers
 * for `/`, `/api/v2/summary.json`, `/history.atom` and an incident page, in the identity coding
 * and for `Accept-Encoding: br`, with their headers. Debian's nginx-light then serves those bytes
 * from files with the same headers (brotli to a client that accepts it). wrk loads Herald and
 * nginx in turn, 50 connections each, over several rounds; the table gives the medians against
 * the targets (Herald at least 0.8 × nginx's requests per second, Herald's p99 under 10 ms).
 * Then the same Herald figures for `/` and summary.json while the same process emails all the
 * subscribers about an incident update posted through the management API.
 *
 *   npm run bench                               (3 rounds of 5 s per target and server)
 *   BENCH_SECONDS=10 BENCH_ROUNDS=5 npm run bench
 *   HERALD_ROOT=/some/dir npm run bench         (an existing build there; see support/herald-server.ts)
 *
 * SUBSCRIBERS (10000) sets the fan-out's size, NGINX_WORKERS (1: Herald is one process, and wrk
 * needs the other core of a 2-core machine) nginx's worker_processes. wrk and nginx-light are
 * installed with apt-get when missing and running as root. Exits 1 when a target is missed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  addConfirmedSubscribers,
  benchSubscriberAddress,
  createBenchApiKey,
  dropQueuedSubscriberEmails,
  prepareDatabase,
  seedDemoPage,
} from './support/bench-database';
import { heraldBuildDescription, startHerald, type HeraldServer } from './support/herald-server';
import { headerOf, rawRequest } from './support/network';
import { startNginx, type Coding, type StaticAnswer } from './support/nginx-static';
import { median, printTable, verdict, whole } from './support/report';
import { startSmtpCounter, type SmtpCounter } from './support/smtp-counter';
import { atTeardown, runBenchmark } from './support/teardown';
import { runWrk, type WrkResult } from './support/wrk';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 10_000);
const NGINX_WORKERS = Number(process.env.NGINX_WORKERS ?? 1);
const TARGET_RATIO = 0.8;
const TARGET_P99_MS = 10;
const CODINGS: { coding: Coding; headers: Record<string, string> }[] = [
  { coding: 'identity', headers: {} },
  { coding: 'br', headers: { 'Accept-Encoding': 'br' } },
];

/** One URL in one coding, as measured. */
interface Target {
  path: string;
  coding: Coding;
  headers: Record<string, string>;
  bytes: number;
}

const load = (url: string, target: Target) => runWrk(url, { connections: CONNECTIONS, seconds: SECONDS, headers: target.headers });
const shortPath = (urlPath: string) => `\`${urlPath.length > 24 ? `${urlPath.slice(0, 21)}…` : urlPath}\``;
const VERDICT_HEADERS = [`ratio ≥ ${TARGET_RATIO}`, `p99 < ${TARGET_P99_MS} ms`];

/** Herald's figures against the targets: the two verdict cells of a row, and whether both were met. */
function judged(rate: number, nginxRate: number, p99: number, failures: number): { cells: string[]; met: boolean } {
  const ratioMet = rate / nginxRate >= TARGET_RATIO && failures === 0;
  const p99Met = p99 < TARGET_P99_MS;
  return {
    cells: [verdict(ratioMet) + (failures ? ` (${failures} failed answers)` : ''), verdict(p99Met)],
    met: ratioMet && p99Met,
  };
}

async function json<T>(url: string): Promise<T> {
  const answer = await rawRequest(url);
  if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}`);
  return JSON.parse(answer.body.toString('utf8')) as T;
}

/** What Herald sends for each path, in each coding it sends when asked: the bytes for nginx to serve. */
async function takeAnswers(herald: HeraldServer, paths: string[]): Promise<StaticAnswer[]> {
  const answers: StaticAnswer[] = [];
  for (const urlPath of paths) {
    const answer: StaticAnswer = { path: urlPath, variants: [] };
    for (const { coding, headers } of CODINGS) {
      const got = await rawRequest(`${herald.url}${urlPath}`, { headers });
      if (got.status !== 200) throw new Error(`Herald answered ${urlPath} (${coding}) with ${got.status}`);
      const sent = headerOf(got.headers, 'content-encoding') || 'identity';
      if (sent === coding) answer.variants.push({ coding, body: got.body, headers: got.headers });
      else console.log(`note: Herald answered ${urlPath} with ${sent} when asked for ${coding}; nginx does the same`);
    }
    answers.push(answer);
  }
  return answers;
}

/** Herald and nginx in turn, target after target, ROUNDS times; prints the medians. Resolves to nginx's rates and whether all was met. */
async function compare(
  herald: HeraldServer,
  nginxUrl: string,
  targets: Target[],
): Promise<{ nginxRates: Map<Target, number>; met: boolean }> {
  // Warm-up: the JIT on both sides.
  for (const target of targets) {
    await runWrk(`${herald.url}${target.path}`, { connections: CONNECTIONS, seconds: 1, headers: target.headers });
    await runWrk(`${nginxUrl}${target.path}`, { connections: CONNECTIONS, seconds: 1, headers: target.headers });
  }
  const results = new Map(targets.map((target) => [target, { herald: [] as WrkResult[], nginx: [] as WrkResult[] }]));
  for (let round = 1; round <= ROUNDS; round += 1) {
    process.stdout.write(`round ${round} of ${ROUNDS}…\r`);
    for (const [target, measured] of results) {
      measured.herald.push(await load(`${herald.url}${target.path}`, target));
      measured.nginx.push(await load(`${nginxUrl}${target.path}`, target));
    }
  }
  process.stdout.write(`${' '.repeat(24)}\r`);
  const nginxRates = new Map<Target, number>();
  let met = true;
  const rows = [...results].map(([target, measured]) => {
    const rate = median(measured.herald.map((result) => result.requestsPerSecond));
    const nginxRate = median(measured.nginx.map((result) => result.requestsPerSecond));
    const p99 = median(measured.herald.map((result) => result.p99Ms));
    const failures = measured.herald.reduce((sum, result) => sum + result.failures, 0);
    const verdicts = judged(rate, nginxRate, p99, failures);
    nginxRates.set(target, nginxRate);
    met &&= verdicts.met;
    return [
      shortPath(target.path),
      target.coding,
      whole(target.bytes),
      whole(rate),
      whole(nginxRate),
      (rate / nginxRate).toFixed(2),
      `${p99.toFixed(2)} ms`,
      `${median(measured.nginx.map((result) => result.p99Ms)).toFixed(2)} ms`,
      ...verdicts.cells,
    ];
  });
  printTable(['URL', 'coding', 'bytes', 'Herald req/s', 'nginx req/s', 'ratio', 'Herald p99', 'nginx p99', ...VERDICT_HEADERS], rows);
  return { nginxRates, met };
}

/**
 * Posts an update on the open incident for every subscriber through the management API, then
 * measures the targets on Herald round after round until the fan-out is over. Prints the medians.
 */
async function duringFanout(herald: HeraldServer, token: string, sink: SmtpCounter, targets: Target[], nginxRates: Map<Target, number>) {
  const unresolved = await json<{ incidents: { id: string }[] }>(`${herald.url}/api/v2/incidents/unresolved.json`);
  const openIncident = unresolved.incidents[0]?.id;
  if (!openIncident) throw new Error('the demo page has no open incident to post an update on');
  if (sink.accepted > 0) console.log(`note: ${sink.accepted} emails reached the subscribers before the update was posted`);
  const before = sink.accepted;
  const sent = () => sink.accepted - before;
  const postedAt = performance.now();
  const posted = await fetch(`${herald.url}/api/admin/v1/incidents/${openIncident}/updates`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'monitoring', message: 'A fix is deployed; we are monitoring.', notifySubscribers: true }),
  });
  if (!posted.ok) throw new Error(`posting the update answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
  while (sent() === 0) {
    if (performance.now() - postedAt > 60_000) throw new Error('no email reached the SMTP sink within 60 s of posting the update');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const runs = new Map(targets.map((target) => [target, [] as { result: WrkResult; emails: number; throughout: boolean }[]]));
  // At least one run each; a run counts when the fan-out was still going when it ended.
  for (let cycle = 0; cycle === 0 || sent() < SUBSCRIBERS; cycle += 1) {
    for (const [target, list] of runs) {
      const emailsBefore = sink.accepted;
      const result = await load(`${herald.url}${target.path}`, target);
      list.push({ result, emails: sink.accepted - emailsBefore, throughout: sent() < SUBSCRIBERS });
    }
    // A fan-out that stalls (failed deliveries wait for their retries) or never ends is left.
    if (performance.now() - sink.lastAcceptedAt > 30_000 || performance.now() - postedAt > 900_000) break;
  }
  console.log(
    `\nDuring a ${whole(SUBSCRIBERS)}-subscriber email fan-out in the same Herald process (an update posted through the management API; ` +
      `${whole(sent())} emails accepted, the last ${((sink.lastAcceptedAt - postedAt) / 1000).toFixed(1)} s after posting). ` +
      `Medians of the runs that ended before the fan-out did (of all runs when none did); the ratio is against nginx above:`,
  );
  let met = true;
  const rows = [...runs].map(([target, all]) => {
    const counted = all.some((run) => run.throughout) ? all.filter((run) => run.throughout) : all;
    const rate = median(counted.map((run) => run.result.requestsPerSecond));
    const p99 = median(counted.map((run) => run.result.p99Ms));
    const nginxRate = nginxRates.get(target) ?? Number.NaN;
    const failures = counted.reduce((sum, run) => sum + run.result.failures, 0);
    const verdicts = judged(rate, nginxRate, p99, failures);
    met &&= verdicts.met;
    return [
      shortPath(target.path),
      target.coding,
      `${counted.length}${counted.length < all.length ? ` of ${all.length}` : ''}`,
      whole(rate),
      (rate / nginxRate).toFixed(2),
      `${p99.toFixed(2)} ms`,
      whole(median(counted.map((run) => run.emails / SECONDS))),
      ...verdicts.cells,
    ];
  });
  printTable(['URL', 'coding', 'runs', 'Herald req/s', 'ratio', 'Herald p99', 'emails/s meanwhile', ...VERDICT_HEADERS], rows);
  if (sent() < SUBSCRIBERS)
    console.log(`the fan-out had not finished when measuring stopped: ${whole(sent())} of ${whole(SUBSCRIBERS)} sent`);
  return met;
}

await runBenchmark(async () => {
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-edge-bench-'));
  atTeardown('the work directory', () => fs.rmSync(workDirectory, { recursive: true, force: true }));

  // 1. The demo page (without the emails it left queued), the subscribers and a responder key;
  //    then Herald, mailing a local SMTP sink.
  const database = { dataDir: path.join(workDirectory, 'data') };
  const token = await prepareDatabase(database, async (context) => {
    await seedDemoPage(context);
    await dropQueuedSubscriberEmails(context);
    await addConfirmedSubscribers(context, SUBSCRIBERS);
    return createBenchApiKey(context, 'responder');
  });
  const sink = await startSmtpCounter({ recipients: benchSubscriberAddress });
  const herald = await startHerald(database, { env: { SMTP_URL: sink.url, MAIL_FROM: 'status@bench.test' } });

  // 2. The URLs, Herald's answers for them, and nginx serving the same.
  const incidents = await json<{ incidents: { id: string }[] }>(`${herald.url}/api/v2/incidents.json`);
  if (!incidents.incidents[0]) throw new Error('/api/v2/incidents.json lists no incident');
  const answers = await takeAnswers(herald, ['/', '/api/v2/summary.json', '/history.atom', `/incidents/${incidents.incidents[0].id}`]);
  const nginx = await startNginx(answers, { workers: NGINX_WORKERS });
  const targets: Target[] = answers.flatMap((answer) =>
    CODINGS.map(({ coding, headers }) => ({
      path: answer.path,
      coding,
      headers,
      bytes: (answer.variants.find((variant) => variant.coding === coding) ?? answer.variants[0])?.body.length ?? 0,
    })),
  );

  console.log(
    `Public edge beside nginx-light (the same bytes and headers): wrk, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per target and server, ` +
      `in turn; nginx worker_processes ${NGINX_WORKERS}; ${os.cpus().length} cores; Herald from ${heraldBuildDescription()}, embedded database`,
  );
  const compared = await compare(herald, nginx.url, targets);
  await nginx.stop();

  // 3. The same on Herald while it emails every subscriber.
  const fanoutTargets = targets.filter((target) => target.path === '/' || target.path === '/api/v2/summary.json');
  const fanoutMet = await duringFanout(herald, token, sink, fanoutTargets, compared.nginxRates);
  return compared.met && fanoutMet;
});
