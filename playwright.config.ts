import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { findChromium } from './scripts/e2e.mjs';

// Run through `npm run test:e2e` (scripts/e2e.mjs), which finds a Chromium on this machine and
// sets CHROMIUM_PATH. Playwright must never download its own browser here; when the config is used
// directly (`npx playwright test`), the same search runs here instead.
const chromiumPath = process.env.CHROMIUM_PATH || findChromium()?.path;

const port = 4399;
const baseURL = `http://127.0.0.1:${port}`;

// A fresh data directory for this run's server. The config is loaded again in every worker
// process; they inherit the variable, so only the first load creates (and later removes) it.
function createDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `herald-e2e-${Date.now()}-`));
  process.env.HERALD_E2E_DATA_DIR = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const dataDir = process.env.HERALD_E2E_DATA_DIR || createDataDir();

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  // No retries: the first-run tests (journey.spec.ts) need a fresh install, which a retry could not have.
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          ...(chromiumPath ? { executablePath: chromiumPath } : {}),
          headless: true,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
  webServer: {
    // Builds the Astro app when the build is stale, then serves it (migrations run first).
    command: 'node --max-semi-space-size=8 scripts/start.mjs',
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 180_000,
    // Shows the build's progress and the "serving" line; the app itself logs only warnings (LOG_LEVEL).
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseURL,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Always the embedded PGlite in DATA_DIR, never a database named in the caller's shell.
      DATABASE_URL: '',
    },
  },
});
