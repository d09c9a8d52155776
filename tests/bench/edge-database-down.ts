/**
 * The public edge while PostgreSQL goes away. A real PostgreSQL 15 server (Debian's, started in a
 * temporary directory; see support/postgres-server.ts) with the demo page, and Herald on it.
 *
 *   (a) LOAD_SECONDS (60) of load, 50 keep-alive connections taking `/` and
 *       `/api/v2/summary.json` in turn, while PostgreSQL is stopped (`pg_ctl stop -m fast`) a
 *       third of the way in and started again at two thirds. Every answer is counted: its status,
 *       and whether it carried `Herald-Stale`. /readyz and /healthz are asked every 250 ms.
 *   (b) Herald stopped, PostgreSQL stopped, Herald started again on the same DATA_DIR: the two
 *       URLs from what it kept on disk, and a URL it never rendered; then PostgreSQL started, and
 *       the time until the answers are fresh again.
 *
 *   npm run bench:database-down
 *   LOAD_SECONDS=15 npm run bench:database-down
 *   HERALD_ROOT=/some/dir npm run bench:database-down     (an existing build there)
 *
 * Targets: no answer but 200 (a); fresh again (no Herald-Stale) within 5 s of PostgreSQL's
 * return (a, b); /readyz not 200 while PostgreSQL is down and /healthz 200 throughout; after the
 * restart with the database down, 200 with Herald-Stale from what was kept (b). Prints PASS or
 * FAIL for each and exits 1 when one fails. Installs postgresql with apt-get when missing and root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLoad, type LoadAnswer } from './load';
import { prepareDatabase, seedDemoPage, type DatabaseTarget } from './support/bench-database';
import { heraldBuildDescription, startHerald, type HeraldServer } from './support/herald-server';
import { headerOf, rawRequest, waitForAnswer, type RawAnswer } from './support/network';
import { startPostgres, type PostgresServer } from './support/postgres-server';
import { printTable, verdict, whole } from './support/report';
import { atTeardown, runBenchmark } from './support/teardown';

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CONNECTIONS = 50;
const PATHS = ['/', '/api/v2/summary.json'];
const FRESH_TARGET_MS = 5_000;
const PROBE_INTERVAL_MS = 250;

const sleepUntil = (moment: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, moment - performance.now())));
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;
const isStale = (headers: RawAnswer['headers']) => headerOf(headers, 'herald-stale') !== '';

const checks: string[][] = [];
let allMet = true;
function check(name: string, measured: string, target: string, met: boolean): void {
  checks.push([name, measured, target, verdict(met)]);
  allMet &&= met;
}

/** Polls the URLs until each answers 200 without Herald-Stale; resolves to performance.now() then. */
async function untilFresh(herald: HeraldServer, timeoutMs: number): Promise<number> {
  for (const urlPath of PATHS) {
    await waitForAnswer(`${herald.url}${urlPath}`, {
      timeoutMs,
      process: herald.process,
      accept: (answer) => answer.status === 200 && !isStale(answer.headers),
    });
  }
  return performance.now();
}

