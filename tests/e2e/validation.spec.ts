import { expect, test } from '@playwright/test';
import { signInOwner } from './support/herald';

/** Bad input: a form that fails comes back with its messages and what was typed, and changes nothing. */
test('declaring with an empty title re-renders the form with the message and what was typed', async ({ page, context }) => {
  await signInOwner(context);
  await page.goto('/admin/incidents?state=all');
  const countHeading = page.getByRole('heading', { name: /^All incidents \(\d+\)$/ });
  const before = await countHeading.textContent();

  await page.goto('/admin/incidents/new');
  const message = 'Checkout fails for some cards.\nWe are looking into it.';
  await page.getByLabel('Title').fill('   ');
  await page.getByRole('radio', { name: 'Medium', exact: true }).check();
  await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Identified' });
  await page.getByLabel('First message').fill(message);
  const answer = page.waitForResponse(
    (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/admin/incidents/new',
  );
  await page.getByRole('button', { name: 'Declare incident' }).click();
  expect((await answer).status()).toBe(422);

  // Still the form, with the summary at the top and the message next to the field.
  await expect(page).toHaveURL(/\/admin\/incidents\/new$/);
  await expect(page.getByRole('heading', { name: 'Declare incident', level: 1 })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('Please correct the highlighted fields.');
  const title = page.getByLabel('Title');
  await expect(title).toHaveAttribute('aria-invalid', 'true');
  await expect(title).toHaveAccessibleDescription('Title is required.');
  await expect(page.getByText('Title is required.')).toBeVisible();

  // What was typed and chosen is kept.
  await expect(page.getByLabel('First message')).toHaveValue(message);
  await expect(page.getByLabel('First message')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('radio', { name: 'Medium', exact: true })).toBeChecked();
  await expect(page.getByLabel('Status', { exact: true })).toHaveValue('identified');

  // Nothing was created.
  await page.goto('/admin/incidents?state=all');
  await expect(countHeading).toHaveText(before!);
  await expect(page.getByRole('link', { name: message.split('\n')[0] })).toHaveCount(0);
});
