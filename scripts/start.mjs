/**
 * `npm start`: builds Herald when its sources are newer than the build (the Astro site, and the
 * server script and the command line bundled with esbuild so they run on plain Node), then runs
 * the server. `npm run build` only builds. With NODE_ENV=production, or without the build tools
 * (a production install), it runs the build that is there, as `npm run start:prod` does.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const serverBundle = path.join(root, 'dist/herald-server.mjs');
const bundles = [
  { entry: 'scripts/server.ts', outfile: serverBundle },
  { entry: 'src/cli.ts', outfile: path.join(root, 'dist/herald-cli.mjs') },
];
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
  for (const { entry, outfile } of bundles) {
    run(bin('esbuild'), [
      entry,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      '--target=node22',
      `--outfile=${outfile}`,
      '--log-level=warning',
    ]);
  }
}

const buildOnly = process.argv[2] === '--build-only';
const canBuild = fs.existsSync(bin('astro')) && fs.existsSync(bin('esbuild'));
const production = process.env.NODE_ENV === 'production' || !canBuild;
const stale =
  !fs.existsSync(serverBundle) ||
  Math.max(...sources.map((name) => newestModification(path.join(root, name)))) > fs.statSync(serverBundle).mtimeMs;
if (buildOnly && !canBuild) {
  console.error('Building Herald needs the dev dependencies: run `npm install` (without --omit=dev) first.');
  process.exit(1);
}
if (buildOnly || (!production && stale)) {
  console.log('Building Herald…');
  buildHerald();
}
if (!buildOnly && !fs.existsSync(serverBundle)) {
  console.error('Herald is not built: run `npm run build` on a machine with the dev dependencies, then copy dist/ here.');
  process.exit(1);
}
if (!buildOnly) await import(pathToFileURL(serverBundle).href);
