import { expect, test } from '@playwright/test';

test('GET /healthz answers 200 with an "ok" JSON body', async ({ request }) => {
  const response = await request.get('/healthz');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');
  const body = (await response.json()) as Record<string, unknown>;
  // Either `{ "ok": true }` or `{ "status": "ok" }`, possibly with more detail beside it.
  expect(body.ok === true || body.status === 'ok', `unexpected body ${JSON.stringify(body)}`).toBe(true);
});

test('the public page answers 200 with a heading', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.locator('h1').first()).toBeVisible();
});
