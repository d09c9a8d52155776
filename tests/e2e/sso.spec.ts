import { expect, test, type Page } from '@playwright/test';
import { SESSION_COOKIE, ensureOwner } from './support/herald';

/**
 * Single sign-on through a real OpenID provider: playwright.config.ts starts the test provider
 * (tests/support/oidc-provider-process.ts) beside Herald, with OIDC_NAME "Test IdP" and the groups
 * `herald-owners`, `herald-admins`, `oncall` and `staff` mapped to the four roles. Its login page
 * accepts any login name; the name's first word says the account's groups (accountFromLogin).
 */

test.beforeEach(async ({ request }) => {
  await ensureOwner(request);
});

/** A login name no other run has used, whose first word gives its groups at the provider, and the name the provider gives it. */
function account(groups: 'responder' | 'outsider'): { login: string; name: string } {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const word = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  return { login: `${groups}-${id}@example.test`, name: `${word(groups)} ${word(id)}` };
}

/** From Herald's sign-in page through the provider's own login page, as `login`. */
async function signInThroughProvider(page: Page, login: string): Promise<void> {
  await page.goto('/login?next=%2Fadmin%2Fincidents');
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

test('a new user signs in at the provider and lands where they were going, with the role their groups map to', async ({ page }) => {
  const { login, name } = account('responder');
  await signInThroughProvider(page, login);
  await expect(page).toHaveURL(/\/admin\/incidents$/);
  await expect(page.getByRole('link', { name: `${name} (Responder)` })).toBeVisible();
  const cookies = await page.context().cookies();
  expect(cookies.some((cookie) => cookie.name === SESSION_COOKIE)).toBe(true);
  expect(
    cookies.some((cookie) => cookie.name === 'herald_sso'),
    'the flow cookie is spent at the callback',
  ).toBe(false);
});

test('a user whose groups map to no Herald role is refused with the reason, and not signed in', async ({ page }) => {
  await signInThroughProvider(page, account('outsider').login);
  await expect(page).toHaveURL(/\/login\/sso\/callback\?/);
  await expect(page.getByRole('heading', { name: 'Could not sign you in' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('not in any group that has a Herald role');
  expect((await page.context().cookies()).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(false);
  const admin = await page.request.get('/admin', { maxRedirects: 0 });
  expect(admin.status()).toBe(303);
});

test('a callback whose state this browser did not start is refused with a 400 page', async ({ page }) => {
  // A flow is started (its cookie set), then an answer with another state arrives.
  await page.goto('/login/sso?next=%2Fadmin');
  await expect(page).toHaveURL(/\/interaction\//);
  const response = await page.goto('/login/sso/callback?code=stolen-code&state=forged-state');
  expect(response?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('This sign-in could not be verified');
  await expect(page.getByRole('link', { name: 'Back to sign in' })).toHaveAttribute('href', '/login?next=%2Fadmin');
  expect((await page.context().cookies()).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(false);
});

test("the provider's own refusal (the user cancelled) is a 400 page, never a 500", async ({ page }) => {
  await page.goto('/login/sso');
  await page.getByRole('link', { name: '[ Cancel ]' }).click();
  await expect(page).toHaveURL(/\/login\/sso\/callback\?/);
  await expect(page.getByRole('alert')).toContainText('Test IdP did not sign you in (access denied)');
});

test('re-authentication by SSO signs in at the provider again, and only as the signed-in user', async ({ page }) => {
  const { login } = account('responder');
  await signInThroughProvider(page, login);
  await expect(page).toHaveURL(/\/admin\/incidents$/);

  // The provider is asked for a fresh sign-in (prompt=login), although it still has a session.
  await page.goto('/admin/confirm?next=%2Fadmin%2Fincidents');
  await page.getByRole('link', { name: 'Confirm with Test IdP' }).click();
  await expect(page).toHaveURL(/\/interaction\//);
  await page.locator('input[name="login"]').fill(account('responder').login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Could not confirm it is you' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('not the account signed in here');

  await page.getByRole('link', { name: 'Back to confirming it is you' }).click();
  await page.getByRole('link', { name: 'Confirm with Test IdP' }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await expect(page).toHaveURL(/\/admin\/incidents$/);
});
