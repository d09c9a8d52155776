import { expect, test, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import { addComponent, confirmItIsYou, disableHttpCache, ensureOwner, publicComponent, signInOwner, unique } from './support/herald';

/**
 * The management API over real HTTP, as a deploy script uses it: an admin creates a key in the
 * admin area (shown once), a script declares an incident with it (no Origin header, no cookie),
 * a retry with the same Idempotency-Key declares nothing new, the public page shows the
 * incident, and a revoked key is refused. Each test makes its own key, component and incident.
 */
test.describe('management API', () => {
  let owner: BrowserContext;
  let page: Page;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  test.beforeAll(async ({ browser, request }) => {
    await ensureOwner(request);
    owner = await browser.newContext();
    await signInOwner(owner);
    await disableHttpCache(owner);
    page = await owner.newPage();
  });

  test.afterAll(async () => {
    await (owner as BrowserContext | undefined)?.close();
  });

  /** Creates a responder key through /admin/api-keys; the token shown once. */
  async function createKey(keyName: string): Promise<string> {
    await confirmItIsYou(page);
    await page.goto('/admin/api-keys');
    await page.getByLabel('Name').fill(keyName);
    await page.getByLabel('Role').selectOption('responder');
    await page.getByRole('button', { name: 'Create key' }).click();
    return page.getByLabel('Your new API key').inputValue();
  }

  /** The id of the component named `name`, as the API lists it. */
  async function componentIdOf(request: APIRequestContext, token: string, name: string): Promise<string> {
    const components = await request.get('/api/admin/v1/components', { headers: auth(token) });
    return ((await components.json()) as { data: { id: string; name: string }[] }).data.find((item) => item.name === name)!.id;
  }

  /** What the deploy script posts: a critical-looking incident on the component, with an Idempotency-Key. */
  const declare = (client: APIRequestContext, token: string, title: string, componentId: string) =>
    client.post('/api/admin/v1/incidents', {
      headers: { ...auth(token), 'Idempotency-Key': `e2e-${title.replace(/\W+/g, '-')}` },
      data: {
        title,
        status: 'investigating',
        message: 'Some payments fail; we are investigating.',
        signals: ['payment_failures'],
        components: [{ componentId, status: 'major_outage' }],
      },
    });

  test('an admin creates a responder key and sees it once', async () => {
    const keyName = unique('deploy-bot');
    const token = await createKey(keyName);
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
    const componentName = unique('Checkout');
    const title = unique('Checkout errors');
    await addComponent(page, componentName);
    const token = await createKey(unique('deploy-bot'));

    const components = await request.get('/api/admin/v1/components', { headers: auth(token) });
    expect(components.status()).toBe(200);
    expect(components.headers()['ratelimit-limit']).toBeTruthy();
    const componentId = ((await components.json()) as { data: { id: string; name: string }[] }).data.find(
      (item) => item.name === componentName,
    )!.id;

    const first = await declare(request, token, title, componentId);
    expect(first.status()).toBe(201);
    const body = (await first.json()) as { id: string; severity: string; severitySuggestionReason: string };
    expect(body.severity).toBe('critical');
    expect(body.severitySuggestionReason).toContain('payment processing failures');
    const incidentId = body.id;

    const retry = await declare(request, token, title, componentId);
    expect(retry.status()).toBe(201);
    expect(retry.headers()['idempotent-replayed']).toBe('true');
    expect(((await retry.json()) as { id: string }).id).toBe(incidentId);

    const open = await request.get('/api/admin/v1/incidents', { headers: auth(token), params: { state: 'open' } });
    expect(((await open.json()) as { data: { title: string }[] }).data.filter((item) => item.title === title)).toHaveLength(1);

    // Leaves nothing open for the tests after it.
    expect(
      (
        await request.post(`/api/admin/v1/incidents/${incidentId}/resolve`, {
          headers: auth(token),
          data: { message: 'Payments work again.' },
        })
      ).status(),
    ).toBe(200);
  });

  test('the public page shows it; a wrong field is named; resolving through the API clears it', async ({ request, browser }) => {
    const keyName = unique('deploy-bot');
    const componentName = unique('Checkout');
    const title = unique('Checkout errors');
    await addComponent(page, componentName);
    const token = await createKey(keyName);
    const declared = await declare(request, token, title, await componentIdOf(request, token, componentName));
    expect(declared.status(), 'the incident to show').toBe(201);
    const incidentId = ((await declared.json()) as { id: string }).id;

    const reader = await browser.newContext();
    await disableHttpCache(reader);
    const readerPage = await reader.newPage();
    await readerPage.goto('/');
    await expect(readerPage.getByRole('link', { name: title })).toBeVisible();
    await expect(publicComponent(readerPage, componentName)).toContainText('Major outage');

    const wrong = await request.post(`/api/admin/v1/incidents/${incidentId}/updates`, {
      headers: auth(token),
      data: { status: 'fixed', message: 'x' },
    });
    expect(wrong.status()).toBe(422);
    expect(((await wrong.json()) as { errors: { field: string }[] }).errors.map((error) => error.field)).toContain('status');

    const resolved = await request.post(`/api/admin/v1/incidents/${incidentId}/resolve`, {
      headers: auth(token),
      data: { message: 'Payments work again.' },
    });
    expect(resolved.status()).toBe(200);
    await readerPage.goto('/');
    await expect(publicComponent(readerPage, componentName)).toContainText('Operational');
    await reader.close();

    // The audit log names the key.
    await page.goto('/admin/audit');
    await expect(page.locator('body')).toContainText(`API key "${keyName}"`);
  });

  test('a revoked key is refused', async ({ request }) => {
    const keyName = unique('deploy-bot');
    const token = await createKey(keyName);
    await page.goto('/admin/api-keys');
    await page
      .getByRole('row')
      .filter({ hasText: keyName })
      .getByRole('button', { name: /Revoke/ })
      .click();
    await expect(page.getByRole('status')).toContainText('revoked');
    const refused = await request.get('/api/admin/v1/components', { headers: auth(token) });
    expect(refused.status()).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toContain('revoked');
  });
});
