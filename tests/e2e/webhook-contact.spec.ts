import { expect, test } from '@playwright/test';

/**
 * A webhook contact's confirmation link (the flow itself, with a real SMTP server, is in
 * tests/integration/webhooks.test.ts): a wrong or spent link is a clear page, never an error.
 */
test('a confirmation link that is not valid says so and changes nothing', async ({ page }) => {
  for (const token of ['abcdefghijklmnop.abcdefghijklmnopqrstuvwx', 'not-a-token']) {
    const response = await page.goto(`/webhooks/contact/${token}`);
    expect(response?.status(), token).toBe(404);
    await expect(page.getByRole('heading', { name: 'This link is not valid' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Confirm notices' })).toHaveCount(0);
  }
  const posted = await page.request.post('/webhooks/contact/abcdefghijklmnop.abcdefghijklmnopqrstuvwx', {
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(posted.status()).toBe(404);
});
