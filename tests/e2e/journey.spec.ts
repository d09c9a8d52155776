import { expect, test, type APIRequestContext, type Browser } from '@playwright/test';
import {
  OWNER,
  SETUP_TOKEN,
  addComponent,
  addGroup,
  banner,
  declareIncident,
  disableHttpCache,
  expandGroup,
  monthLabel,
  publicComponent,
  signInOwner,
  unique,
} from './support/herald';
import { seed } from './support/seed';

/**
 * The main journey: first-run setup, the components, then one incident from declaration through
 * an update to resolution, seen from the admin and from the public pages.
 *
 * The first four tests are about the fresh install this run's server starts with, and need it:
 * no account may exist yet. That cannot be made independent: all files share one server and one
 * database, there is no way to go back to "no accounts", and any other test (here or in another
 * file) creates the owner when it signs in (support/herald.ts, ensureOwner). So they come first
 * in this file, and this file must be the first to touch accounts (files run alphabetically: only
 * embed.spec.ts and health.spec.ts come before it, and they create nothing). Each of them goes
 * to its own page and each passes alone on a fresh server; the others must run before the setup
 * one when they run together.
 *
 * Every later test signs in as the owner (made by setup, or by ensureOwner when run alone) and
 * creates what it needs itself, under unique names: its group and components, and its incident
 * at the stage it starts from (through the management API, support/seed.ts, unless that step is
 * what the test is about). Any of them runs alone or in any order; incidents are resolved after
 * each test, so the next one sees an operational page.
 */
