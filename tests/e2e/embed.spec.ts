import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page, type Request } from '@playwright/test';
import { baseUrl } from './support/herald';

/**
 * The embeddable widget (/embed/status.js) as a visitor of another site meets it: a customer's
 * page on an origin of its own (a server the test starts on another port, never Herald) with the
 * one script tag of the README, under a strict Content Security Policy. The page is same-site
 * with Herald (same host, other port), so a browser would attach Herald's cookies to any
 * credentialed request: the widget must not make one. Reads only public data, so it needs no
 * owner and works on a fresh install or after other files ran.
 */

let customerServer: http.Server;
let customerOrigin = '';

test.beforeAll(async () => {
  customerServer = http.createServer((request, response) => {
    // Herald's address comes in the query (baseUrl() is only known inside a test).
    const herald = new URL(request.url ?? '/', 'http://customer').searchParams.get('herald') ?? '';
    response.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      // No style-src at all: the widget must style itself through the CSSOM only.
      'Content-Security-Policy': `default-src 'none'; script-src 'nonce-e2e' ${herald}; connect-src ${herald}; style-src 'none'; img-src 'none'`,
    });
    response.end(customerPage(herald));
  });
  await new Promise<void>((resolve) => customerServer.listen(0, '127.0.0.1', resolve));
  customerOrigin = `http://127.0.0.1:${(customerServer.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  const server = customerServer as http.Server | undefined; // unset if beforeAll failed
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** What a customer's page looks like: some text, the script tag, and a CSP that allows only Herald's script and API. */
function customerPage(herald: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <title>Acme customer site</title>
    <script nonce="e2e">
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (event) => window.violations.push(event.violatedDirective + ' ' + event.blockedURI));
    </script>
  </head>
  <body>
    <p id="before">Our service status:</p>
    <script async src="${herald}/embed/status.js"></script>
    <p id="after">Thanks for visiting.</p>
  </body>
</html>`;
}

async function openCustomerPage(page: Page): Promise<{ violations: () => Promise<string[]> }> {
  await page.goto(`${customerOrigin}/support.html?herald=${encodeURIComponent(baseUrl())}`);
  return { violations: () => page.evaluate(() => (window as unknown as { violations: string[] }).violations) };
}

/** The widget's link, inside its (open) shadow root; Playwright's CSS locators pierce it. */
const widgetLink = (page: Page) => page.locator('[data-herald-status] a');

test('the widget on another site shows the current status in words, links to the status page, and sends no cookie', async ({
  page,
  context,
  request,
}) => {
  const herald = baseUrl();
  // A cookie of Herald's origin, which a credentialed request from this same-site page would carry.
  await context.addCookies([{ name: 'herald_visitor', value: 'tracked', url: herald, sameSite: 'Lax' }]);
  const cookiesBefore = await context.cookies(herald);

  const apiRequests: Request[] = [];
  page.on('request', (item) => {
    if (item.url().startsWith(`${herald}/api/v2/status.json`)) apiRequests.push(item);
  });
  const apiResponse = page.waitForResponse((response) => response.url().startsWith(`${herald}/api/v2/status.json`));
  const { violations } = await openCustomerPage(page);
  const answered = await apiResponse;

  // What the public API says right now is what the widget shows (other files may have left an incident open).
  const status = (await (await request.get('/api/v2/status.json')).json()) as {
    page: { url: string; name: string };
    status: { description: string; indicator: string };
  };
  const link = widgetLink(page);
  await expect(link).toHaveText(status.status.description);
  await expect(link).toHaveAttribute('href', status.page.url);
  await expect(link).toHaveAttribute('data-indicator', status.status.indicator);
  await expect(link).toHaveAttribute('title', `${status.page.name} status: ${status.status.description}`);
  expect(await link.evaluate((element: HTMLAnchorElement) => element.href)).toBe(`${herald}/`);
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', 'noopener');

  // It sits right after its script tag, between the customer's own paragraphs, and is visible.
  const placement = await page.evaluate(() => {
    const host = document.querySelector('[data-herald-status]');
    return {
      previous: host?.previousElementSibling?.tagName,
      next: host?.nextElementSibling?.id,
      inShadow: !!host?.shadowRoot?.querySelector('a'),
    };
  });
  expect(placement).toEqual({ previous: 'SCRIPT', next: 'after', inShadow: true });
  await expect(link).toBeVisible();

  // No cookie went with the widget's request, none came back, and the jar is as it was; no referrer either.
  expect(apiRequests.length).toBeGreaterThan(0);
  for (const item of apiRequests) {
    const headers = await item.allHeaders();
    expect(headers['cookie']).toBeUndefined();
    expect(headers['referer']).toBeUndefined();
  }
  expect(await answered.headerValue('set-cookie')).toBeNull();
  expect(await context.cookies(herald)).toEqual(cookiesBefore);

  // Nothing it did needed more than the customer's strict CSP allows (no style attribute, no <style>).
  expect(await violations()).toEqual([]);
});

test('the widget writes what the status API says as text, never as markup', async ({ page }) => {
  const herald = baseUrl();
  const hostile = '<img src=x onerror="window.pwned=1">Partial outage & more';
  await page.route(`${herald}/api/v2/status.json`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      headers: { 'Access-Control-Allow-Origin': '*' },
      body: JSON.stringify({
        page: { id: 'x', name: 'Acme', url: 'javascript:alert(1)' },
        status: { indicator: 'major', description: hostile },
      }),
    }),
  );
  const { violations } = await openCustomerPage(page);

  const link = widgetLink(page);
  await expect(link).toHaveText(hostile);
  await expect(link).toHaveAttribute('data-indicator', 'major');
  // Not an http(s) address: the link keeps pointing at Herald.
  expect(await link.evaluate((element: HTMLAnchorElement) => element.href)).toBe(`${herald}/`);
  expect(await page.evaluate(() => document.querySelector('[data-herald-status]')?.shadowRoot?.querySelectorAll('img').length)).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(await violations()).toEqual([]);
});
