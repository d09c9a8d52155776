import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { asClient, baseUrl, signInOwner, signInThroughForm, unique } from './support/herald';

/**
 * Second factors as staff meet them: adding an authenticator app, signing in with its codes and
 * with a recovery code, the owner requiring a factor, confirming it is you, the sessions page,
 * and the known-device rule that keeps staff in while strangers have their account throttled.
 */

test.use(asClient('198.51.100.61'));

interface Person {
  name: string;
  email: string;
  password: string;
}

const newPerson = (role: string): Person => ({
  name: unique(`Tom ${role}`),
  email: `${unique('totp').replace(/\s+/g, '-').toLowerCase()}@herald.test`,
  password: 'totp-password-12345',
});

/** The code an authenticator app shows `stepsAhead` 30-second steps from now. */
function appCode(keyText: string, stepsAhead = 0): string {
  const key = decodeBase32IgnorePadding(keyText.replace(/\s+/g, ''));
  return generateHOTP(key, BigInt(Math.floor(Date.now() / 30_000) + stepsAhead), 6);
}

/** The owner adds the person; the person sets their password through the link, in a browser of their own. */
async function addStaff(browser: Browser, ownerContext: BrowserContext, person: Person, role: 'Viewer' | 'Responder'): Promise<Page> {
  await signInOwner(ownerContext);
  const admin = await ownerContext.newPage();
  await admin.goto('/admin/users');
  const form = admin.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Email').fill(person.email);
  await form.getByLabel('Name').fill(person.name);
  await form.getByLabel('Role').selectOption({ label: role });
  await form.getByRole('button', { name: 'Add user' }).click();
  const link = await admin.getByRole('textbox', { name: /^One-time set-password link for / }).inputValue();
  await admin.close();
  const own = await browser.newContext({ baseURL: baseUrl(), ...asClient('198.51.100.61') });
  const page = await own.newPage();
  await page.goto(link);
  await page.getByLabel('New password').fill(person.password);
  await page.getByLabel('Repeat password').fill(person.password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  return page;
}

/** Adds an authenticator app on the security page; returns its key and the recovery codes shown. */
async function addApp(page: Page): Promise<{ key: string; recoveryCodes: string[] }> {
  await page.goto('/admin/account/security');
  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  await expect(page.getByRole('img', { name: 'QR code of the authenticator key' })).toBeVisible();
  const key = (await page.getByTestId('totp-key').textContent()) ?? '';
  await page.getByLabel('Code from the app').fill(appCode(key));
  await page.getByRole('button', { name: 'Confirm and add' }).click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();
  const recoveryCodes = await page.getByTestId('recovery-codes').getByRole('listitem').allTextContents();
  return { key, recoveryCodes };
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await expect(page).toHaveURL(/\/login$/);
}

test.describe('second factors', () => {
  test('an authenticator app: enrol with a QR code, then sign in with a code, and with a recovery code once', async ({
    browser,
    context,
  }) => {
    const person = newPerson('viewer');
    const page = await addStaff(browser, context, person, 'Viewer');
    const { key, recoveryCodes } = await addApp(page);
    expect(recoveryCodes).toHaveLength(10);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Your recovery codes' }), 'the codes are shown only once').toHaveCount(0);
    await expect(page.getByRole('listitem').filter({ hasText: 'Authenticator app' }).first()).toBeVisible();

    await signOut(page);
    await signInThroughForm(page, person.email, person.password);
    await expect(page).toHaveURL(/\/login\/second-factor$/);
    await page.getByLabel('Code from your authenticator app').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toContainText('That code is not right');
    // The enrolment spent this step's code; the app's next one is accepted.
    await page.getByLabel('Code from your authenticator app').fill(appCode(key, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/admin$/);

    await signOut(page);
    await signInThroughForm(page, person.email, person.password);
    await page.getByText('Lost your device? Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Use recovery code' }).click();
    await expect(page).toHaveURL(/\/admin$/);

    await signOut(page);
    await signInThroughForm(page, person.email, person.password);
    await page.getByText('Lost your device? Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Use recovery code' }).click();
    await expect(page.getByRole('alert')).toContainText('That recovery code is not right, or was used already.');

    // The sign-ins are on the person's own page.
    await page.getByLabel('Recovery code').fill(recoveryCodes[1]!);
    await page.getByRole('button', { name: 'Use recovery code' }).click();
    await page.goto('/admin/account/sessions');
    await expect(page.getByRole('listitem').filter({ hasText: 'Signed in by password and recovery code' }).first()).toBeVisible();
    await expect(page.getByRole('listitem').filter({ hasText: 'Wrong second factor' }).first()).toBeVisible();
    await page.context().close();
  });

  test('the owner requires a second factor for responders: a responder without one is sent to add one first', async ({
    browser,
    context,
  }) => {
    const person = newPerson('responder');
    const page = await addStaff(browser, context, person, 'Responder');
    const owner = await context.newPage();
    await owner.goto('/admin/settings/security');
    const requireFor = (role: string) => owner.getByRole('group', { name: 'Require a second factor for' }).getByLabel(role);
    await requireFor('Responder').check();
    await owner.getByRole('button', { name: 'Save' }).click();
    await expect(owner.getByRole('status')).toContainText('Sign-in settings saved.');
    try {
      await page.goto('/admin/incidents');
      await expect(page).toHaveURL(/\/admin\/account\/security\?required=1$/);
      await expect(page.getByRole('alert')).toContainText('The owner requires a second factor for Responders.');
      await addApp(page);
      await page.goto('/admin/incidents');
      await expect(page).toHaveURL(/\/admin\/incidents$/);
    } finally {
      await owner.goto('/admin/settings/security');
      await requireFor('Responder').uncheck();
      await owner.getByRole('button', { name: 'Save' }).click();
      await expect(owner.getByRole('status')).toContainText('Sign-in settings saved.');
    }
    await page.context().close();
  });

  test('confirming it is you: a wrong password is refused, the right one leads back to the change', async ({ browser, context }) => {
    const person = newPerson('viewer');
    const page = await addStaff(browser, context, person, 'Viewer');
    await page.goto('/admin/confirm?next=%2Fadmin%2Faccount%2Fsecurity');
    await page.getByLabel('Your password').fill('not my password at all');
    await page.getByRole('button', { name: 'Confirm with password' }).click();
    await expect(page.getByRole('alert')).toContainText('That password is not right.');
    await page.getByLabel('Your password').fill(person.password);
    await page.getByRole('button', { name: 'Confirm with password' }).click();
    await expect(page).toHaveURL(/\/admin\/account\/security$/);
    await expect(page.getByRole('status')).toContainText('For the next 5 minutes you can make sensitive changes.');
    await page.context().close();
  });

  test('sessions: a person sees both browsers and signs the other one out', async ({ browser, context }) => {
    const person = newPerson('viewer');
    const first = await addStaff(browser, context, person, 'Viewer');
    const second = await (await browser.newContext({ baseURL: baseUrl(), ...asClient('198.51.100.62') })).newPage();
    await signInThroughForm(second, person.email, person.password);
    await expect(second).toHaveURL(/\/admin$/);

    await first.goto('/admin/account/sessions');
    const rows = first.getByRole('table').getByRole('row');
    await expect(rows).toHaveCount(3);
    await expect(first.getByRole('cell', { name: '198.51.100.62' })).toBeVisible();
    await first.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await expect(first.getByRole('status')).toContainText('Every other session is signed out.');
    await expect(rows).toHaveCount(2);

    await second.goto('/admin');
    await expect(second).toHaveURL(/\/login\?next=%2Fadmin$/);
    await first.context().close();
    await second.context().close();
  });

  test('strangers who throttle an account do not lock out its owner’s own browser', async ({ browser, context, playwright }) => {
    const person = newPerson('viewer');
    const page = await addStaff(browser, context, person, 'Viewer');
    const { key, recoveryCodes } = await addApp(page);
    // This browser signs in once: it becomes a known device of the account.
    await signOut(page);
    await signInThroughForm(page, person.email, person.password);
    await page.getByLabel('Code from your authenticator app').fill(appCode(key, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await signOut(page);

    // 100 wrong passwords from 10 other addresses.
    for (let client = 1; client <= 10; client += 1) {
      const stranger = await playwright.request.newContext({ baseURL: baseUrl(), ...asClient(`192.0.2.${client}`) });
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const answer = await stranger.post('/login', {
          form: { email: person.email, password: `wrong guess ${attempt}` },
          headers: { Origin: baseUrl() },
          maxRedirects: 0,
        });
        expect(answer.status()).toBe(401);
      }
      await stranger.dispose();
    }

    // A browser the account never used is throttled, even with the right password…
    const fresh = await (await browser.newContext({ baseURL: baseUrl(), ...asClient('198.51.100.63') })).newPage();
    await signInThroughForm(fresh, person.email, person.password);
    await expect(fresh.getByRole('alert')).toContainText('Too many sign-in attempts.');
    await fresh.context().close();

    // …the person's own browser still gets in with password and second factor (a recovery code:
    // the app's codes of this minute are spent).
    await signInThroughForm(page, person.email, person.password);
    await expect(page).toHaveURL(/\/login\/second-factor$/);
    await page.getByText('Lost your device? Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Use recovery code' }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await page.context().close();
  });
});
