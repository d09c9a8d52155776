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
// localhost, not 127.0.0.1: browsers refuse WebAuthn (passkeys) on an IP address.
const baseURL = `http://localhost:${port}`;
// The OpenID provider the single sign-on tests sign in at (tests/support/oidc-provider-process.ts),
// on 127.0.0.1: Node may resolve localhost to ::1.
const oidcPort = 4398;
const oidcIssuer = `http://127.0.0.1:${oidcPort}`;

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
  webServer: [
    {
      command: 'npx tsx tests/support/oidc-provider-process.ts',
      url: `${oidcIssuer}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: { OIDC_PROVIDER_PORT: String(oidcPort), OIDC_PROVIDER_REDIRECT_URI: `${baseURL}/login/sso/callback` },
    },
    {
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
        // The one-time token /setup asks for (tests/e2e/support/herald.ts SETUP_TOKEN).
        HERALD_SETUP_TOKEN: 'e2e-setup-token-0123456789',
        // Specs that sign in many times send their own X-Forwarded-For (tests/e2e/support/herald.ts
        // `asClient`), so that the per-client sign-in limits of one spec do not throttle the next.
        TRUST_PROXY: 'true',
        // Single sign-on at the test provider (its client, and its groups mapped to the four roles).
        OIDC_ISSUER: oidcIssuer,
        OIDC_CLIENT_ID: 'herald-test',
        OIDC_CLIENT_SECRET: 'herald-test-client-secret-0123456789',
        OIDC_NAME: 'Test IdP',
        OIDC_OWNER_VALUES: 'herald-owners',
        OIDC_ADMIN_VALUES: 'herald-admins',
        OIDC_RESPONDER_VALUES: 'oncall',
        OIDC_VIEWER_VALUES: 'staff',
        OIDC_CREATE_USERS: 'true',
        // Always the embedded PGlite in DATA_DIR, never a database named in the caller's shell.
        DATABASE_URL: '',
      },
    },
  ],
});
