/**
 * `npm run herald -- <command>`: Herald's command line (src/cli.ts). In a checkout with the dev
 * dependencies it runs the sources through tsx, so a command never waits for a build; in a
 * production install (`npm install --omit=dev`, no tsx) it runs dist/herald-cli.mjs, which
 * `npm run build` writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const builtCli = path.join(root, 'dist/herald-cli.mjs');

async function tsxRegister() {
  try {
    return (await import('tsx/esm/api')).register;
  } catch {
    return undefined;
  }
}

const register = await tsxRegister();
if (register) {
  register();
  await import(pathToFileURL(path.join(root, 'src/cli.ts')).href);
} else if (fs.existsSync(builtCli)) {
  await import(pathToFileURL(builtCli).href);
} else {
  console.error('Herald is not built: run `npm run build` (with the dev dependencies installed) first.');
  process.exit(1);
}
