import { expect, test, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { baseUrl, signInOwner, signInThroughForm, unique } from './support/herald';

/**
 * Passkeys as a second factor, with Chromium's virtual authenticator (driven through the DevTools
 * protocol) standing in for a security key: a user adds one on their security page, signs out,
 * and signs in with their password and then the passkey. Each test adds a viewer of its own, so
 * the owner's sign-in stays single-factor for the other files.
 *
 * Browsers refuse WebAuthn on an IP address, so the server must be reached (and PUBLIC_URL set)
 * by a host name such as localhost.
 */

interface Person {
  name: string;
  email: string;
  password: string;
}

function newPerson(): Person {
  return {
    name: unique('Pia Passkey'),
    email: `${unique('passkey').replace(/\s+/g, '-').toLowerCase()}@herald.test`,
    password: 'passkey-password-123',
  };
}

/** The owner adds `person` as a viewer; the one-time set-password link. */
async function addViewer(context: BrowserContext, person: Person): Promise<string> {
  await signInOwner(context);
  const page = await context.newPage();
  await page.goto('/admin/users');
  const form = page.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Email').fill(person.email);
  await form.getByLabel('Name').fill(person.name);
  await form.getByLabel('Role').selectOption({ label: 'Viewer' });
  await form.getByRole('button', { name: 'Add user' }).click();
  const issued = page.getByRole('status');
  await expect(issued).toContainText('was added as Viewer.');
  const link = await issued.getByRole('textbox', { name: /^One-time set-password link for / }).inputValue();
  await page.close();
  return link;
}

/** A browser of the person's own, with a virtual authenticator that holds passkeys and verifies its user. */
async function browserWithAuthenticator(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string }> {
  const context = await browser.newContext({ baseURL: baseUrl() });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { context, page, cdp, authenticatorId };
}

test.describe('passkeys', () => {
  const opened: BrowserContext[] = [];

  test.beforeAll(() => {
    expect(new URL(baseUrl()).hostname, 'browsers refuse WebAuthn on an IP address: serve the tests on localhost').not.toMatch(
      /^[\d.]+$|^\[/,
    );
  });

  test.afterEach(async () => {
    for (const item of opened.splice(0)) await item.close();
  });

  test('a user adds a passkey, signs out, and signs in with the password and then the passkey', async ({ browser, context }) => {
    const person = newPerson();
    const link = await addViewer(context, person);
    const own = await browserWithAuthenticator(browser);
    opened.push(own.context);
    const { page, cdp, authenticatorId } = own;

    await page.goto(link);
    await page.getByLabel('New password').fill(person.password);
    await page.getByLabel('Repeat password').fill(person.password);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect(page).toHaveURL(/\/admin$/);

    await page.goto('/admin/account/security');
    // With JavaScript the explanation for browsers without it is gone.
    await expect(page.getByText('Passkeys need JavaScript')).toBeHidden();
    await page.getByLabel('Name this passkey').fill('Virtual key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(page.getByRole('status')).toContainText('Passkey “Virtual key” added.');
    await expect(page.getByRole('listitem').filter({ hasText: 'Virtual key' })).toContainText('Passkey or security key');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);

    await signInThroughForm(page, person.email, person.password);
    await expect(page).toHaveURL(/\/login\/second-factor$/);
    await page.getByRole('button', { name: /^Use a passkey/ }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

    // The key signed the sign-in: its counter moved on, and the server shows when it was last used.
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(after.credentials[0]?.signCount).toBeGreaterThan(credentials[0]?.signCount ?? 0);
    await page.goto('/admin/account/security');
    await expect(page.getByRole('listitem').filter({ hasText: 'Virtual key' })).toContainText('last used');
  });

  test('a passkey the browser cannot produce is explained on the page, and the password step stays open', async ({ browser, context }) => {
    const person = newPerson();
    const link = await addViewer(context, person);
    const own = await browserWithAuthenticator(browser);
    opened.push(own.context);
    const { page, cdp, authenticatorId } = own;

    await page.goto(link);
    await page.getByLabel('New password').fill(person.password);
    await page.getByLabel('Repeat password').fill(person.password);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await page.goto('/admin/account/security');
    await page.getByLabel('Name this passkey').fill('Lost key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(page.getByRole('status')).toContainText('Passkey “Lost key” added.');
    await page.getByRole('button', { name: 'Sign out' }).click();

    // The key is gone from the device: the browser has nothing to answer with.
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
    await signInThroughForm(page, person.email, person.password);
    await expect(page).toHaveURL(/\/login\/second-factor$/);
    await page.getByRole('button', { name: /^Use a passkey/ }).click();
    await expect(page.getByText('The passkey prompt was closed or timed out. Try again.')).toBeVisible({ timeout: 15_000 });
    await expect(page).toHaveURL(/\/login\/second-factor$/);
  });

  test('without JavaScript the add form says passkeys need it', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: baseUrl(), javaScriptEnabled: false });
    opened.push(context);
    await signInOwner(context);
    const page = await context.newPage();
    await page.goto('/admin/account/security');
    await expect(page.getByText('Passkeys need JavaScript: turn it on for this site to add one.')).toBeVisible();
  });
});
