import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';
import {
  OWNER,
  addComponent,
  banner,
  baseUrl,
  declareIncident,
  disableHttpCache,
  ensureOwner,
  publicComponent,
  signInOwner,
  signInThroughForm,
  unique,
} from './support/herald';
import { seed } from './support/seed';

/**
 * Herald needs no JavaScript: with it turned off in the browser, staff sign in and run an
 * incident through the forms, and visitors read /, /history and the incident page.
 *
 * Each test makes what it reads: its own two components and, through the management API (see
 * support/seed.ts), an incident on one of them, resolved again after the test.
 */
test.describe('without JavaScript', () => {
  const message = 'Search answers slowly; we are looking into it.';
  const updateText = 'The slow index is rebuilt; search is recovering.';
  let staff: BrowserContext;
  let staffPage: Page;
  let visitor: BrowserContext;
  let visitorPage: Page;
  /** Incidents a test left open, resolved after it so the next one sees only its own. */
  const open: string[] = [];

  test.beforeEach(async ({ browser, request }) => {
    await ensureOwner(request);
    staff = await browser.newContext({ baseURL: baseUrl(), javaScriptEnabled: false });
    staffPage = await staff.newPage();
    visitor = await browser.newContext({ baseURL: baseUrl(), javaScriptEnabled: false });
    await disableHttpCache(visitor);
    visitorPage = await visitor.newPage();
  });

  test.afterEach(async ({ browser, request }) => {
    if (open.length > 0) {
      const api = await seed(browser, request);
      for (const id of open.splice(0)) await api.resolve(id);
    }
    await (staff as BrowserContext | undefined)?.close();
    await (visitor as BrowserContext | undefined)?.close();
  });

  /**
   * What the visitor tests read: this test's own component set to Degraded performance by a
   * Medium incident, another of its components operational, and an Identified update. Every
   * other test leaves its incidents resolved, so the public banner reads "Partially Degraded Service".
   */
  async function seededIncident(browser: Browser, request: APIRequestContext, options: { update?: boolean } = {}) {
    const api = await seed(browser, request);
    const affected = unique('Search');
    const bystander = unique('Billing');
    const title = unique('Slow search results');
    const affectedId = await api.component(affected);
    await api.component(bystander);
    const incidentId = await api.incident({
      title,
      severity: 'medium',
      message,
      components: [{ componentId: affectedId, status: 'degraded_performance' }],
    });
    open.push(incidentId);
    if (options.update ?? true) await api.update(incidentId, { status: 'identified', message: updateText });
    return { affected, bystander, title, incidentId };
  }

  test('staff sign in and declare an incident through the forms', async () => {
    const affected = unique('Search');
    const bystander = unique('Billing');
    await signInThroughForm(staffPage, OWNER.email, OWNER.password);
    await expect(staffPage).toHaveURL(/\/admin$/);
    await expect(staffPage.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();

    await addComponent(staffPage, affected);
    await addComponent(staffPage, bystander);
    open.push(
      await declareIncident(staffPage, {
        title: unique('Slow search results'),
        severity: 'Medium',
        message,
        components: { [affected]: 'Degraded performance' },
      }),
    );
  });

  test('staff post an incident update through the form', async ({ browser, request }) => {
    const { incidentId } = await seededIncident(browser, request, { update: false });
    await signInOwner(staff);
    await staffPage.goto(`/admin/incidents/${incidentId}`);
    const form = staffPage.getByRole('region', { name: 'Post an update' });
    await form.getByLabel('Status', { exact: true }).selectOption({ label: 'Identified' });
    await form.getByLabel('Message').fill(updateText);
    await form.getByRole('button', { name: 'Post update' }).click();

    await expect(staffPage).toHaveURL(new RegExp(`/admin/incidents/${incidentId}$`));
    await expect(staffPage.getByRole('status')).toContainText('Update posted.');
    const timeline = staffPage.getByRole('region', { name: 'Timeline' });
    await expect(timeline.getByRole('heading', { level: 3 })).toHaveText(['Identified', 'Investigating']);
    await expect(timeline.getByRole('paragraph').filter({ hasText: updateText })).toBeVisible();
  });

  test('visitors read the status page', async ({ browser, request }) => {
    const { affected, bystander, title } = await seededIncident(browser, request);
    const response = await visitorPage.goto('/');
    expect(response?.status()).toBe(200);
    await expect(banner(visitorPage, 'Partially Degraded Service')).toBeVisible();
    await expect(publicComponent(visitorPage, affected)).toContainText('Degraded performance');
    await expect(publicComponent(visitorPage, bystander)).toContainText('Operational');
    const openIncidents = visitorPage.getByRole('region', { name: 'Open incidents' });
    await expect(openIncidents.getByRole('link', { name: title })).toBeVisible();
    await expect(openIncidents).toContainText(`Identified – ${updateText}`);
    // No script ran: times keep the server's UTC text.
    await expect(openIncidents.getByRole('time')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  });

  test('visitors read the incident history', async ({ browser, request }) => {
    const { affected, title } = await seededIncident(browser, request);
    await visitorPage.goto('/history');
    await expect(visitorPage.getByRole('heading', { name: 'History', level: 1 })).toBeVisible();
    const entry = visitorPage.getByRole('listitem').filter({ has: visitorPage.getByRole('link', { name: title }) });
    await expect(entry).toContainText('Identified · Impact: Minor');
    await expect(entry).toContainText(affected);

    // The component filter is a plain GET form.
    await visitorPage.getByLabel('Component').selectOption({ label: affected });
    await visitorPage.getByRole('button', { name: 'Filter' }).click();
    await expect(visitorPage).toHaveURL(/\/history\?component=/);
    await expect(visitorPage.getByRole('link', { name: title })).toBeVisible();
  });

  test('visitors read the incident page with its timeline', async ({ browser, request }) => {
    const { affected, title, incidentId } = await seededIncident(browser, request);
    await visitorPage.goto('/history');
    await visitorPage.getByRole('link', { name: title }).click();
    await expect(visitorPage).toHaveURL(new RegExp(`/incidents/${incidentId}$`));
    await expect(visitorPage.getByRole('heading', { name: title, level: 1 })).toBeVisible();
    const updates = visitorPage.getByRole('region', { name: 'Updates' });
    await expect(updates.getByRole('heading', { level: 3 })).toHaveText(['Identified', 'Investigating']);
    await expect(updates).toContainText(updateText);
    await expect(updates).toContainText(message);
    await expect(updates).toContainText(`${affected}: Operational → Degraded performance`);
  });

  test('staff resolve the incident through the form; the page is operational again', async ({ browser, request }) => {
    const { affected, title, incidentId } = await seededIncident(browser, request);
    await signInOwner(staff);
    await staffPage.goto(`/admin/incidents/${incidentId}`);
    await staffPage.getByRole('region', { name: 'Resolve' }).getByRole('button', { name: 'Resolve incident' }).click();
    await expect(staffPage.getByRole('status')).toContainText('Incident resolved.');
    open.splice(open.indexOf(incidentId), 1);

    await visitorPage.goto('/');
    await expect(banner(visitorPage, 'All Systems Operational')).toBeVisible();
    await expect(publicComponent(visitorPage, affected)).toContainText('Operational');
    await expect(visitorPage.getByRole('link', { name: title })).toHaveCount(0);
  });
});
