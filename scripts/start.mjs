/**
 * `npm start`: builds Herald when its sources are newer than the build (the Astro site, and the
 * server script bundled with esbuild so it runs on plain Node), then runs the server.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const serverBundle = path.join(root, 'dist/herald-server.mjs');
const sources = ['src', 'public', 'scripts', 'astro.config.mjs', 'package.json'];

function newestModification(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((newest, name) => Math.max(newest, newestModification(path.join(target, name))), stat.mtimeMs);
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function buildHerald() {
  run(bin('astro'), ['build']);
  run(bin('esbuild'), [
    'scripts/server.ts',
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--packages=external',
    '--target=node22',
    `--outfile=${serverBundle}`,
    '--log-level=warning',
  ]);
}

const stale =
  !fs.existsSync(serverBundle) ||
  Math.max(...sources.map((name) => newestModification(path.join(root, name)))) > fs.statSync(serverBundle).mtimeMs;
if (process.argv[2] === '--build-only' || stale) {
  console.log('Building Herald…');
  buildHerald();
}
if (process.argv[2] !== '--build-only') await import(pathToFileURL(serverBundle).href);
