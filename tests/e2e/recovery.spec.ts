import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { asClient, baseUrl, signInOwner, signInThroughForm, unique, waitForMail } from './support/herald';

/**
 * A forgotten password: the staff member asks on /forgot-password, reads the link in the email
 * (the outbox: the e2e server has no SMTP), chooses a new password and is signed in; the old
 * password stops working. And the admin's side: a user who has a password gets a reset email,
 * never a link shown to the admin. Each test adds a staff member of its own (never the owner).
 */
test.use(asClient('198.51.100.71'));

interface Member {
  name: string;
  email: string;
  password: string;
}

const opened: BrowserContext[] = [];
test.afterEach(async () => {
  for (const context of opened.splice(0)) await context.close();
});

async function ownBrowser(browser: Browser, address: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: baseUrl(), ...asClient(address) });
  opened.push(context);
  return context.newPage();
}

/** A responder the owner (signed in on `ownerPage`) adds, who sets a first password through the invitation link, then signs out. */
async function addMember(browser: Browser, ownerPage: Page): Promise<Member> {
  const member = {
    name: unique('Rita Responder'),
    email: `${unique('rita').replace(/\s+/g, '-').toLowerCase()}@herald.test`,
    password: 'rita-first-password',
  };
  await ownerPage.goto('/admin/users');
  const form = ownerPage.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Email').fill(member.email);
  await form.getByLabel('Name').fill(member.name);
  await form.getByLabel('Role').selectOption({ label: 'Responder' });
  await form.getByRole('button', { name: 'Add user' }).click();
  const link = await ownerPage.getByRole('textbox', { name: /^One-time set-password link for / }).inputValue();

  const memberPage = await ownBrowser(browser, '198.51.100.72');
  await memberPage.goto(link);
  await memberPage.getByLabel('New password').fill(member.password);
  await memberPage.getByLabel('Repeat password').fill(member.password);
  await memberPage.getByRole('button', { name: 'Set password' }).click();
  await expect(memberPage).toHaveURL(/\/admin$/);
  await memberPage.getByRole('button', { name: 'Sign out' }).click();
  await expect(memberPage).toHaveURL(/\/login$/);
  return member;
}

/** The path of the set-password link in an email's text. */
function linkIn(text: string): string {
  const path = /\/set-password\/[a-z2-7]+\.[a-z2-7]+/.exec(text)?.[0];
  expect(path, 'a set-password link in the email').toBeDefined();
  return path!;
}

test('a forgotten password is reset through the emailed link: signed in, and the old password no longer works', async ({
  browser,
  page,
  context,
}) => {
  await signInOwner(context);
  const member = await addMember(browser, page);
  const newPassword = 'rita-second-password';

  const memberPage = await ownBrowser(browser, '198.51.100.73');
  await memberPage.goto('/forgot-password');
  await expect(memberPage.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
  await memberPage.getByLabel('Email').fill(member.email.toUpperCase());
  await memberPage.getByRole('button', { name: 'Email me a reset link' }).click();
  await expect(memberPage.getByRole('status')).toHaveText('If an account exists for that address, we sent a link. It works for 1 hour.');

  const mail = await waitForMail(member.email, (item) => item.subject.endsWith('Reset your password'), 'the reset link');
  const link = linkIn(mail.text);
  await memberPage.goto(link);
  await expect(memberPage.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await memberPage.getByLabel('New password').fill(newPassword);
  await memberPage.getByLabel('Repeat password').fill(newPassword);
  await memberPage.getByRole('button', { name: 'Change password' }).click();

  await expect(memberPage).toHaveURL(/\/admin$/);
  await expect(memberPage.getByRole('status')).toContainText('Your new password is set');
  await expect(memberPage.getByRole('banner')).toContainText(`${member.name} (Responder)`);
  const changed = await waitForMail(
    member.email,
    (item) => item.subject.endsWith('Your Herald password was changed'),
    'the "password changed" notice',
  );
  expect(changed.text).toContain('through a password reset link');
  expect(changed.text).toContain(`${baseUrl()}/forgot-password`);

  // The link works once; it now says where to get a new one.
  await memberPage.goto(link);
  await expect(memberPage.getByRole('heading', { name: 'This link does not work' })).toBeVisible();
  await expect(memberPage.getByRole('link', { name: '/forgot-password' })).toHaveAttribute('href', '/forgot-password');

  const stranger = await ownBrowser(browser, '198.51.100.74');
  await signInThroughForm(stranger, member.email, member.password);
  await expect(stranger.getByRole('alert')).toContainText('Email or password is incorrect.');
  await signInThroughForm(stranger, member.email, newPassword);
  await expect(stranger).toHaveURL(/\/admin$/);
});

test('an address without an account gets the same answer', async ({ browser }) => {
  const visitor = await ownBrowser(browser, '198.51.100.75');
  await visitor.goto('/forgot-password');
  await visitor.getByLabel('Email').fill(`${unique('nobody').replace(/\s+/g, '-')}@herald.test`);
  await visitor.getByRole('button', { name: 'Email me a reset link' }).click();
  await expect(visitor.getByRole('status')).toHaveText('If an account exists for that address, we sent a link. It works for 1 hour.');
});

test('the owner emails a reset link to a user who has a password, and is shown no link', async ({ browser, page, context }) => {
  await signInOwner(context);
  const member = await addMember(browser, page);
  await page.goto('/admin/users');
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: member.name }) });
  await expect(row.getByRole('button', { name: /New set-password link/ })).toHaveCount(0);
  await row.getByRole('button', { name: /Send password reset email/ }).click();
  await expect(page.getByRole('status')).toHaveText(`A reset link was emailed to ${member.email}.`);
  await expect(page.getByRole('textbox', { name: /set-password link/ })).toHaveCount(0);
  const mail = await waitForMail(member.email, (item) => item.subject.endsWith('Reset your password'), 'the reset link the owner sent');
  expect(mail.text).toContain('sent you a link to choose a new password');
  expect(linkIn(mail.text)).toMatch(/^\/set-password\//);
});
