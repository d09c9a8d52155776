import { expect, test, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import { addComponent, disableHttpCache, ensureOwner, publicComponent, signInOwner, unique } from './support/herald';

/**
 * The management API over real HTTP, as a deploy script uses it: an admin creates a key in the
 * admin area (shown once), a script declares an incident with it (no Origin header, no cookie),
 * a retry with the same Idempotency-Key declares nothing new, the public page shows the
 * incident, and a revoked key is refused.
 */
test.describe.serial('management API', () => {
  const keyName = unique('deploy-bot');
  const componentName = unique('Checkout');
  const title = unique('Checkout errors');
  let owner: BrowserContext;
  let page: Page;
  let token = '';
  let componentId = '';
  let incidentId = '';

  const auth = () => ({ Authorization: `Bearer ${token}` });

  test.beforeAll(async ({ browser, request }) => {
    await ensureOwner(request);
    owner = await browser.newContext();
    await signInOwner(owner);
    await disableHttpCache(owner);
    page = await owner.newPage();
  });

  test.afterAll(async () => {
    await owner?.close();
  });

  test('an admin creates a responder key and sees it once', async () => {
    await addComponent(page, componentName);
    await page.goto('/admin/api-keys');
    await page.getByLabel('Name').fill(keyName);
    await page.getByLabel('Role').selectOption('responder');
    await page.getByRole('button', { name: 'Create key' }).click();
    token = await page.getByLabel('Your new API key').inputValue();
    expect(token).toMatch(/^herald_[a-z2-7]{16}\.[a-z2-7]{24}$/);

    await page.goto('/admin/api-keys');
    await expect(page.getByLabel('Your new API key')).toHaveCount(0);
    await expect(page.locator('body')).not.toContainText(token);
    await expect(page.getByRole('row').filter({ hasText: keyName })).toContainText('Active');
  });

  test('a script without a key gets 401 as a problem document', async ({ request }) => {
    const response = await request.get('/api/admin/v1/components');
    expect(response.status()).toBe(401);
    expect(response.headers()['content-type']).toContain('application/problem+json');
    expect(response.headers()['www-authenticate']).toContain('Bearer');
  });

  test('a script declares an incident once, even when it retries', async ({ request }) => {
    const components = await request.get('/api/admin/v1/components', { headers: auth() });
    expect(components.status()).toBe(200);
    expect(components.headers()['ratelimit-limit']).toBeTruthy();
    componentId = ((await components.json()) as { data: { id: string; name: string }[] }).data.find((item) => item.name === componentName)!.id;

    const declare = (client: APIRequestContext) =>
      client.post('/api/admin/v1/incidents', {
        headers: { ...auth(), 'Idempotency-Key': `e2e-${title.replace(/\W+/g, '-')}` },
        data: {
          title,
          status: 'investigating',
          message: 'Some payments fail; we are investigating.',
          signals: ['payment_failures'],
          components: [{ componentId, status: 'major_outage' }],
        },
      });
    const first = await declare(request);
    expect(first.status()).toBe(201);
    const body = (await first.json()) as { id: string; severity: string; severitySuggestionReason: string };
    expect(body.severity).toBe('critical');
    expect(body.severitySuggestionReason).toContain('payment processing failures');
    incidentId = body.id;

    const retry = await declare(request);
    expect(retry.status()).toBe(201);
    expect(retry.headers()['idempotent-replayed']).toBe('true');
    expect(((await retry.json()) as { id: string }).id).toBe(incidentId);

    const open = await request.get('/api/admin/v1/incidents', { headers: auth(), params: { state: 'open' } });
    expect(((await open.json()) as { data: { title: string }[] }).data.filter((item) => item.title === title)).toHaveLength(1);
  });

  test('the public page shows it; a wrong field is named; resolving through the API clears it', async ({ request, browser }) => {
    const reader = await browser.newContext();
    await disableHttpCache(reader);
    const readerPage = await reader.newPage();
    await readerPage.goto('/');
    await expect(readerPage.getByRole('link', { name: title })).toBeVisible();
    await expect(publicComponent(readerPage, componentName)).toContainText('Major outage');

    const wrong = await request.post(`/api/admin/v1/incidents/${incidentId}/updates`, { headers: auth(), data: { status: 'fixed', message: 'x' } });
    expect(wrong.status()).toBe(422);
    expect(((await wrong.json()) as { errors: { field: string }[] }).errors.map((error) => error.field)).toContain('status');

    const resolved = await request.post(`/api/admin/v1/incidents/${incidentId}/resolve`, { headers: auth(), data: { message: 'Payments work again.' } });
    expect(resolved.status()).toBe(200);
    await readerPage.goto('/');
    await expect(publicComponent(readerPage, componentName)).toContainText('Operational');
    await reader.close();

    // The audit log names the key.
    await page.goto('/admin/audit');
    await expect(page.locator('body')).toContainText(`API key "${keyName}"`);
  });

  test('a revoked key is refused', async ({ request }) => {
    await page.goto('/admin/api-keys');
    await page.getByRole('row').filter({ hasText: keyName }).getByRole('button', { name: /Revoke/ }).click();
    await expect(page.getByRole('status')).toContainText('revoked');
    const refused = await request.get('/api/admin/v1/components', { headers: auth() });
    expect(refused.status()).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toContain('revoked');
  });
});
