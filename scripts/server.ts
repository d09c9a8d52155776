/**
 * Herald's server process, bundled by scripts/start.mjs into dist/herald-server.mjs: checks the
 * environment, applies migrations, starts the job queue and worker, then serves the built site.
 * A bad environment variable stops start-up with one line naming it.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, config } from '../src/lib/server/config';
import { closeProcessDatabase } from '../src/lib/server/db/client';
import { processRuntime } from '../src/lib/server/runtime';
import { logger } from '../src/lib/server/logger';

const root = process.cwd();
const entry = path.join(root, 'dist/server/entry.mjs');

async function main(): Promise<void> {
  let settings;
  try {
    settings = config();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  if (!fs.existsSync(entry)) {
    console.error('The site is not built: run `npm start` (it builds first) or `npm run build`.');
    process.exit(1);
  }

  const log = logger();
  const runtime = await processRuntime(settings);

  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const { handler } = (await import(pathToFileURL(entry).href)) as { handler: http.RequestListener };
  const server = http.createServer(handler);
  server.listen(settings.port, settings.host, () => {
    log.info(
      { url: settings.publicUrl, host: settings.host, port: settings.port, database: settings.databaseUrl ? 'postgresql' : 'pglite' },
      'Herald is serving',
    );
    console.log(`Herald is serving on ${settings.publicUrl}`);
  });

  const stop = async (signal: string) => {
    log.info({ signal }, 'stopping');
    server.close();
    await runtime.stop();
    await closeProcessDatabase();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

await main();
