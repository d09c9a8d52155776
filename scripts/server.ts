/**
 * Herald's server process, bundled by scripts/start.mjs into dist/herald-server.mjs: checks the
 * environment, serves the built site behind the public edge (src/lib/server/edge), and starts
 * the runtime (migrations, job queue, worker), trying again until PostgreSQL answers: meanwhile
 * the public pages are served from what was kept on disk. A bad environment variable, an unusable
 * DATA_DIR, a DATA_DIR another process holds (the embedded database), PostgreSQL refusing the URL's
 * credentials or database, or a busy port stops start-up with one line naming it, before the
 * worker starts.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, config, type Config } from '../src/lib/server/config';
import { checkDataDir, DataDirLockedError, DataDirUnusableError } from '../src/lib/server/data-dir-lock';
import { closeProcessDatabase, processDatabase } from '../src/lib/server/db/client';
import { createPublicEdge } from '../src/lib/server/edge/public-edge';
import { isDatabaseReady } from '../src/lib/server/health';
import { processRuntime, stopProcessRuntime, type Runtime } from '../src/lib/server/runtime';
import { serveControlSocket } from '../src/lib/server/services/backup/control-socket';
import { logger } from '../src/lib/server/logger';
import { withMetrics } from '../src/lib/server/metrics/instrumented-listener';
import { processMetricsSources, startMetricsServer } from '../src/lib/server/metrics/metrics-server';
import { prepareSetupToken, type SetupTokenAnnouncement } from '../src/lib/server/services/access/setup';
import { drainableServer, onStopSignals, SHUTDOWN_GRACE_MS, stoppedLine } from '../src/lib/server/shutdown';
import { listenOn, probePostgres, StartupError } from '../src/lib/server/startup-checks';

const root = process.cwd();
const entry = path.join(root, 'dist/server/entry.mjs');

/** Prints the one line of a start-up failure and exits, closing the database if it was opened. */
async function stopStartup(line: string): Promise<never> {
  console.error(line);
  await closeProcessDatabase().catch(() => {});
  process.exit(1);
}

/** An error from the checks and the embedded database's opening, as the one line for the console. */
function startupLine(error: unknown): string | null {
  const known = error instanceof StartupError || error instanceof DataDirLockedError || error instanceof DataDirUnusableError;
  return known ? error.message : null;
}