test.describe('first run, on the fresh install', () => {
  test('a signed-out visit to /admin on a fresh install lands on /setup', async ({ page }) => {
    await page.goto('/admin');
    // Fails (landing on /login) when an owner already exists: the setup test or another file ran first.
    await expect(page, 'the journey needs the fresh install: no account may exist yet').toHaveURL(/\/setup$/);
    await expect(page.getByRole('heading', { name: 'Set up Herald' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create owner account' })).toBeVisible();
  });

  test('before setup, the public page claims nothing about the services', async ({ page }) => {
    await page.goto('/');
    await expect(banner(page, 'This status page is not set up yet.')).toBeVisible();
    await expect(page.locator('body')).not.toContainText('All Systems Operational');
  });

  test('a wrong setup token is refused, and nothing is created', async ({ page }) => {
    await page.goto('/setup');
    await page.getByLabel('Setup token').fill('not-the-setup-token');
    await page.getByLabel('Your name').fill('Mallory');
    await page.getByLabel('Email').fill('mallory@herald.test');
    await page.getByLabel('Password', { exact: true }).fill('mallory-password-123');
    await page.getByLabel('Repeat password').fill('mallory-password-123');
    await page.getByRole('button', { name: 'Create owner account' }).click();

    await expect(page).toHaveURL(/\/setup$/);
    await expect(page.getByRole('alert').first()).toContainText("The setup token is not right. It is printed in Herald's log at start.");
    await expect(page.getByLabel('Setup token')).toHaveAttribute('aria-invalid', 'true');
    // Still a fresh install: /admin leads to /setup, not to a sign-in.
    await page.goto('/admin');
    await expect(page).toHaveURL(/\/setup$/);
  });

  test('setup creates the owner and lands in the admin', async ({ page }) => {
    await page.goto('/setup');
    await page.getByLabel('Setup token').fill(SETUP_TOKEN);
    await page.getByLabel('Your name').fill(OWNER.name);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByLabel('Repeat password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create owner account' }).click();

    await expect(page).toHaveURL(/\/admin\/components$/);
    await expect(page.getByRole('status')).toContainText('Welcome to Herald.');
    await expect(page.getByRole('heading', { name: 'Components', level: 1 })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText(`${OWNER.name} (Owner)`);
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

    // The public page, kept by the edge while nobody was set up, is rendered anew.
    await page.goto('/');
    await expect(banner(page, 'This status page is not set up yet.')).toHaveCount(0);
  });
});

test.describe('main journey', () => {
  const message = 'We are investigating errors on API requests.';
  const update = 'A fix is deployed; we are watching error rates.';

  /** Incidents the running test made, resolved (quietly) after it. */
  const opened: string[] = [];

  test.beforeEach(async ({ context }) => {
    await disableHttpCache(context);
    await signInOwner(context);
  });

  test.afterEach(async ({ browser, request }) => {
    if (opened.length === 0) return;
    const client = await seed(browser, request);
    for (const id of opened.splice(0)) await client.resolveIfOpen(id);
  });

  /** The journey's group "Platform", its component "API" and the ungrouped "Website", and the incident's title: none used before. */
  function newNames() {
    return { group: unique('Platform'), api: unique('API'), website: unique('Website'), title: unique('API requests failing') };
  }

  /**
   * The journey up to `stage`, made through the management API: the group with API in it and
   * Website; then the High incident on API (major outage), its Monitoring update, its resolution.
   */
  async function journeyAt(browser: Browser, request: APIRequestContext, stage: 'components' | 'declared' | 'monitoring' | 'resolved') {
    const names = newNames();
    const client = await seed(browser, request);
    const groupId = await client.group(names.group);
    const apiId = await client.component(names.api, groupId);
    await client.component(names.website);
    if (stage === 'components') return { ...names, incidentId: '' };
    const incidentId = await client.incident({
      title: names.title,
      message,
      severity: 'high',
      components: [{ componentId: apiId, status: 'major_outage' }],
    });
    opened.push(incidentId);
    if (stage === 'monitoring' || stage === 'resolved') await client.update(incidentId, { status: 'monitoring', message: update });
    if (stage === 'resolved') await client.resolve(incidentId, 'This incident has been resolved.');
    return { ...names, incidentId };
  }

  test('the owner creates the group Platform and the components API (in Platform) and Website', async ({ page }) => {
    const { group, api, website } = newNames();
    await addGroup(page, group);
    await addComponent(page, api, group);
    await addComponent(page, website);

    const platform = page.getByRole('region', { name: `Group: ${group}` });
    await expect(platform.getByRole('link', { name: `Edit ${api}`, exact: true })).toBeVisible();
    await expect(platform.getByRole('link', { name: `Edit ${website}`, exact: true })).toHaveCount(0);
    const ungrouped = page.getByRole('region', { name: 'Ungrouped components' });
    await expect(ungrouped.getByRole('link', { name: `Edit ${website}`, exact: true })).toBeVisible();
  });

  test('the public page lists the components as Operational', async ({ browser, request, page }) => {
    const { group, api, website } = await journeyAt(browser, request, 'components');
    await page.goto('/');
    await expect(banner(page, 'All Systems Operational')).toBeVisible();
    await expect(publicComponent(page, website)).toContainText('Operational');
    await expandGroup(page, group, api);
    await expect(publicComponent(page, api)).toContainText('Operational');
    await expect(page.getByRole('heading', { name: 'Open incidents' })).toHaveCount(0);
  });

  test('declaring an incident shows it on its admin page', async ({ browser, request, page }) => {
    const { api, title } = await journeyAt(browser, request, 'components');
    const incidentId = await declareIncident(page, {
      title,
      severity: 'High',
      message,
      components: { [api]: 'Major outage' },
    });
    opened.push(incidentId);

    const facts = page.getByRole('main');
    await expect(facts.getByRole('definition').filter({ hasText: /^Investigating$/ })).toBeVisible();
    await expect(facts.getByRole('definition').filter({ hasText: /^High$/ })).toBeVisible();
    const affected = page.getByRole('region', { name: 'Affected components' });
    await expect(affected).toContainText(api);
    await expect(affected).toContainText('Major outage');
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await expect(timeline.getByRole('heading', { level: 3 })).toHaveText(['Investigating']);
    await expect(timeline.getByRole('paragraph').filter({ hasText: message })).toBeVisible();

    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await expect(page.getByRole('link', { name: title })).toBeVisible();
  });

  test('the public page shows the outage banner, the open incident and API as Major outage', async ({ browser, request, page }) => {
    const { api, website, title } = await journeyAt(browser, request, 'declared');
    await page.goto('/');
    // API is in a major outage and Website operational: "any major outage" → Partial System Outage.
    await expect(banner(page, 'Partial System Outage')).toBeVisible();

    const open = page.getByRole('region', { name: 'Open incidents' });
    await expect(open.getByRole('link', { name: title })).toBeVisible();
    await expect(open).toContainText('Impact: Major');
    await expect(open).toContainText(`Affects ${api}`);
    await expect(open).toContainText(`Investigating – ${message}`);

    // A group that is not operational is shown open.
    await expect(page.getByRole('heading', { name: api, exact: true })).toBeVisible();
    await expect(publicComponent(page, api)).toContainText('Major outage');
    await expect(publicComponent(page, website)).toContainText('Operational');
  });

  test('the public incident page shows the timeline', async ({ browser, request, page }) => {
    const { api, title, incidentId } = await journeyAt(browser, request, 'declared');
    await page.goto('/');
    await page.getByRole('region', { name: 'Open incidents' }).getByRole('link', { name: title }).click();
    await expect(page).toHaveURL(new RegExp(`/incidents/${incidentId}$`));
    await expect(page.getByRole('heading', { name: title, level: 1 })).toBeVisible();
    await expect(page.getByText('Incident · Investigating')).toBeVisible();

    const updates = page.getByRole('region', { name: 'Updates' });
    await expect(updates.getByRole('heading', { level: 3 })).toHaveText(['Investigating']);
    await expect(updates.getByText(message)).toBeVisible();
    await expect(updates.getByText(`${api}: Operational → Major outage`)).toBeVisible();
    await expect(page.getByRole('region', { name: 'Affected components' })).toContainText('Major outage');
  });

  test('an update (Monitoring) appears on the public incident page, newest first', async ({ browser, request, page }) => {
    const { incidentId } = await journeyAt(browser, request, 'declared');
    await page.goto(`/admin/incidents/${incidentId}`);
    const form = page.getByRole('region', { name: 'Post an update' });
    await form.getByLabel('Status', { exact: true }).selectOption({ label: 'Monitoring' });
    await form.getByLabel('Message').fill(update);
    await form.getByRole('button', { name: 'Post update' }).click();
    await expect(page.getByRole('status')).toContainText('Update posted.');
    await expect(
      page
        .getByRole('main')
        .getByRole('definition')
        .filter({ hasText: /^Monitoring$/ }),
    ).toBeVisible();

    await page.goto(`/incidents/${incidentId}`);
    await expect(page.getByText('Incident · Monitoring')).toBeVisible();
    const updates = page.getByRole('region', { name: 'Updates' });
    await expect(updates.getByRole('heading', { level: 3 })).toHaveText(['Monitoring', 'Investigating']);
    const entries = updates.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3 }) });
    await expect(entries.first()).toContainText(update);
    await expect(entries.last()).toContainText(message);
  });

  test('resolving brings the public page back to All Systems Operational', async ({ browser, request, page }) => {
    const { group, api, title, incidentId } = await journeyAt(browser, request, 'monitoring');
    await page.goto(`/admin/incidents/${incidentId}`);
    const form = page.getByRole('region', { name: 'Resolve' });
    await expect(form.getByLabel('Message')).toHaveValue('This incident has been resolved.');
    await expect(form.getByLabel(api, { exact: true })).toHaveValue('operational');
    await form.getByRole('button', { name: 'Resolve incident' }).click();
    await expect(page.getByRole('status')).toContainText('Incident resolved.');
    await expect(page.getByRole('region', { name: 'Resolve' })).toHaveCount(0);

    await page.goto('/');
    await expect(banner(page, 'All Systems Operational')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Open incidents' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);
    await expandGroup(page, group, api);
    await expect(publicComponent(page, api)).toContainText('Operational');

    await page.goto(`/incidents/${incidentId}`);
    await expect(page.getByRole('region', { name: 'Updates' }).getByRole('heading', { level: 3 })).toHaveText([
      'Resolved',
      'Monitoring',
      'Investigating',
    ]);
  });

  test('the history lists the incident under its month and filters by component', async ({ browser, request, page }) => {
    const declaredAround = new Date();
    const { group, api, website, title } = await journeyAt(browser, request, 'resolved');
    await page.goto('/history');
    await expect(page.getByRole('heading', { name: 'History', level: 1 })).toBeVisible();
    // The month the incident started in (UTC); around midnight at a month's end it may be the next one.
    const months = [...new Set([monthLabel(declaredAround), monthLabel(new Date())])];
    const month = page.getByRole('region', { name: new RegExp(`^(${months.join('|')})$`) });
    await expect(month.getByRole('heading', { level: 2 })).toHaveText(new RegExp(`^(${months.join('|')})$`));
    const entry = month.getByRole('listitem').filter({ has: page.getByRole('link', { name: title }) });
    await expect(entry).toContainText('Resolved · Impact: Major');
    await expect(entry).toContainText(api);

    // Grouped components are listed as "Group › Component".
    await page.getByLabel('Component').selectOption({ label: `${group} › ${api}` });
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/[?&]component=/);
    await expect(page.getByLabel('Component').locator('option:checked')).toHaveText(`${group} › ${api}`);
    await expect(page.getByRole('link', { name: title })).toBeVisible();

    await page.getByLabel('Component').selectOption({ label: website });
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.getByText('No incidents or maintenance affected this component.')).toBeVisible();
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);
  });
});
