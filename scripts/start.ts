/**
 * `npm start`: checks the environment, builds the site when its sources are newer than the
 * build, applies migrations, then serves Herald. A bad environment variable stops start-up
 * with one line naming it.
 */
import { spawnSync } from 'node:child_process';
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

function newestModification(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(target)) newest = Math.max(newest, newestModification(path.join(target, name)));
  return newest;
}

function buildIsStale(): boolean {
  if (!fs.existsSync(entry)) return true;
  const sources = ['src', 'public', 'astro.config.mjs', 'package.json'].map((name) => newestModification(path.join(root, name)));
  return Math.max(...sources) > fs.statSync(entry).mtimeMs;
}

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

  if (buildIsStale()) {
    console.log('Building Herald (sources changed since the last build)…');
    const build = spawnSync(path.join(root, 'node_modules/.bin/astro'), ['build'], { stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }

  const log = logger();
  const runtime = await processRuntime(settings);

  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const { handler } = (await import(pathToFileURL(entry).href)) as { handler: http.RequestListener };
  const server = http.createServer(handler);
  server.listen(settings.port, settings.host, () => {
    log.info({ url: settings.publicUrl, host: settings.host, port: settings.port, database: settings.databaseUrl ? 'postgresql' : 'pglite' }, 'Herald is serving');
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
