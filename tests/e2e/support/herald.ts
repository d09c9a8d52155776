import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type APIRequestContext, type BrowserContext, type Cookie, type Locator, type Page } from '@playwright/test';

/**
 * Shared helpers for Herald's browser tests.
 *
 * All spec files run, one after another, against ONE server and ONE database (see
 * playwright.config.ts). The journey (journey.spec.ts) creates the owner below through /setup on
 * the fresh install; every other file calls `ensureOwner` first, so it also works when run alone
 * (`npm run test:e2e -- tests/e2e/roles.spec.ts`), and names what it creates with `unique()`.
 */

/** The server's address, from playwright.config.ts (`use.baseURL`). */
export function baseUrl(): string {
  const url = test.info().project.use.baseURL;
  if (!url) throw new Error('playwright.config.ts sets no baseURL');
  return url;
}

export const SESSION_COOKIE = 'herald_session';

export const OWNER = {
  name: 'Olivia Owner',
  email: 'owner@herald.test',
  password: 'owner-password-123',
} as const;

/** The HERALD_SETUP_TOKEN playwright.config.ts gives the server: /setup asks for it. */
export const SETUP_TOKEN = 'e2e-setup-token-0123456789';

/** A name no other test (or earlier run on a reused database) has used. */
export function unique(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** The Origin header a same-site form post from the browser carries (the server refuses posts without one). */
export function sameOrigin(): Record<string, string> {
  return { Origin: baseUrl() };
}

/**
 * Creates the owner account through /setup when this is still a fresh install. /setup answers
 * 404 once anyone has an account, so this is a no-op after the journey (or another file) ran.
 */
export async function ensureOwner(request: APIRequestContext): Promise<void> {
  const setup = await request.get('/setup', { maxRedirects: 0 });
  if (setup.status() === 404) return;
  expect(setup.status(), 'GET /setup on a fresh install').toBe(200);
  const created = await request.post('/setup', {
    headers: sameOrigin(),
    form: { setupToken: SETUP_TOKEN, name: OWNER.name, email: OWNER.email, password: OWNER.password, confirmPassword: OWNER.password },
    maxRedirects: 0,
  });
  expect(created.status(), 'POST /setup creates the owner and redirects').toBe(303);
}

/** The owner's session cookie, made once per worker and shared by the tests that need a signed-in owner. */
let ownerSession: Cookie | undefined;

/**
 * Signs the owner in for a browser context. Sign-in is rate limited (per address and per email,
 * counting every attempt), so the session made by the first call is reused while it stays valid;
 * only tests about the sign-in form itself go through the form.
 */
export async function signInOwner(context: BrowserContext): Promise<void> {
  if (ownerSession) {
    await context.addCookies([ownerSession]);
    const check = await context.request.get('/admin', { maxRedirects: 0 });
    if (check.status() === 200) return;
    await context.clearCookies({ name: SESSION_COOKIE });
  }
  await ensureOwner(context.request);
  const response = await context.request.post('/login', {
    headers: sameOrigin(),
    form: { email: OWNER.email, password: OWNER.password },
    maxRedirects: 0,
  });
  expect(response.status(), 'signing the owner in redirects into the admin').toBe(303);
  expect(response.headers()['location']).toBe('/admin');
  ownerSession = (await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE);
  expect(ownerSession, 'a session cookie after signing in').toBeDefined();
}

/**
 * The public pages are sent with `Cache-Control: public, max-age=10…`, so a browser shows its cached
 * copy of / for ten seconds after a visit. Tests that change the status and look again must see the
 * server's answer: routing every request through Playwright turns the browser's HTTP cache off.
 */
export async function disableHttpCache(context: BrowserContext): Promise<void> {
  await context.route('**/*', (route) => route.continue());
}

/** Signs in through the visible /login form, as a person would. */
export async function signInThroughForm(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * Proves again who the signed-in user is on /admin/confirm: sensitive changes (API keys, roles,
 * second factors, sign-in settings) ask for it when the last proof is over 5 minutes old.
 */
export async function confirmItIsYou(page: Page, password: string = OWNER.password): Promise<void> {
  await page.goto('/admin/confirm');
  await page.getByLabel('Your password').fill(password);
  await page.getByRole('button', { name: 'Confirm with password' }).click();
  await expect(page).toHaveURL(/\/admin$/);
}

/**
 * Options for `test.use` that make a spec's requests come from their own client address (the e2e
 * server trusts X-Forwarded-For), so that sign-in limits per client stay within the spec.
 */
export function asClient(address: string) {
  return { extraHTTPHeaders: { 'X-Forwarded-For': address } };
}

/** Creates a group on /admin/components as a signed-in admin. */
export async function addGroup(page: Page, name: string): Promise<void> {
  await page.goto('/admin/components');
  const form = page.getByRole('region', { name: 'Add group' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByRole('button', { name: 'Add group' }).click();
  await expect(page.getByRole('status')).toContainText(`Group “${name}” created.`);
}

/** Creates a component on /admin/components as a signed-in admin, in `group` when given. */
export async function addComponent(page: Page, name: string, group?: string): Promise<void> {
  await page.goto('/admin/components');
  const form = page.getByRole('region', { name: 'Add component' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Group').selectOption({ label: group ?? 'No group' });
  await form.getByRole('button', { name: 'Add component' }).click();
  await expect(page.getByRole('status')).toContainText(`Component “${name}” created.`);
}

export interface Declaration {
  title: string;
  severity: 'Critical' | 'High' | 'Medium' | 'Low';
  message: string;
  /** Component name → status label, e.g. `{ API: 'Major outage' }`. */
  components?: Record<string, string>;
  /** Ticks (true) or unticks (false) "Notify subscribers"; left as the form has it when omitted. */
  notify?: boolean;
}

/** What `declareIncident` gives as the reason when the severity chosen is not the suggested one. */
const OVERRIDE_REASON = 'Set by the e2e test';

/**
 * Declares an incident through /admin/incidents/new; returns its id, read from the page address.
 * It ticks no signals; when the severity differs from the suggestion, it gives OVERRIDE_REASON.
 */
export async function declareIncident(page: Page, incident: Declaration): Promise<string> {
  await page.goto('/admin/incidents/new');
  await page.getByLabel('Title').fill(incident.title);
  await page.getByRole('radio', { name: incident.severity, exact: true }).check();
  await page.getByLabel('First message').fill(incident.message);
  const affected = page.getByRole('group', { name: 'Affected components' });
  for (const [component, status] of Object.entries(incident.components ?? {})) {
    await affected.getByLabel(component, { exact: true }).selectOption({ label: status });
  }
  if (incident.notify !== undefined) await page.getByLabel('Notify subscribers').setChecked(incident.notify);
  // A severity other than the classifier's suggestion needs a reason. The field is shown when it
  // is needed (with JavaScript) or always (without); the reason is kept only when it was needed.
  const reason = page.getByLabel('Why a different severity?');
  if (await reason.isVisible()) await reason.fill(OVERRIDE_REASON);
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page).toHaveURL(/\/admin\/incidents\/[a-z0-9]+$/);
  await expect(page.getByRole('status')).toContainText('Incident declared.');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(incident.title);
  return new URL(page.url()).pathname.split('/').at(-1)!;
}

/** The public page's overall-status banner: a region named by its own text. */
export function banner(page: Page, text: string): Locator {
  return page.getByRole('region', { name: text, exact: true });
}

/**
 * A component's line on the public page: its name (a heading) and its status label. Components of
 * a group sit in a <details> that is closed while the group is operational; open it first.
 */
export function publicComponent(page: Page, name: string): Locator {
  return page.getByRole('heading', { name, exact: true }).locator('xpath=..');
}

/** Opens a group's collapsible section on the public page, as a reader would, when it is closed. */
export async function expandGroup(page: Page, group: string, firstComponent: string): Promise<void> {
  const component = page.getByRole('heading', { name: firstComponent, exact: true });
  if (!(await component.isVisible())) {
    await page.getByRole('heading', { name: new RegExp(`^${escapeRegExp(group)} \\(\\d+\\)$`) }).click();
  }
  await expect(component).toBeVisible();
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** "March 2026": how /history labels the month (UTC) a time falls in. */
export function monthLabel(time: Date): string {
  return new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(time);
}

/** A message the server wrote to DATA_DIR/outbox (no SMTP_URL in the tests): the `<id>.json` beside each `<id>.eml`. */
export interface OutboxMail {
  id: string;
  to: string;
  from: string;
  subject: string;
  date: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/** The outbox folder of this run's server (playwright.config.ts sets HERALD_E2E_DATA_DIR). */
function outboxDir(): string {
  const dataDir = process.env.HERALD_E2E_DATA_DIR;
  if (!dataDir) throw new Error('HERALD_E2E_DATA_DIR is not set: run the tests through playwright.config.ts');
  return path.join(dataDir, 'outbox');
}

/**
 * Every message in the outbox, oldest first (ids start with the time they were written). A .json
 * file caught half-written is left out; the next read finds it whole.
 */
async function readOutbox(): Promise<OutboxMail[]> {
  let names: string[];
  try {
    names = await readdir(outboxDir());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const mails: OutboxMail[] = [];
  for (const name of names.filter((item) => item.endsWith('.json')).sort()) {
    try {
      mails.push(JSON.parse(await readFile(path.join(outboxDir(), name), 'utf8')) as OutboxMail);
    } catch {
      // Being written right now.
    }
  }
  return mails;
}

/** The messages to one address (compared without case), oldest first. */
export async function mailsTo(address: string): Promise<OutboxMail[]> {
  return (await readOutbox()).filter((mail) => mail.to.toLowerCase() === address.toLowerCase());
}

/** Waits (polling the outbox folder) for a message to `address` that `matches`, and returns it. */
export async function waitForMail(
  address: string,
  matches: (mail: OutboxMail) => boolean,
  description: string,
  timeout = 20_000,
): Promise<OutboxMail> {
  let found: OutboxMail | undefined;
  await expect
    .poll(
      async () => {
        found = (await mailsTo(address)).find(matches);
        return found !== undefined;
      },
      { message: `an email to ${address}: ${description}`, timeout },
    )
    .toBe(true);
  return found!;
}
