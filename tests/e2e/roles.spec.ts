import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SESSION_COOKIE, baseUrl, sameOrigin, signInOwner, unique } from './support/herald';

/**
 * Roles: the owner invites a viewer, who sets a password through the one-time link in a browser
 * of their own, reads the admin but cannot declare incidents (neither through the page nor by
 * posting the form), and signs out. Each test adds a viewer of its own.
 */
interface Viewer {
  name: string;
  email: string;
  password: string;
}

/** A viewer no other test has used. */
function newViewer(): Viewer {
  return {
    name: unique('Vera Viewer'),
    email: `${unique('viewer').replace(/\s+/g, '-').toLowerCase()}@herald.test`,
    password: 'viewer-password-123',
  };
}

/** Adds `viewer` through /admin/users as the signed-in owner of `page`; the one-time link shown. */
async function addViewerThroughForm(page: Page, viewer: Viewer): Promise<string> {
  await page.goto('/admin/users');
  const form = page.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Email').fill(viewer.email);
  await form.getByLabel('Name').fill(viewer.name);
  await form.getByLabel('Role').selectOption({ label: 'Viewer' });
  await form.getByRole('button', { name: 'Add user' }).click();
  const issued = page.getByRole('status');
  await expect(issued).toContainText(`was added as Viewer.`);
  return issued.getByRole('textbox', { name: /^One-time set-password link for / }).inputValue();
}

/** Sets the viewer's password through the link on `viewerPage`, which lands in the admin. */
async function setPasswordThroughLink(viewerPage: Page, link: string, viewer: Viewer): Promise<void> {
  await viewerPage.goto(link);
  await viewerPage.getByLabel('New password').fill(viewer.password);
  await viewerPage.getByLabel('Repeat password').fill(viewer.password);
  await viewerPage.getByRole('button', { name: 'Set password' }).click();
  await expect(viewerPage).toHaveURL(/\/admin$/);
}

test.describe('a viewer', () => {
  /** Browser contexts a test opened (a viewer's own browser), closed after it. */
  const opened: BrowserContext[] = [];

  test.afterEach(async () => {
    for (const item of opened.splice(0)) await item.close();
  });

  /** A browser of the viewer's own. */
  async function viewerBrowser(browser: Browser): Promise<{ viewerContext: BrowserContext; viewerPage: Page }> {
    const viewerContext = await browser.newContext({ baseURL: baseUrl() });
    opened.push(viewerContext);
    return { viewerContext, viewerPage: await viewerContext.newPage() };
  }

  /** A fresh viewer, added by the owner (in `context`) and signed in through their link in a browser of their own. */
  async function signedInViewer(browser: Browser, page: Page, context: BrowserContext) {
    const viewer = newViewer();
    await signInOwner(context);
    const link = await addViewerThroughForm(page, viewer);
    const { viewerContext, viewerPage } = await viewerBrowser(browser);
    await setPasswordThroughLink(viewerPage, link, viewer);
    return { viewer, viewerContext, viewerPage };
  }

  test('the owner adds a viewer and gets a one-time set-password link', async ({ page, context }) => {
    const viewer = newViewer();
    await signInOwner(context);
    const link = await addViewerThroughForm(page, viewer);
    expect(link).toMatch(new RegExp(`^${baseUrl()}/set-password/\\S+$`));

    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: viewer.name }) });
    await expect(row).toContainText(viewer.email);
    await expect(row.getByRole('cell', { name: 'Viewer', exact: true })).toBeVisible();
    await expect(row).toContainText('Invited — no password yet');
  });

  test('in a new browser, the viewer sets a password through the link and lands in the admin', async ({ browser, page, context }) => {
    const viewer = newViewer();
    await signInOwner(context);
    const link = await addViewerThroughForm(page, viewer);

    const { viewerPage } = await viewerBrowser(browser);
    await viewerPage.goto(link);
    await expect(viewerPage.getByRole('heading', { name: 'Set your password' })).toBeVisible();
    await expect(viewerPage.getByText(`Choose a password for ${viewer.email}.`)).toBeVisible();
    await viewerPage.getByLabel('New password').fill(viewer.password);
    await viewerPage.getByLabel('Repeat password').fill(viewer.password);
    await viewerPage.getByRole('button', { name: 'Set password' }).click();

    await expect(viewerPage).toHaveURL(/\/admin$/);
    await expect(viewerPage.getByRole('status')).toContainText('Your password is set.');
    await expect(viewerPage.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
    await expect(viewerPage.getByRole('banner')).toContainText(`${viewer.name} (Viewer)`);

    // The link works once.
    const again = await viewerPage.request.get(link);
    expect(again.status()).toBe(404);
  });

  test('the viewer sees no "Declare incident" and /admin/incidents/new is not allowed', async ({ browser, page, context }) => {
    const { viewerPage } = await signedInViewer(browser, page, context);
    await expect(viewerPage.getByRole('heading', { name: /^Open incidents/ })).toBeVisible();
    await expect(viewerPage.getByRole('link', { name: 'Declare incident' })).toHaveCount(0);
    await expect(viewerPage.getByRole('button', { name: 'Declare incident' })).toHaveCount(0);

    await viewerPage.getByRole('link', { name: 'Incidents', exact: true }).click();
    await expect(viewerPage.getByRole('heading', { name: 'Incidents', level: 1 })).toBeVisible();
    await expect(viewerPage.getByRole('link', { name: 'Declare incident' })).toHaveCount(0);

    const response = await viewerPage.goto('/admin/incidents/new');
    expect(response?.status()).toBe(403);
    await expect(viewerPage.getByRole('heading', { name: 'Not allowed', level: 1 })).toBeVisible();
    await expect(viewerPage.getByText('This page needs the Responder role or above.')).toBeVisible();
    await expect(viewerPage.getByLabel('Title')).toHaveCount(0);
  });

  test('posting the declare form as the viewer is refused and creates nothing', async ({ browser, page, context }) => {
    const { viewerPage } = await signedInViewer(browser, page, context);
    const title = unique('Viewer-declared incident');
    const response = await viewerPage.request.post('/admin/incidents/new', {
      headers: sameOrigin(),
      form: {
        intent: 'declare',
        title,
        severity: 'high',
        status: 'investigating',
        message: 'Posted by a viewer.',
        notifySubscribers: 'on',
      },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('Not allowed');

    // Nothing was declared: neither the owner's incident list nor the public history has it.
    await signInOwner(context);
    await page.goto('/admin/incidents?state=all');
    await expect(page.getByRole('heading', { name: /^All incidents \(\d+\)$/ })).toBeVisible();
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);
    await page.goto('/history');
    await expect(page.getByRole('heading', { name: 'History', level: 1 })).toBeVisible();
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);
  });

  test('signing out from the header works; /admin then redirects to /login', async ({ browser, page, context }) => {
    const { viewerContext, viewerPage } = await signedInViewer(browser, page, context);
    await viewerPage.goto('/admin');
    await viewerPage.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await expect(viewerPage).toHaveURL(/\/login$/);
    await expect(viewerPage.getByRole('status')).toContainText('You are signed out.');

    await viewerPage.goto('/admin');
    await expect(viewerPage).toHaveURL(/\/login\?next=%2Fadmin$/);
    await expect(viewerPage.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    expect((await viewerContext.cookies()).find((cookie) => cookie.name === SESSION_COOKIE)).toBeUndefined();
  });
});