async function main(): Promise<void> {
  let settings;
  try {
    settings = config();
  } catch (error) {
    if (error instanceof ConfigError) return stopStartup(error.message);
    throw error;
  }

  // Before anything starts: DATA_DIR, then the database (the embedded one is opened and
  // migrated, which takes its lock), then the port; the worker only once all of them are fine.
  try {
    checkDataDir(settings.dataDir, settings.dataDirAsGiven);
    if (!settings.databaseUrl) await processDatabase(settings);
  } catch (error) {
    const line = startupLine(error);
    if (line) return stopStartup(line);
    const [first] = String(error).split('\n');
    return stopStartup(`The embedded database in ${settings.dataDirAsGiven} could not be opened: ${first ?? ''}`);
  }
  if (settings.databaseUrl) {
    const probe = await probePostgres(settings.databaseUrl);
    if (!probe.ok && probe.permanent) return stopStartup(probe.line);
    // Unreachable at start is served through like an outage later: the public edge has kept pages.
    if (!probe.ok) console.error(probe.line);
  }
  // Until the site is loaded, a request is asked to come back in a moment.
  let listener: http.RequestListener = (_request, response) => {
    response.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('Herald is starting.');
  };
  // Every request is counted by route kind; /metrics is answered before the edge, with METRICS_TOKEN only.
  const metricsOptions = { token: settings.metrics.token, sources: processMetricsSources(settings) };
  const server = http.createServer(withMetrics((request, response) => listener(request, response), metricsOptions));
  const requests = drainableServer(server);
  try {
    await listenOn(server, settings.port, settings.host);
    if (settings.metrics.port !== undefined) await startMetricsServer(settings.metrics.port, metricsOptions);
  } catch (error) {
    server.close();
    return stopStartup(startupLine(error) ?? String(error));
  }

  if (!fs.existsSync(entry)) {
    server.close();
    return stopStartup('The site is not built: run `npm start` (it builds first) or `npm run build`.');
  }

  const log = logger();
  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const { handler } = (await import(pathToFileURL(entry).href)) as { handler: http.RequestListener };
  const edge = await createPublicEdge({
    site: handler,
    clientDirectory: path.join(root, 'dist/client'),
    dataDirectory: settings.dataDir,
    publicHost: new URL(settings.publicUrl).host,
    log,
    databaseReady: isDatabaseReady,
  });
  listener = edge.listener;
  log.info(
    { url: settings.publicUrl, host: settings.host, port: settings.port, database: settings.databaseUrl ? 'postgresql' : 'pglite' },
    'Herald is serving',
  );
  console.log(`Herald is serving on ${settings.publicUrl}`);
  // On the embedded database a failed start is not a passing outage: it stops here, as before.
  if (!settings.databaseUrl) await announceSetup(await processRuntime(settings), settings);
  // The embedded database's DATA_DIR is held by this process: `herald backup` asks it over this socket.
  const controlSocket = settings.databaseUrl
    ? undefined
    : await serveControlSocket({ dataDir: settings.dataDir, db: (await processRuntime(settings)).context.db }).catch((error: unknown) => {
        log.warn({ err: error }, '`herald backup` cannot reach this server: the control socket did not open');
        return undefined;
      });
  let stopping = false;
  if (settings.databaseUrl) void startWhenReachable(settings, () => stopping);

  // A clean stop: no new connections, the requests and jobs in flight finish (or the jobs hand
  // back their unsent part) within the grace, then the database closes; a second signal stops at once.
  onStopSignals(async (signal) => {
    stopping = true;
    log.info({ signal, graceSeconds: SHUTDOWN_GRACE_MS / 1000 }, 'stopping: finishing the requests and jobs in flight');
    const [drained, jobs] = await Promise.all([
      requests.drain(SHUTDOWN_GRACE_MS),
      stopProcessRuntime(SHUTDOWN_GRACE_MS).catch((error: unknown) => {
        log.error({ err: error }, 'the job worker did not stop cleanly');
        return undefined;
      }),
    ]);
    edge.stop();
    await edge.flush();
    await controlSocket?.close();
    await closeProcessDatabase();
    const line = stoppedLine({ requests: drained, jobs });
    log.info({ requests: drained, jobs }, line);
    console.log(line);
    process.exit(0);
  });
}

/** Starts the runtime on PostgreSQL, trying again every few seconds while the server is unreachable. */
async function startWhenReachable(settings: Config, stopping: () => boolean): Promise<Runtime | undefined> {
  const log = logger();
  for (let attempt = 1; !stopping(); attempt += 1) {
    try {
      const runtime = await processRuntime(settings);
      if (attempt > 1) log.info({ attempt }, 'PostgreSQL answers: Herald is started');
      await announceSetup(runtime, settings);
      return runtime;
    } catch (error) {
      log.error({ err: error, attempt }, 'cannot start on PostgreSQL yet: public pages are served from what was kept; trying again');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * attempt)));
    }
  }
  return undefined;
}

/** The console line for a server that is not set up yet; null once it is. */
function setupLine(announcement: SetupTokenAnnouncement, setupUrl: string): string | null {
  switch (announcement.kind) {
    case 'set_up':
      return null;
    case 'configured':
      return `Herald is not set up yet. Open ${setupUrl} and enter the setup token you set in HERALD_SETUP_TOKEN.`;
    case 'minted':
      return `Herald is not set up yet. Open ${setupUrl} and enter the setup token: ${announcement.token}`;
    case 'minted_elsewhere':
      return `Herald is not set up yet. Open ${setupUrl} and enter the setup token printed by the Herald process that started first; for a new one, run \`npm run herald -- setup-token\`.`;
  }
}

/**
 * While no account exists, says on the console and in the log how to set Herald up: with the
 * one-time setup token /setup asks for (never HERALD_SETUP_TOKEN itself). On PostgreSQL only the
 * process that started first mints and prints one; the embedded database has a single process,
 * which mints a new one at each start.
 */
async function announceSetup(runtime: Runtime, settings: Config): Promise<void> {
  const announcement = await prepareSetupToken(runtime.context, { configuredToken: settings.setupToken, replace: !settings.databaseUrl });
  const setupUrl = `${settings.publicUrl}/setup`;
  const line = setupLine(announcement, setupUrl);
  if (!line) return;
  console.log(line);
  logger().warn({ setupUrl }, line);
}

await main();