/** Asks `url` every PROBE_INTERVAL_MS until `done()`; the statuses (0: no answer) with their moments. */
async function probe(url: string, done: () => boolean): Promise<{ at: number; status: number }[]> {
  const samples: { at: number; status: number }[] = [];
  while (!done()) {
    const status = await rawRequest(url, { timeoutMs: 5_000 }).then(
      (answer) => answer.status,
      () => 0,
    );
    samples.push({ at: performance.now(), status });
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
  return samples;
}

/** Per URL: every answer's status, Herald-Stale before, during and after the outage, and when it was last stale and fresh. */
class Tally {
  answers = 0;
  statuses = new Map<number, number>();
  stale = { before: 0, down: 0, after: 0 };
  /** 200 without Herald-Stale once PostgreSQL had stopped (the answer was still within its freshness). */
  freshWhileDown = 0;
  lastStaleAt = Number.NEGATIVE_INFINITY;
  lastFreshAt = Number.NEGATIVE_INFINITY;

  get notOk(): number {
    return this.answers - (this.statuses.get(200) ?? 0);
  }
}

/** (a): load on the URLs while PostgreSQL stops and starts again. */
async function throughOutage(herald: HeraldServer, postgres: PostgresServer): Promise<void> {
  const tallies = new Map(PATHS.map((urlPath) => [`${herald.url}${urlPath}`, new Tally()]));
  const outage = { stopAt: Infinity, stoppedAt: Infinity, startAt: Infinity, startedAt: Infinity };
  const onAnswer = (answer: LoadAnswer) => {
    const tally = tallies.get(answer.url)!;
    tally.answers += 1;
    tally.statuses.set(answer.status, (tally.statuses.get(answer.status) ?? 0) + 1);
    const phase = answer.at < outage.stopAt ? 'before' : answer.at < outage.startedAt ? 'down' : 'after';
    if (isStale(answer.headers)) {
      tally.stale[phase] += 1;
      tally.lastStaleAt = answer.at;
    } else if (answer.status === 200) {
      tally.lastFreshAt = answer.at;
      if (phase === 'down' && answer.at > outage.stoppedAt) tally.freshWhileDown += 1;
    }
  };
  let loading = true;
  const readiness = probe(`${herald.url}/readyz`, () => !loading);
  const liveness = probe(`${herald.url}/healthz`, () => !loading);
  const startedAt = performance.now();
  const outageDriven = (async () => {
    await sleepUntil(startedAt + (LOAD_SECONDS * 1000) / 3);
    outage.stopAt = performance.now();
    await postgres.stop('fast');
    outage.stoppedAt = performance.now();
    await sleepUntil(startedAt + (LOAD_SECONDS * 2000) / 3);
    outage.startAt = performance.now();
    await postgres.start();
    outage.startedAt = performance.now();
  })();
  const [load] = await Promise.all([
    runLoad([...tallies.keys()], { connections: CONNECTIONS, seconds: LOAD_SECONDS, onAnswer }),
    outageDriven,
  ]);
  loading = false;
  const [ready, live] = await Promise.all([readiness, liveness]);
  const endedAt = performance.now();

  const at = (moment: number) => seconds(moment - startedAt);
  console.log(
    `\n(a) ${LOAD_SECONDS} s of load, ${CONNECTIONS} keep-alive connections on ${PATHS.join(' and ')} in turn ` +
      `(${whole(load.requestsPerSecond)} answers/s of 200): PostgreSQL stopped at ${at(outage.stopAt)} ` +
      `(down ${seconds(outage.stoppedAt - outage.stopAt)} later), started at ${at(outage.startAt)} ` +
      `(accepting ${seconds(outage.startedAt - outage.startAt)} later)`,
  );
  const rows = [...tallies].map(([url, tally]) => {
    const urlPath = `\`${new URL(url).pathname}\``;
    const others = [...tally.statuses].filter(([status]) => status !== 200);
    // Fresh again: the last stale answer after PostgreSQL returned, provided fresh ones followed it.
    const staleAfterReturn = tally.lastStaleAt >= outage.startedAt;
    const freshAgain = !staleAfterReturn ? 0 : tally.lastFreshAt > tally.lastStaleAt ? tally.lastStaleAt - outage.startedAt : NaN;
    const freshText = Number.isNaN(freshAgain)
      ? `still stale at the end, ${seconds(endedAt - outage.startedAt)} after`
      : seconds(freshAgain);
    check(`(a) ${urlPath}: answers other than 200`, whole(tally.notOk), '0', tally.notOk === 0);
    check(
      `(a) ${urlPath}: fresh again after PostgreSQL returned`,
      freshText,
      `≤ ${seconds(FRESH_TARGET_MS)}`,
      freshAgain <= FRESH_TARGET_MS,
    );
    return [
      urlPath,
      whole(tally.answers),
      tally.notOk ? `${whole(tally.notOk)} (${others.map(([status, count]) => `${status || 'no answer'}: ${count}`).join(', ')})` : '0',
      `${whole(tally.stale.before)} / ${whole(tally.stale.down)} / ${whole(tally.stale.after)}`,
      whole(tally.freshWhileDown),
      freshText,
    ];
  });
  printTable(['URL', 'answers', 'not 200', 'Herald-Stale before / down / after', 'fresh 200 while down', 'fresh again after return'], rows);

  if ([...tallies.values()].every((tally) => tally.stale.down === 0 && tally.freshWhileDown > 0)) {
    console.log(
      'note: no answer carried Herald-Stale while PostgreSQL was down: they were all still within their freshness ' +
        '(Herald-Fresh-Until, at most 60 s) and nothing changed, so the edge tried no render that could fail',
    );
  }
  const readyWhileDown = ready.filter((sample) => sample.at > outage.stoppedAt && sample.at < outage.startAt);
  const readyNotOk = readyWhileDown.filter((sample) => sample.status !== 200).length;
  check('(a) `/readyz` while PostgreSQL was down', `${readyNotOk} of ${readyWhileDown.length} not 200`, 'not 200', readyNotOk > 0);
  const readyAgain = ready.find((sample) => sample.at > outage.startedAt && sample.status === 200);
  console.log(
    readyAgain
      ? `/readyz answered 200 again ${seconds(readyAgain.at - outage.startedAt)} after PostgreSQL returned`
      : '/readyz did not answer 200 again before the load ended',
  );
  const liveOk = live.filter((sample) => sample.status === 200).length;
  check('(a) `/healthz` throughout', `${liveOk} of ${live.length} answered 200`, 'all 200', live.length > 0 && liveOk === live.length);
}

/** (b): Herald restarted while PostgreSQL is down, then PostgreSQL back. Resolves to the new Herald. */
async function restartWithDatabaseDown(herald: HeraldServer, postgres: PostgresServer, database: DatabaseTarget): Promise<HeraldServer> {
  await herald.stop();
  await postgres.stop('fast');
  const restarted = await startHerald(database);
  for (const urlPath of PATHS) {
    const answer = await rawRequest(`${restarted.url}${urlPath}`);
    const stale = headerOf(answer.headers, 'herald-stale');
    check(
      `(b) \`${urlPath}\` after a restart with PostgreSQL down`,
      `${answer.status}${stale ? `, Herald-Stale: ${stale}` : ', no Herald-Stale'}`,
      '200 with Herald-Stale',
      answer.status === 200 && stale !== '',
    );
  }
  const never = await rawRequest(`${restarted.url}/history.rss`);
  const retryAfter = headerOf(never.headers, 'retry-after');
  check(
    '(b) `/history.rss` (never rendered) with PostgreSQL down',
    `${never.status}${retryAfter ? `, Retry-After: ${retryAfter}` : ''}`,
    '503 with Retry-After',
    never.status === 503 && retryAfter !== '',
  );
  const ready = await rawRequest(`${restarted.url}/readyz`);
  check('(b) `/readyz` with PostgreSQL down', String(ready.status), 'not 200', ready.status !== 200);
  await postgres.start();
  const returnedAt = performance.now();
  const freshAt = await untilFresh(restarted, 120_000).catch(() => NaN);
  check(
    '(b) fresh after PostgreSQL started',
    Number.isNaN(freshAt) ? 'not within 120 s' : seconds(freshAt - returnedAt),
    `≤ ${seconds(FRESH_TARGET_MS)}`,
    freshAt - returnedAt <= FRESH_TARGET_MS,
  );
  return restarted;
}

await runBenchmark(async () => {
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-outage-bench-'));
  atTeardown('the work directory', () => fs.rmSync(workDirectory, { recursive: true, force: true }));
  const postgres = await startPostgres();
  const database = { dataDir: path.join(workDirectory, 'data'), databaseUrl: postgres.url };
  await prepareDatabase(database, seedDemoPage);
  const herald = await startHerald(database);
  await waitForAnswer(`${herald.url}/readyz`, { timeoutMs: 60_000 });
  await untilFresh(herald, 30_000);
  console.log(
    `Public edge with the database down: Herald from ${heraldBuildDescription()} on PostgreSQL 15 (demo page), ${os.cpus().length} cores`,
  );

  await throughOutage(herald, postgres);
  const restarted = await restartWithDatabaseDown(herald, postgres, database);
  await restarted.stop();

  console.log('');
  printTable(['check', 'measured', 'target', 'verdict'], checks);
  return allMet;
});
