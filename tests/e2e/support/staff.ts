import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { asClient, baseUrl, signInOwner, unique } from './herald';

export type StaffRole = 'Admin' | 'Responder' | 'Viewer';

/**
 * A new member of staff of `role`, added by the owner (in `ownerContext`) and signed in through
 * their one-time set-password link, in a browser context of their own coming from `client`. The
 * context is pushed onto `opened` for the test to close afterwards.
 */
export async function signedInStaff(
  browser: Browser,
  ownerContext: BrowserContext,
  role: StaffRole,
  { client, opened }: { client: string; opened: BrowserContext[] },
): Promise<Page> {
  await signInOwner(ownerContext);
  const owner = await ownerContext.newPage();
  await owner.goto('/admin/users');
  const form = owner.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Email').fill(`${unique(`staff-${role}`).replace(/\s+/g, '-').toLowerCase()}@herald.test`);
  await form.getByLabel('Name').fill(unique(`Tess ${role}`));
  await form.getByLabel('Role').selectOption({ label: role });
  await form.getByRole('button', { name: 'Add user' }).click();
  const issued = owner.getByRole('status');
  await expect(issued).toContainText(`was added as ${role}.`);
  const link = await issued.getByRole('textbox', { name: /^One-time set-password link for / }).inputValue();
  await owner.close();

  const own = await browser.newContext({ baseURL: baseUrl(), ...asClient(client) });
  opened.push(own);
  const page = await own.newPage();
  await page.goto(link);
  await page.getByLabel('New password').fill('staff-password-12345');
  await page.getByLabel('Repeat password').fill('staff-password-12345');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('banner')).toContainText(`(${role})`);
  return page;
}
