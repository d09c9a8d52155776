import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import {
  addComponent,
  disableHttpCache,
  ensureOwner,
  mailsTo,
  publicComponent,
  signInOwner,
  unique,
  waitForMail,
  type OutboxMail,
} from './support/herald';

/**
 * Scheduled maintenance as staff and readers live it: a window scheduled to start a few seconds
 * from now is announced on the public page, starts and ends by itself (the job queue moves it),
 * and a subscriber of its component gets the announcement, the start and the completion, all in
 * one email thread. Times are entered in UTC with seconds, so the test waits seconds, not minutes.
 * Each test adds its own component (and subscriber, and window) under names of its own.
 */
test.describe('scheduled maintenance', () => {
  const LEAD_MS = 12_000;
  const LENGTH_MS = 12_000;

  let owner: BrowserContext;
  let page: Page;

  const newSubscriber = () => `${unique('reader').replace(/\s+/g, '-').toLowerCase()}@herald.test`;

  /** A UTC wall-clock value with seconds, as the datetime-local inputs would hold it. */
  const utcInput = (time: Date) => time.toISOString().slice(0, 19);

  /** Sets a datetime-local input to a value with seconds (its default step allows only minutes). */
  async function setDateTime(input: Locator, value: string): Promise<void> {
    await input.evaluate((element, text) => {
      const field = element as HTMLInputElement;
      field.step = '1';
      field.value = text;
    }, value);
  }

  const upcoming = (reader: Page) => reader.getByRole('region', { name: 'Upcoming maintenance' });
  const inProgress = (reader: Page) => reader.getByRole('region', { name: 'Maintenance in progress' });

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

  /** Adds a confirmed subscriber of one component through /admin/subscribers. */
  async function addSubscriber(subscriber: string, componentName: string): Promise<void> {
    await page.goto('/admin/subscribers');
    const form = page.getByRole('region', { name: 'Add subscriber' });
    await form.getByLabel('Email').fill(subscriber);
    await form.getByRole('checkbox', { name: componentName, exact: true }).check();
    await form.getByRole('button', { name: 'Add subscriber' }).click();
    await expect(page.getByRole('status')).toContainText(subscriber);
  }

  /** Schedules, through /admin/maintenance/new, a window on the component starting LEAD_MS from now; its public path. */
  async function scheduleSoon(title: string, componentName: string): Promise<string> {
    await page.goto('/admin/maintenance/new');
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Description').fill('We rebuild the search index. Results may be incomplete for a few seconds.');
    await page.getByRole('checkbox', { name: componentName, exact: true }).check();
    await page.getByLabel('Time zone').selectOption('UTC');
    const start = new Date(Date.now() + LEAD_MS);
    await setDateTime(page.getByLabel('Start', { exact: true }), utcInput(start));
    await setDateTime(page.getByLabel('End', { exact: true }), utcInput(new Date(start.getTime() + LENGTH_MS)));
    await page.getByRole('button', { name: 'Schedule maintenance' }).click();

    await expect(page.getByRole('status')).toContainText('Maintenance scheduled.');
    await expect(page).toHaveURL(/\/admin\/maintenance\/[a-z0-9]+$/);
    return new URL(page.url()).pathname.replace('/admin', '');
  }

  test('staff add a component and a subscriber to it', async () => {
    const componentName = unique('Search');
    await addComponent(page, componentName);
    await addSubscriber(newSubscriber(), componentName);
  });

  test('a responder schedules a window that starts in a few seconds', async () => {
    const componentName = unique('Search');
    await addComponent(page, componentName);
    await scheduleSoon(unique('Search index rebuild'), componentName);
  });

  test('the public page announces it, then shows it in progress, then nothing', async ({ browser }) => {
    test.setTimeout(90_000);
    const componentName = unique('Search');
    const title = unique('Search index rebuild');
    await addComponent(page, componentName);
    const maintenanceUrl = await scheduleSoon(title, componentName);
    const reader = await browser.newContext({ javaScriptEnabled: false });
    await disableHttpCache(reader);
    const readerPage = await reader.newPage();
    try {
      await readerPage.goto('/');
      await expect(upcoming(readerPage).getByRole('link', { name: title })).toHaveAttribute('href', maintenanceUrl);
      await expect(publicComponent(readerPage, componentName)).toContainText('Operational');

      await expect
        .poll(
          async () => {
            await readerPage.goto('/');
            return inProgress(readerPage).getByRole('link', { name: title }).count();
          },
          { message: 'the window to show as in progress', timeout: LEAD_MS + 20_000 },
        )
        .toBe(1);
      await expect(upcoming(readerPage)).toHaveCount(0);
      await expect(publicComponent(readerPage, componentName)).toContainText('Under maintenance');

      await expect
        .poll(
          async () => {
            await readerPage.goto('/');
            return inProgress(readerPage).getByRole('link', { name: title }).count();
          },
          { message: 'the window to end', timeout: LENGTH_MS + 20_000 },
        )
        .toBe(0);
      await expect(publicComponent(readerPage, componentName)).toContainText('Operational');

      // Its own page tells the whole story, newest first.
      await readerPage.goto(maintenanceUrl);
      await expect(readerPage.getByRole('heading', { level: 1, name: title })).toBeVisible();
      const updates = readerPage.getByRole('region', { name: 'Updates' }).getByRole('heading', { level: 3 });
      await expect(updates).toHaveText(['Completed', 'In progress', 'Scheduled']);

      // And the history lists it beside incidents.
      await readerPage.goto('/history');
      await expect(readerPage.locator('li[data-history-kind="maintenance"]').filter({ hasText: title })).toBeVisible();
    } finally {
      await reader.close();
    }
  });

  test('the subscriber got the announcement, the start and the completion, in one thread', async () => {
    test.setTimeout(90_000);
    const componentName = unique('Search');
    const title = unique('Search index rebuild');
    const subscriber = newSubscriber();
    await addComponent(page, componentName);
    await addSubscriber(subscriber, componentName);
    await scheduleSoon(title, componentName);

    const about = (headline: string) => (mail: OutboxMail) => mail.subject.includes(title) && mail.subject.endsWith(`: ${headline}`);
    const scheduled = await waitForMail(subscriber, about('Scheduled'), 'the announcement');
    const started = await waitForMail(subscriber, about('In progress'), 'the start');
    const completed = await waitForMail(subscriber, about('Completed'), 'the completion');

    expect(scheduled.text).toContain('We rebuild the search index.');
    const root = scheduled.headers['Message-ID'];
    expect(root).toMatch(/^<maintenance\.[a-z0-9]+@/);
    for (const later of [started, completed]) {
      expect(later.headers['In-Reply-To']).toBe(root);
      expect(later.headers['References']).toBe(root);
    }
    // The start was under an hour away: no reminder, and nothing else.
    expect((await mailsTo(subscriber)).filter((mail) => mail.subject.includes(title))).toHaveLength(3);
  });
});
