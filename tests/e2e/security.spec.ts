import { expect, test } from '@playwright/test';
import { OWNER, SESSION_COOKIE, ensureOwner, signInOwner, signInThroughForm } from './support/herald';

/** Each test here stands alone: it needs only the owner account, which `ensureOwner` makes on a fresh install. */
test.beforeEach(async ({ request }) => {
  await ensureOwner(request);
});

test.describe('cross-site form posts', () => {
  const evil = { Origin: 'https://evil.example' };

  test('a cross-site POST to /login is refused with 403', async ({ request }) => {
    const response = await request.post('/login', {
      headers: evil,
      form: { email: OWNER.email, password: OWNER.password },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('Cross-site request refused');
    expect(response.headers()['set-cookie'] ?? '').not.toContain('herald_session=');
  });

  test('a cross-site POST to /admin/incidents/new is refused with 403, even with a session', async ({ context }) => {
    await signInOwner(context);
    const response = await context.request.post('/admin/incidents/new', {
      headers: evil,
      form: { intent: 'declare', title: 'Cross-site incident', severity: 'high', status: 'investigating', message: 'Forged.' },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('Cross-site request refused');

    const list = await context.request.get('/admin/incidents?state=all');
    expect(await list.text()).not.toContain('Cross-site incident');
  });
});

test("admin pages may not be framed: X-Frame-Options DENY and frame-ancestors 'none'", async ({ page, context }) => {
  await signInOwner(context);
  for (const path of ['/admin', '/admin/incidents', '/admin/users']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    const headers = response!.headers();
    expect(headers['x-frame-options'], path).toBe('DENY');
    expect(headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
  }
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
});

test('the session cookie is HttpOnly and SameSite=Lax', async ({ page, context }) => {
  await signInThroughForm(page, OWNER.email, OWNER.password);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();

  const session = (await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE);
  expect(session, 'a herald_session cookie after signing in').toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe('Lax');
  expect(session!.path).toBe('/');
  // Page scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('herald_session');
});

test('a wrong password shows the generic message, as does an unknown email', async ({ page, context }) => {
  await signInThroughForm(page, OWNER.email, 'not-the-right-password');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('alert')).toContainText('Email or password is incorrect.');
  // The email is kept, the password is not sent back.
  await expect(page.getByLabel('Email')).toHaveValue(OWNER.email);
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');

  await signInThroughForm(page, 'nobody@herald.test', 'not-the-right-password');
  await expect(page.getByRole('alert')).toContainText('Email or password is incorrect.');
  expect((await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE)).toBeUndefined();
});

test('/setup answers 404 once the owner exists', async ({ page }) => {
  const response = await page.goto('/setup');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByLabel('Your name')).toHaveCount(0);
});

test('an unknown incident id gives the 404 page', async ({ page, context }) => {
  const response = await page.goto('/incidents/doesnotexist0000');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to the status page' })).toBeVisible();

  // The same for staff, in the admin.
  await signInOwner(context);
  const adminResponse = await page.goto('/admin/incidents/doesnotexist0000');
  expect(adminResponse?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
