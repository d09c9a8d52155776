#!/usr/bin/env node
// @ts-check
// Runs Herald's Playwright end-to-end tests against a Chromium that is already on this machine.
// Playwright must never download a browser here, so this looks for one, in order:
//   1. CHROMIUM_PATH, when set and the file exists;
//   2. Playwright's own installed Chromium (`npx playwright install chromium`), when present;
//   3. Debian's /usr/bin/chromium, or `chromium` / `chromium-browser` on PATH.
// The path found is exported as CHROMIUM_PATH for playwright.config.ts; extra arguments are passed
// through to `playwright test` (e.g. `npm run test:e2e -- tests/e2e/health.spec.ts --headed`).
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NO_CHROMIUM_MESSAGE = "No Chromium found: set CHROMIUM_PATH, or install Debian's chromium (apt-get install chromium)";

/**
 * True when `file` is an existing regular file (following symlinks) that we may execute.
 * @param {string} file
 */
export function isExecutableFile(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where Playwright's own Chromium would be (installed or not), or undefined when it can't say.
 * @returns {string | undefined}
 */
export function playwrightChromiumPath() {
  const require = createRequire(import.meta.url);
  for (const name of ['playwright-core', '@playwright/test']) {
    try {
      const executable = require(name).chromium.executablePath();
      if (typeof executable === 'string' && executable) return executable;
    } catch {
      // Not installed, or it doesn't know a path for this platform: try the next one.
    }
  }
  return undefined;
}

/**
 * The first of `names` found as an executable file in the PATH-style `searchPath`.
 * @param {string[]} names
 * @param {string | undefined} searchPath
 * @param {(file: string) => boolean} [isFile]
 * @returns {string | undefined}
 */
export function whichFirst(names, searchPath, isFile = isExecutableFile) {
  for (const directory of (searchPath ?? '').split(path.delimiter)) {
    if (!directory) continue;
    for (const name of names) {
      const candidate = path.join(directory, name);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Finds a Chromium to run the tests with. Everything it touches can be replaced, for tests.
 * @param {{
 *   env?: Record<string, string | undefined>,
 *   isFile?: (file: string) => boolean,
 *   playwrightPath?: () => string | undefined,
 *   systemPaths?: string[],
 * }} [options]
 * @returns {{ path: string, source: string } | undefined}
 */
export function findChromium({
  env = process.env,
  isFile = isExecutableFile,
  playwrightPath = playwrightChromiumPath,
  systemPaths = ['/usr/bin/chromium'],
} = {}) {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv && isFile(fromEnv)) return { path: path.resolve(fromEnv), source: 'CHROMIUM_PATH' };

  const bundled = playwrightPath();
  if (bundled && isFile(bundled)) return { path: bundled, source: "Playwright's installed Chromium" };

  for (const candidate of systemPaths) {
    if (isFile(candidate)) return { path: candidate, source: 'system' };
  }
  const onPath = whichFirst(['chromium', 'chromium-browser'], env.PATH, isFile);
  if (onPath) return { path: onPath, source: 'PATH' };
  return undefined;
}

async function main() {
  const found = findChromium();
  if (!found) {
    console.error(NO_CHROMIUM_MESSAGE);
    process.exit(1);
  }
  if (process.env.CHROMIUM_PATH && process.env.CHROMIUM_PATH !== found.path && !isExecutableFile(process.env.CHROMIUM_PATH)) {
    console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file; using ${found.path}`);
  }
  console.log(`e2e: using Chromium at ${found.path} (${found.source})`);

  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const playwright = path.join(root, 'node_modules', '.bin', 'playwright');
  if (!isExecutableFile(playwright)) {
    console.error(`Playwright is not installed (${playwright} is missing): run npm install`);
    process.exit(1);
  }

  const child = spawn(playwright, ['test', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      // The project's own Node (the `node` package) and tools come first, also for the web server.
      PATH: [path.join(root, 'node_modules', '.bin'), process.env.PATH].filter(Boolean).join(path.delimiter),
      CHROMIUM_PATH: found.path,
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    },
  });
  // Let Ctrl-C and CI cancellation reach Playwright, which then stops its web server cleanly.
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => {
    console.error(`Could not start Playwright: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 + (signalNumbers[signal] ?? 1) : 1));
  });
}

/** @type {Record<string, number>} */
const signalNumbers = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) await main();
