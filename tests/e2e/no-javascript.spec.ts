import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import {
  OWNER,
  addComponent,
  banner,
  baseUrl,
  declareIncident,
  disableHttpCache,
  ensureOwner,
  publicComponent,
  signInThroughForm,
  unique,
} from './support/herald';

/**
 * Herald needs no JavaScript: with it turned off in the browser, staff sign in and run an
 * incident through the forms, and visitors read /, /history and the incident page.
 *
 * The incident here affects only this file's own component, which it sets to Degraded performance
 * while another of its components stays operational. Every other file leaves its incidents
 * resolved, so the public banner reads "Partially Degraded Service"; the last step resolves it.
 */
test.describe.serial('without JavaScript', () => {
  const affected = unique('Search');
  const bystander = unique('Billing');
  const incident = {
    title: unique('Slow search results'),
    message: 'Search answers slowly; we are looking into it.',
    update: 'The slow index is rebuilt; search is recovering.',
  };
  let incidentId = '';
  let staff: BrowserContext;
  let staffPage: Page;
  let visitor: BrowserContext;
  let visitorPage: Page;

  test.beforeAll(async ({ browser, request }) => {
    await ensureOwner(request);
    staff = await browser.newContext({ baseURL: baseUrl(), javaScriptEnabled: false });
    staffPage = await staff.newPage();
    visitor = await browser.newContext({ baseURL: baseUrl(), javaScriptEnabled: false });
    await disableHttpCache(visitor);
    visitorPage = await visitor.newPage();
  });

  test.afterAll(async () => {
    await staff?.close();
    await visitor?.close();
  });

  test('staff sign in and declare an incident through the forms', async () => {
    await signInThroughForm(staffPage, OWNER.email, OWNER.password);
    await expect(staffPage).toHaveURL(/\/admin$/);
    await expect(staffPage.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();

    await addComponent(staffPage, affected);
    await addComponent(staffPage, bystander);
    incidentId = await declareIncident(staffPage, {
      title: incident.title,
      severity: 'Medium',
      message: incident.message,
      components: { [affected]: 'Degraded performance' },
    });
  });

  test('staff post an incident update through the form', async () => {
    await staffPage.goto(`/admin/incidents/${incidentId}`);
    const form = staffPage.getByRole('region', { name: 'Post an update' });
    await form.getByLabel('Status', { exact: true }).selectOption({ label: 'Identified' });
    await form.getByLabel('Message').fill(incident.update);
    await form.getByRole('button', { name: 'Post update' }).click();

    await expect(staffPage).toHaveURL(new RegExp(`/admin/incidents/${incidentId}$`));
    await expect(staffPage.getByRole('status')).toContainText('Update posted.');
    const timeline = staffPage.getByRole('region', { name: 'Timeline' });
    await expect(timeline.getByRole('heading', { level: 3 })).toHaveText(['Identified', 'Investigating']);
    await expect(timeline.getByRole('paragraph').filter({ hasText: incident.update })).toBeVisible();
  });

  test('visitors read the status page', async () => {
    const response = await visitorPage.goto('/');
    expect(response?.status()).toBe(200);
    await expect(banner(visitorPage, 'Partially Degraded Service')).toBeVisible();
    await expect(publicComponent(visitorPage, affected)).toContainText('Degraded performance');
    await expect(publicComponent(visitorPage, bystander)).toContainText('Operational');
    const open = visitorPage.getByRole('region', { name: 'Open incidents' });
    await expect(open.getByRole('link', { name: incident.title })).toBeVisible();
    await expect(open).toContainText(`Identified – ${incident.update}`);
    // No script ran: times keep the server's UTC text.
    await expect(open.getByRole('time')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  });

  test('visitors read the incident history', async () => {
    await visitorPage.goto('/history');
    await expect(visitorPage.getByRole('heading', { name: 'History', level: 1 })).toBeVisible();
    const entry = visitorPage.getByRole('listitem').filter({ has: visitorPage.getByRole('link', { name: incident.title }) });
    await expect(entry).toContainText('Identified · Impact: Minor');
    await expect(entry).toContainText(affected);

    // The component filter is a plain GET form.
    await visitorPage.getByLabel('Component').selectOption({ label: affected });
    await visitorPage.getByRole('button', { name: 'Filter' }).click();
    await expect(visitorPage).toHaveURL(/\/history\?component=/);
    await expect(visitorPage.getByRole('link', { name: incident.title })).toBeVisible();
  });

  test('visitors read the incident page with its timeline', async () => {
    await visitorPage.getByRole('link', { name: incident.title }).click();
    await expect(visitorPage).toHaveURL(new RegExp(`/incidents/${incidentId}$`));
    await expect(visitorPage.getByRole('heading', { name: incident.title, level: 1 })).toBeVisible();
    const updates = visitorPage.getByRole('region', { name: 'Updates' });
    await expect(updates.getByRole('heading', { level: 3 })).toHaveText(['Identified', 'Investigating']);
    await expect(updates).toContainText(incident.update);
    await expect(updates).toContainText(incident.message);
    await expect(updates).toContainText(`${affected}: Operational → Degraded performance`);
  });

  test('staff resolve the incident through the form; the page is operational again', async () => {
    await staffPage.goto(`/admin/incidents/${incidentId}`);
    await staffPage.getByRole('region', { name: 'Resolve' }).getByRole('button', { name: 'Resolve incident' }).click();
    await expect(staffPage.getByRole('status')).toContainText('Incident resolved.');

    await visitorPage.goto('/');
    await expect(banner(visitorPage, 'All Systems Operational')).toBeVisible();
    await expect(publicComponent(visitorPage, affected)).toContainText('Operational');
    await expect(visitorPage.getByRole('link', { name: incident.title })).toHaveCount(0);
  });
});
