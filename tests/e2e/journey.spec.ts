import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import {
  OWNER,
  addComponent,
  addGroup,
  banner,
  declareIncident,
  disableHttpCache,
  expandGroup,
  monthLabel,
  publicComponent,
} from './support/herald';

/**
 * The main journey, on the fresh install this run's server starts with: first-run setup, the
 * components, then one incident from declaration through an update to resolution, seen from the
 * admin and from the public pages. The steps share one signed-in browser context, in order.
 *
 * This file must be the first to touch accounts (files run alphabetically: only health.spec.ts
 * comes before it, and it creates nothing). The other files create what they need under unique
 * names, so "API", "Website" and "Platform" are this journey's own.
 */
test.describe.serial('main journey', () => {
  let context: BrowserContext;
  let page: Page;
  let incidentId = '';
  let declaredAround: Date;

  const incident = {
    title: 'API requests failing',
    message: 'We are investigating errors on API requests.',
    update: 'A fix is deployed; we are watching error rates.',
  };

  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext();
    await disableHttpCache(context);
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await context.close();
  });

  test('a signed-out visit to /admin on a fresh install lands on /setup', async () => {
    await page.goto('/admin');
    // Fails (landing on /login) when an owner already exists, e.g. on a retry of this group.
    await expect(page, 'the journey needs the fresh install: no account may exist yet').toHaveURL(/\/setup$/);
    await expect(page.getByRole('heading', { name: 'Set up Herald' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create owner account' })).toBeVisible();
  });

  test('setup creates the owner and lands in the admin', async () => {
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
  });

  test('the owner creates the group Platform and the components API (in Platform) and Website', async () => {
    await addGroup(page, 'Platform');
    await addComponent(page, 'API', 'Platform');
    await addComponent(page, 'Website');

    const platform = page.getByRole('region', { name: 'Group: Platform' });
    await expect(platform.getByRole('link', { name: 'Edit API', exact: true })).toBeVisible();
    await expect(platform.getByRole('link', { name: 'Edit Website', exact: true })).toHaveCount(0);
    const ungrouped = page.getByRole('region', { name: 'Ungrouped components' });
    await expect(ungrouped.getByRole('link', { name: 'Edit Website', exact: true })).toBeVisible();
  });

  test('the public page lists the components as Operational', async () => {
    await page.goto('/');
    await expect(banner(page, 'All Systems Operational')).toBeVisible();
    await expect(publicComponent(page, 'Website')).toContainText('Operational');
    await expandGroup(page, 'Platform', 'API');
    await expect(publicComponent(page, 'API')).toContainText('Operational');
    await expect(page.getByRole('heading', { name: 'Open incidents' })).toHaveCount(0);
  });

  test('declaring an incident shows it on its admin page', async () => {
    declaredAround = new Date();
    incidentId = await declareIncident(page, {
      title: incident.title,
      severity: 'High',
      message: incident.message,
      components: { API: 'Major outage' },
    });

    const facts = page.getByRole('main');
    await expect(facts.getByRole('definition').filter({ hasText: /^Investigating$/ })).toBeVisible();
    await expect(facts.getByRole('definition').filter({ hasText: /^High$/ })).toBeVisible();
    const affected = page.getByRole('region', { name: 'Affected components' });
    await expect(affected).toContainText('API');
    await expect(affected).toContainText('Major outage');
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await expect(timeline.getByRole('heading', { level: 3 })).toHaveText(['Investigating']);
    await expect(timeline.getByRole('paragraph').filter({ hasText: incident.message })).toBeVisible();

    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await expect(page.getByRole('link', { name: incident.title })).toBeVisible();
  });

  test('the public page shows the outage banner, the open incident and API as Major outage', async () => {
    await page.goto('/');
    // API is in a major outage and Website operational: "any major outage" → Partial System Outage.
    await expect(banner(page, 'Partial System Outage')).toBeVisible();

    const open = page.getByRole('region', { name: 'Open incidents' });
    await expect(open.getByRole('link', { name: incident.title })).toBeVisible();
    await expect(open).toContainText('Impact: Major');
    await expect(open).toContainText('Affects API');
    await expect(open).toContainText(`Investigating – ${incident.message}`);

    // A group that is not operational is shown open.
    await expect(page.getByRole('heading', { name: 'API', exact: true })).toBeVisible();
    await expect(publicComponent(page, 'API')).toContainText('Major outage');
    await expect(publicComponent(page, 'Website')).toContainText('Operational');
  });

  test('the public incident page shows the timeline', async () => {
    await page.goto('/');
    await page.getByRole('region', { name: 'Open incidents' }).getByRole('link', { name: incident.title }).click();
    await expect(page).toHaveURL(new RegExp(`/incidents/${incidentId}$`));
    await expect(page.getByRole('heading', { name: incident.title, level: 1 })).toBeVisible();
    await expect(page.getByText('Incident · Investigating')).toBeVisible();

    const updates = page.getByRole('region', { name: 'Updates' });
    await expect(updates.getByRole('heading', { level: 3 })).toHaveText(['Investigating']);
    await expect(updates.getByText(incident.message)).toBeVisible();
    await expect(updates.getByText('API: Operational → Major outage')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Affected components' })).toContainText('Major outage');
  });

  test('an update (Monitoring) appears on the public incident page, newest first', async () => {
    await page.goto(`/admin/incidents/${incidentId}`);
    const form = page.getByRole('region', { name: 'Post an update' });
    await form.getByLabel('Status', { exact: true }).selectOption({ label: 'Monitoring' });
    await form.getByLabel('Message').fill(incident.update);
    await form.getByRole('button', { name: 'Post update' }).click();
    await expect(page.getByRole('status')).toContainText('Update posted.');
    await expect(page.getByRole('main').getByRole('definition').filter({ hasText: /^Monitoring$/ })).toBeVisible();

    await page.goto(`/incidents/${incidentId}`);
    await expect(page.getByText('Incident · Monitoring')).toBeVisible();
    const updates = page.getByRole('region', { name: 'Updates' });
    await expect(updates.getByRole('heading', { level: 3 })).toHaveText(['Monitoring', 'Investigating']);
    const entries = updates.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3 }) });
    await expect(entries.first()).toContainText(incident.update);
    await expect(entries.last()).toContainText(incident.message);
  });

  test('resolving brings the public page back to All Systems Operational', async () => {
    await page.goto(`/admin/incidents/${incidentId}`);
    const form = page.getByRole('region', { name: 'Resolve' });
    await expect(form.getByLabel('Message')).toHaveValue('This incident has been resolved.');
    await expect(form.getByLabel('API', { exact: true })).toHaveValue('operational');
    await form.getByRole('button', { name: 'Resolve incident' }).click();
    await expect(page.getByRole('status')).toContainText('Incident resolved.');
    await expect(page.getByRole('region', { name: 'Resolve' })).toHaveCount(0);

    await page.goto('/');
    await expect(banner(page, 'All Systems Operational')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Open incidents' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: incident.title })).toHaveCount(0);
    await expandGroup(page, 'Platform', 'API');
    await expect(publicComponent(page, 'API')).toContainText('Operational');

    await page.goto(`/incidents/${incidentId}`);
    await expect(page.getByRole('region', { name: 'Updates' }).getByRole('heading', { level: 3 })).toHaveText(['Resolved', 'Monitoring', 'Investigating']);
  });

  test('the history lists the incident under its month and filters by component', async () => {
    await page.goto('/history');
    await expect(page.getByRole('heading', { name: 'History', level: 1 })).toBeVisible();
    // The month the incident started in (UTC); around midnight at a month's end it may be the next one.
    const months = [...new Set([monthLabel(declaredAround), monthLabel(new Date())])];
    const month = page.getByRole('region', { name: new RegExp(`^(${months.join('|')})$`) });
    await expect(month.getByRole('heading', { level: 2 })).toHaveText(new RegExp(`^(${months.join('|')})$`));
    const entry = month.getByRole('listitem').filter({ has: page.getByRole('link', { name: incident.title }) });
    await expect(entry).toContainText('Resolved · Impact: Major');
    await expect(entry).toContainText('API');

    // Grouped components are listed as "Group › Component".
    await page.getByLabel('Component').selectOption({ label: 'Platform › API' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/[?&]component=/);
    await expect(page.getByLabel('Component').locator('option:checked')).toHaveText('Platform › API');
    await expect(page.getByRole('link', { name: incident.title })).toBeVisible();

    await page.getByLabel('Component').selectOption({ label: 'Website' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.getByText('No incidents or maintenance affected this component.')).toBeVisible();
    await expect(page.getByRole('link', { name: incident.title })).toHaveCount(0);
  });
});
