import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { baseUrl, signInOwner, unique } from './support/herald';
import { seed } from './support/seed';

/**
 * The declare form's severity classification: the signals staff tick (and the affected
 * components' statuses) suggest a severity, shown with its reason in words; choosing another
 * severity needs a reason, which the server enforces. With JavaScript the suggestion is live;
 * without, the "Suggest severity" button asks the server for it.
 *
 * (Named severity-classifier, not classifier: files run alphabetically and journey.spec.ts must be
 * the first to touch accounts.)
 */

const declarePath = '/admin/incidents/new';
const isDeclarePost = (response: { request(): { method(): string }; url(): string }) =>
  response.request().method() === 'POST' && new URL(response.url()).pathname === declarePath;

/** The titles of every incident on the admin list. */
async function incidentListText(page: Page): Promise<string> {
  const response = await page.request.get('/admin/incidents?state=all');
  expect(response.status()).toBe(200);
  return response.text();
}

test.describe('severity classification, with JavaScript', () => {
  const message = 'Card payments fail at checkout; we are looking into it.';

  test('ticking a signal suggests Critical; Medium without a reason is refused; with one it is declared', async ({
    page,
    context,
    browser,
    request,
  }) => {
    const title = unique('Checkout payments failing');
    await signInOwner(context);
    const problems: string[] = [];
    page.on('console', (entry) => {
      // The refused declaration is answered 422 on purpose; anything else (a CSP violation, a failed script) is not.
      if (entry.type() === 'error' && !/status of 422/.test(entry.text())) problems.push(entry.text());
      else if (/Content Security Policy/i.test(entry.text())) problems.push(entry.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(declarePath);
    // Every script is a file of the page's own origin: the CSP (script-src 'self') blocks inline code.
    expect(await page.locator('script:not([src])').count(), 'inline scripts on the declare form').toBe(0);
    // The enhancement ran: the suggestion is live, so the server round trip is not offered.
    await expect(page.getByRole('button', { name: 'Suggest severity' })).toBeHidden();
    const suggestion = page.locator('#severity-suggestion');
    await expect(suggestion).toHaveText('Suggested: Low — no customer-visible impact');
    const reason = page.getByLabel('Why a different severity?');
    await expect(reason).toBeHidden();

    await page.getByLabel('Title').fill(title);
    const signals = page.getByRole('group', { name: 'What monitoring shows' });
    await expect(signals.getByRole('group', { name: 'Points to Critical' }).getByLabel('Payment processing failures')).toBeVisible();
    await signals.getByLabel('Payment processing failures').check();
    await expect(suggestion).toHaveText('Suggested: Critical — payment processing failures');
    await expect(page.getByRole('radio', { name: 'Critical', exact: true })).toBeChecked();
    await expect(reason).toBeHidden();

    await page.getByRole('radio', { name: 'Medium', exact: true }).check();
    await expect(reason).toBeVisible();
    await page.getByLabel('First message').fill(message);
    const refused = page.waitForResponse(isDeclarePost);
    await page.getByRole('button', { name: 'Declare incident' }).click();
    expect((await refused).status()).toBe(422);

    // The form again: the message next to the reason field, everything typed kept.
    await expect(page).toHaveURL(new RegExp(`${declarePath}$`));
    await expect(page.getByRole('alert')).toContainText('Please correct the highlighted fields.');
    const why = 'Say why you chose Medium rather than the suggested Critical.';
    await expect(reason).toBeVisible();
    await expect(reason).toHaveAttribute('aria-invalid', 'true');
    await expect(reason).toHaveAccessibleDescription(new RegExp(why.replace(/\./g, '\\.')));
    await expect(page.getByText(why)).toBeVisible();
    await expect(page.getByLabel('Title')).toHaveValue(title);
    await expect(page.getByLabel('Payment processing failures')).toBeChecked();
    await expect(page.getByRole('radio', { name: 'Medium', exact: true })).toBeChecked();
    await expect(page.getByLabel('First message')).toHaveValue(message);
    await expect(suggestion).toHaveText('Suggested: Critical — payment processing failures');
    expect(await incidentListText(page), 'nothing was declared').not.toContain(title);

    await reason.fill('Only one card provider fails; the others take payments.');
    await page.getByRole('button', { name: 'Declare incident' }).click();
    await expect(page).toHaveURL(/\/admin\/incidents\/[a-z0-9]+$/);
    await expect(page.getByRole('status')).toContainText('Incident declared.');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
    await expect(
      page
        .getByRole('main')
        .getByRole('definition')
        .filter({ hasText: /^Medium$/ }),
    ).toBeVisible();
    const incidentId = new URL(page.url()).pathname.split('/').at(-1)!;

    expect(problems, 'errors in the browser console (a CSP violation is one)').toEqual([]);
    // Leaves nothing open for the tests after it.
    await (await seed(browser, request)).resolve(incidentId);
  });

  test('the incident is resolved', async ({ page, context, browser, request }) => {
    const incidentId = await (
      await seed(browser, request)
    ).incident({ title: unique('Checkout payments failing'), severity: 'medium', message });
    await signInOwner(context);
    await page.goto(`/admin/incidents/${incidentId}`);
    await page.getByRole('region', { name: 'Resolve' }).getByRole('button', { name: 'Resolve incident' }).click();
    await expect(page.getByRole('status')).toContainText('Incident resolved.');
  });
});

test.describe.serial('severity classification, without JavaScript', () => {
  let context: BrowserContext;
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext({ baseURL: baseUrl(), javaScriptEnabled: false });
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await (context as BrowserContext | undefined)?.close();
  });

  test('"Suggest severity" answers with the suggestion, pre-selected, and writes nothing', async () => {
    await signInOwner(context);
    const title = unique('Payments failing, no script');
    await page.goto(declarePath);
    const reason = page.getByLabel('Why a different severity?');
    await expect(reason).toBeVisible();
    await expect(reason).toHaveAccessibleDescription('Needed only if you choose another severity than the suggested one.');
    const suggestion = page.locator('#severity-suggestion');
    await expect(suggestion).toHaveText('Suggested: Low — no customer-visible impact');
    for (const severity of ['Critical', 'High', 'Medium', 'Low']) {
      await expect(page.getByRole('radio', { name: severity, exact: true })).not.toBeChecked();
    }

    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Payment processing failures').check();
    await page.getByLabel('Error rate over 1 %').check();
    const answer = page.waitForResponse(isDeclarePost);
    await page.getByRole('button', { name: 'Suggest severity' }).click();
    expect((await answer).status()).toBe(200);

    await expect(page).toHaveURL(new RegExp(`${declarePath}$`));
    await expect(suggestion).toHaveText('Suggested: Critical — error rate over 1 %, payment processing failures');
    await expect(page.getByRole('radio', { name: 'Critical', exact: true })).toBeChecked();
    await expect(page.getByLabel('Payment processing failures')).toBeChecked();
    await expect(page.getByLabel('Error rate over 1 %')).toBeChecked();
    await expect(page.getByLabel('CPU over 80 %')).not.toBeChecked();
    await expect(page.getByLabel('Title')).toHaveValue(title);
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(await incidentListText(page), 'nothing was declared').not.toContain(title);
  });
});
