import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { baseUrl, disableHttpCache, ensureOwner, escapeRegExp, unique } from './support/herald';
import { seed } from './support/seed';

/**
 * The uptime bars on /: one SVG per component, showing the last 30 days on a phone and 90 on a
 * wide screen with a caption to match, and the days with incidents or maintenance listed in a
 * disclosure a keyboard reaches, all without JavaScript. With JavaScript, a tap or the mouse
 * shows the day under it.
 *
 * Each test makes its own component, made degraded today by an incident (resolved after the test),
 * so its bar has one eventful day, today, and no data before it.
 */
const PHONE = { width: 375, height: 800 };
const WIDE = { width: 1280, height: 800 };
const eventfulToday = /^\d{4}-\d{2}-\d{2}: 100\.00 %, degraded performance$/;

test.describe('uptime bars', () => {
  let visitor: BrowserContext | undefined;
  const open: string[] = [];

  test.beforeEach(async ({ request }) => {
    await ensureOwner(request);
  });

  test.afterEach(async ({ browser, request }) => {
    if (open.length > 0) {
      const api = await seed(browser, request);
      for (const id of open.splice(0)) await api.resolve(id);
    }
    await visitor?.close();
    visitor = undefined;
  });

  /** A component of this test's own, degraded today. */
  async function degradedComponent(browser: Browser, request: APIRequestContext): Promise<string> {
    const api = await seed(browser, request);
    const name = unique('Search');
    const componentId = await api.component(name);
    open.push(await api.incident({ title: unique('Slow search'), components: [{ componentId, status: 'degraded_performance' }] }));
    return name;
  }

  async function visit(browser: Browser, options: { viewport: { width: number; height: number }; javaScript: boolean }): Promise<Page> {
    visitor = await browser.newContext({
      baseURL: baseUrl(),
      viewport: options.viewport,
      javaScriptEnabled: options.javaScript,
      hasTouch: options.javaScript,
    });
    await disableHttpCache(visitor);
    const page = await visitor.newPage();
    expect((await page.goto('/'))?.status()).toBe(200);
    return page;
  }

  function barOf(page: Page, name: string): Locator {
    return page.locator(`li[data-component="${name}"]`).getByRole('img', { name: new RegExp(`^${escapeRegExp(name)}: `) });
  }

  /** How many days the bar's window shows, and whether the SVG ends where the window does (today on the right). */
  async function shownDays(bar: Locator): Promise<{ days: number; todayOnTheRight: boolean }> {
    return bar.evaluate((svg) => {
      const window = svg.parentElement!.getBoundingClientRect();
      const drawn = svg.getBoundingClientRect();
      const days = svg.getAttribute('data-days')!.length;
      return { days: Math.round((days * window.width) / drawn.width), todayOnTheRight: Math.abs(drawn.right - window.right) < 1 };
    });
  }

  test('a phone shows the last 30 days, and the eventful days open from the keyboard, without JavaScript', async ({ browser, request }) => {
    const name = await degradedComponent(browser, request);
    const page = await visit(browser, { viewport: PHONE, javaScript: false });
    const card = page.locator(`li[data-component="${name}"]`);

    const bar = barOf(page, name);
    await expect(bar).toHaveAccessibleName(
      new RegExp(`^${escapeRegExp(name)}: \\d+\\.\\d\\d % uptime over the last 90 days, 1 day with incidents or maintenance$`),
    );
    // One SVG of a few paths, not a node per day.
    expect(await bar.locator('path').count()).toBeLessThanOrEqual(6);
    expect(await shownDays(bar)).toEqual({ days: 30, todayOnTheRight: true });
    await expect(card.getByText('30 days ago', { exact: true })).toBeVisible();
    await expect(card.getByText('90 days ago', { exact: true })).toBeHidden();
    await expect(card.getByText('Today', { exact: true })).toBeVisible();

    // From the component's heading, the next stop of Tab is the list of eventful days.
    const summary = card.locator('summary');
    await expect(summary).toHaveText(/^Days with incidents or maintenance\s+for .+ in the last 90 days\s+\(1\)$/);
    const day = card.getByRole('listitem').filter({ hasText: eventfulToday });
    await expect(day).toBeHidden();
    await card.getByRole('heading', { name, exact: true }).click();
    await page.keyboard.press('Tab');
    await expect(summary).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(card.locator('details')).toHaveAttribute('open', '');
    await expect(day).toBeVisible();
  });

  test('a wide screen shows all 90 days, without JavaScript', async ({ browser, request }) => {
    const name = await degradedComponent(browser, request);
    const page = await visit(browser, { viewport: WIDE, javaScript: false });
    const card = page.locator(`li[data-component="${name}"]`);
    expect(await shownDays(barOf(page, name))).toEqual({ days: 90, todayOnTheRight: true });
    await expect(card.getByText('90 days ago', { exact: true })).toBeVisible();
    await expect(card.getByText('30 days ago', { exact: true })).toBeHidden();
    await expect(card.getByText('60 days ago', { exact: true })).toBeHidden();
  });

  test('with JavaScript, a tap or the mouse shows the day under it', async ({ browser, request }) => {
    const name = await degradedComponent(browser, request);
    const page = await visit(browser, { viewport: PHONE, javaScript: true });
    const bar = barOf(page, name);
    const tip = page.locator('.uptime-tip');
    await expect(tip).toBeHidden();

    // The SVG is three times as wide as what shows; its right end is today.
    const drawn = await bar.boundingBox();
    expect(drawn).not.toBeNull();
    await bar.tap({ position: { x: drawn!.width - 4, y: drawn!.height / 2 } });
    await expect(tip).toBeVisible();
    await expect(tip).toHaveText(eventfulToday);
    await page.getByRole('heading', { name: 'Components', level: 2 }).tap();
    await expect(tip).toBeHidden();

    await page.setViewportSize(WIDE);
    await bar.hover({ position: { x: 3, y: 10 } });
    await expect(tip).toHaveText(/^\d{4}-\d{2}-\d{2}: no data$/);
  });
});
