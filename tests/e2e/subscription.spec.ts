import { test as base, expect, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test';
import { baseUrl, declareIncident, disableHttpCache, escapeRegExp, mailsTo, signInOwner, unique, waitForMail } from './support/herald';
import { seed } from './support/seed';

/**
 * Email subscriptions, as a visitor sees and receives them: subscribe from the public page,
 * confirm through the emailed link, change the components, get an incident email, unsubscribe.
 * Mail goes to the outbox folder of this run's server (no SMTP_URL), which the tests read.
 *
 * The visitor and the owner each have a browser of their own. Each test makes its own
 * components (through the management API, support/seed.ts), its own address (subscribed and
 * confirmed through the public pages when the test needs a subscription) and its own incident,
 * so any test runs alone or in any order. An incident affects only its test's component and is
 * resolved after the test, whatever happened in it: later tests expect an operational page.
 */
const test = base.extend<{ ownerPage: Page; visitorPage: Page }>({
  /** A browser of the owner's own, signed in. */
  ownerPage: async ({ browser }, use) => {
    const owner = await browser.newContext({ baseURL: baseUrl() });
    await signInOwner(owner);
    await use(await owner.newPage());
    await owner.close();
  },
  /** The visitor's browser, without an HTTP cache (the public pages are cached for a few seconds). */
  visitorPage: async ({ browser }, use) => {
    const visitor = await browser.newContext({ baseURL: baseUrl() });
    await disableHttpCache(visitor);
    await use(await visitor.newPage());
    await visitor.close();
  },
});

test.describe('email subscription', () => {
  const incident = {
    message: 'The dashboard does not load for some customers; we are investigating.',
    update: 'The cause is found; a fix is on its way.',
  };

  /** Incidents the running test declared, resolved (quietly) after it. */
  const opened: string[] = [];

  test.afterEach(async ({ browser, request }) => {
    if (opened.length === 0) return;
    const api = await seed(browser, request);
    for (const id of opened.splice(0)) await api.resolveIfOpen(id);
  });

  /** Two fresh components (made through the management API) and an address no test has used. */
  async function freshComponents(browser: Browser, request: APIRequestContext) {
    const api = await seed(browser, request);
    const first = unique('Payments');
    const second = unique('Dashboard');
    const ids = { first: await api.component(first), second: await api.component(second) };
    const email = `${unique('visitor').replace(/\s+/g, '-').toLowerCase()}@herald.test`;
    return { api, first, second, ids, email, title: unique('Dashboard not loading') };
  }

  /** A component's checkbox in the subscription forms (labelled by the component's name). */
  const choice = (page: Page, name: string): Locator => page.getByRole('checkbox', { name, exact: true });

  /** The page name, as the public header shows it (and email subjects start with it). */
  async function pageNameOf(page: Page): Promise<string> {
    await page.goto('/');
    return (await page.getByRole('banner').getByRole('link').first().textContent())?.trim() ?? '';
  }

  /** Subscribes `email` to `components` on /subscribe; the text of the "Check your inbox" page. */
  async function subscribe(page: Page, email: string, components: string[]): Promise<string> {
    await page.goto('/subscribe');
    await page.getByLabel('Email').fill(email);
    for (const name of components) await choice(page, name).check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('heading', { name: 'Check your inbox', level: 1 })).toBeVisible();
    return (await page.getByRole('main').innerText()).trim();
  }

  /**
   * Subscribes `email` to `components` and confirms through the emailed link, as a visitor does:
   * the manage page's address, and the "Check your inbox" text the new address was answered with.
   */
  async function confirmedSubscription(
    page: Page,
    email: string,
    components: string[],
  ): Promise<{ manageUrl: string; checkInboxText: string }> {
    const checkInboxText = await subscribe(page, email, components);
    const confirmation = await waitForMail(email, (mail) => mail.subject.includes('Confirm your subscription'), 'the confirmation email');
    const link = confirmation.text.match(/\S+\/subscribe\/confirm\/\S+/)?.[0];
    expect(link, 'a /subscribe/confirm/<token> link in the text part').toBeDefined();
    await page.goto(link!);
    await page.getByRole('button', { name: 'Confirm subscription' }).click();
    await expect(page).toHaveURL(/\/subscription\/[^/]+$/);
    await expect(page.getByRole('status')).toContainText('Your subscription is confirmed');
    return { manageUrl: page.url(), checkInboxText };
  }

  /** One update's entry in the admin incident timeline, found by its status heading. */
  const timelineEntry = (page: Page, status: string): Locator =>
    page
      .getByRole('region', { name: 'Timeline' })
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { level: 3, name: status, exact: true }) });

  /** Reloads the admin incident page until `status`'s email line settles (no recipients being picked, none queued). */
  async function settledEmailLine(ownerPage: Page, incidentId: string, status: string): Promise<string> {
    let line = '';
    await expect(async () => {
      await ownerPage.goto(`/admin/incidents/${incidentId}`);
      line =
        (
          await timelineEntry(ownerPage, status)
            .getByText(/^Email: /)
            .textContent()
        )?.trim() ?? '';
      expect(line).toMatch(/^Email: (no subscribers to notify|\d+ sent(, \d+ failed)?)$/);
    }, `the email of the "${status}" update is delivered`).toPass({ timeout: 20_000 });
    return line;
  }

  test('a visitor subscribes from the status page to one component and is told to check their inbox', async ({
    browser,
    request,
    visitorPage,
  }) => {
    const { first, email } = await freshComponents(browser, request);

    await visitorPage.goto('/');
    const pageName = (await visitorPage.getByRole('banner').getByRole('link').first().textContent())?.trim() ?? '';
    expect(pageName, 'the page name in the public header').not.toBe('');
    await visitorPage.getByRole('navigation', { name: 'Status page' }).getByRole('link', { name: 'Subscribe to updates' }).click();
    await expect(visitorPage).toHaveURL(/\/subscribe$/);
    await expect(visitorPage.getByRole('heading', { name: 'Subscribe to updates', level: 1 })).toBeVisible();

    await visitorPage.getByLabel('Email').fill(email);
    await choice(visitorPage, first).check();
    const answer = visitorPage.waitForResponse(
      (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/subscribe',
    );
    await visitorPage.getByRole('button', { name: 'Subscribe' }).click();
    expect((await answer).status()).toBe(200);

    await expect(visitorPage.getByRole('heading', { name: 'Check your inbox', level: 1 })).toBeVisible();
    const status = visitorPage.getByRole('status');
    await expect(status).toContainText('We have sent an email to the address you gave.');
  });

  test('the confirmation email arrives; its link asks first, and the button confirms', async ({ browser, request, visitorPage }) => {
    const { first, second, email } = await freshComponents(browser, request);
    const pageName = await pageNameOf(visitorPage);
    await subscribe(visitorPage, email, [first]);

    const confirmation = await waitForMail(email, (mail) => mail.subject.includes('Confirm your subscription'), 'the confirmation email');
    expect(confirmation.subject).toBe(`[${pageName}] Confirm your subscription`);
    expect(confirmation.text).toContain(first);
    const link = confirmation.text.match(/\S+\/subscribe\/confirm\/\S+/)?.[0];
    expect(link, 'a /subscribe/confirm/<token> link in the text part').toBeDefined();
    const confirmUrl = link!;
    expect(confirmUrl.startsWith(`${baseUrl()}/subscribe/confirm/`)).toBe(true);

    // Opening the link (as a mail scanner would, twice) confirms nothing: it only shows the button.
    for (let visit = 0; visit < 2; visit += 1) {
      const response = await visitorPage.goto(confirmUrl);
      expect(response?.status()).toBe(200);
      await expect(visitorPage.getByRole('heading', { name: 'Confirm your subscription', level: 1 })).toBeVisible();
      await expect(visitorPage.getByRole('button', { name: 'Confirm subscription' })).toBeVisible();
    }

    await visitorPage.getByRole('button', { name: 'Confirm subscription' }).click();
    await expect(visitorPage).toHaveURL(/\/subscription\/[^/]+$/);
    await expect(visitorPage.getByRole('heading', { name: 'Your subscription', level: 1 })).toBeVisible();
    await expect(visitorPage.getByRole('status')).toContainText('Your subscription is confirmed');
    await expect(visitorPage.getByText(`Updates go to ${email}.`)).toBeVisible();
    await expect(choice(visitorPage, first)).toBeChecked();
    await expect(choice(visitorPage, second)).not.toBeChecked();

    // The confirmation link works once.
    const again = await visitorPage.request.get(confirmUrl);
    expect(again.status()).toBe(410);
    expect(await again.text()).toContain('This link was already used');
  });

  test('on the manage page the visitor swaps components; the choice is kept', async ({ browser, request, visitorPage }) => {
    const { first, second, email } = await freshComponents(browser, request);
    const { manageUrl } = await confirmedSubscription(visitorPage, email, [first]);

    await visitorPage.goto(manageUrl);
    await choice(visitorPage, second).check();
    await choice(visitorPage, first).uncheck();
    await visitorPage.getByRole('button', { name: 'Save preferences' }).click();

    await expect(visitorPage).toHaveURL(manageUrl);
    await expect(visitorPage.getByRole('status')).toContainText('Your preferences are saved.');
    await expect(choice(visitorPage, second)).toBeChecked();
    await expect(choice(visitorPage, first)).not.toBeChecked();

    await visitorPage.reload();
    await expect(visitorPage.getByRole('heading', { name: 'Your subscription', level: 1 })).toBeVisible();
    // The notice was shown once; the choice stays.
    await expect(visitorPage.getByRole('status')).toHaveCount(0);
    await expect(choice(visitorPage, second)).toBeChecked();
    await expect(choice(visitorPage, first)).not.toBeChecked();
  });

  test('subscribing an address that is already subscribed gives the same answer; the email holds its manage link', async ({
    browser,
    request,
    visitorPage,
  }) => {
    const { first, second, email } = await freshComponents(browser, request);
    const pageName = await pageNameOf(visitorPage);
    // Confirmed, with the second component chosen (and not the first).
    const { manageUrl, checkInboxText } = await confirmedSubscription(visitorPage, email, [second]);

    const before = (await mailsTo(email)).length;
    await visitorPage.goto('/subscribe');
    await visitorPage.getByLabel('Email').fill(email);
    await choice(visitorPage, first).check();
    const answer = visitorPage.waitForResponse(
      (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/subscribe',
    );
    await visitorPage.getByRole('button', { name: 'Subscribe' }).click();
    expect((await answer).status()).toBe(200);
    await expect(visitorPage.getByRole('heading', { name: 'Check your inbox', level: 1 })).toBeVisible();
    expect((await visitorPage.getByRole('main').innerText()).trim(), 'the same page as for a new address').toBe(checkInboxText);

    // Only the email differs: it says the address is subscribed and links to a manage page.
    const reply = await waitForMail(email, (mail) => mail.subject === `[${pageName}] Your subscription`, 'the "already subscribed" email');
    expect((await mailsTo(email)).length).toBe(before + 1);
    expect(reply.text).toContain('It is already subscribed.');
    const newManageUrl = new RegExp(`${escapeRegExp(baseUrl())}/subscription/\\S+`).exec(reply.text)?.[0] ?? '';
    expect(newManageUrl).not.toBe('');

    // The new link replaces the old one, which no longer opens the subscription.
    const old = await visitorPage.goto(manageUrl);
    expect(old?.status()).toBe(404);
    await expect(visitorPage.getByRole('heading', { name: 'This link is no longer valid', level: 1 })).toBeVisible();

    // The request changed nothing else: the choice is still the one saved on the manage page.
    await visitorPage.goto(newManageUrl);
    await expect(choice(visitorPage, second)).toBeChecked();
    await expect(choice(visitorPage, first)).not.toBeChecked();
  });

  test('an invalid email is refused with 422 and a message next to the field', async ({ browser, request, visitorPage }) => {
    const { first } = await freshComponents(browser, request);
    await visitorPage.goto('/subscribe');
    await visitorPage.getByLabel('Email').fill('not-an-email');
    await choice(visitorPage, first).check();
    const answer = visitorPage.waitForResponse(
      (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/subscribe',
    );
    await visitorPage.getByRole('button', { name: 'Subscribe' }).click();
    expect((await answer).status()).toBe(422);

    await expect(visitorPage.getByRole('heading', { name: 'Subscribe to updates', level: 1 })).toBeVisible();
    await expect(visitorPage.getByRole('heading', { name: 'Check your inbox' })).toHaveCount(0);
    await expect(visitorPage.getByRole('alert')).toContainText('Please correct the highlighted fields.');
    const field = visitorPage.getByLabel('Email');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription('Enter a valid email address, such as name@example.com.');
    await expect(field).toHaveValue('not-an-email');
    await expect(choice(visitorPage, first)).toBeChecked();
  });

  test('an incident on the subscribed component emails the visitor, with a List-Unsubscribe header', async ({
    browser,
    request,
    ownerPage,
    visitorPage,
  }) => {
    const { second, email, title } = await freshComponents(browser, request);
    const pageName = await pageNameOf(visitorPage);
    await confirmedSubscription(visitorPage, email, [second]);

    const incidentId = await declareIncident(ownerPage, {
      title,
      severity: 'Medium',
      message: incident.message,
      components: { [second]: 'Partial outage' },
      notify: true,
    });
    opened.push(incidentId);

    const mail = await waitForMail(email, (item) => item.subject.includes(title), 'the incident email');
    expect(mail.subject).toBe(`[${pageName}] ${title}: Investigating`);
    expect(mail.text).toContain(incident.message);
    expect(mail.text).toContain(`${second}: Partial outage`);
    expect(mail.text).toContain(`${baseUrl()}/incidents/${incidentId}`);
    const headers = Object.fromEntries(Object.entries(mail.headers).map(([name, value]) => [name.toLowerCase(), value]));
    expect(headers['list-unsubscribe']).toMatch(new RegExp(`^<${escapeRegExp(baseUrl())}/unsubscribe/\\S+>$`));
    expect(headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');

    // The admin's outbox shows the same message and header.
    await ownerPage.goto('/admin/outbox');
    const row = ownerPage.getByRole('row').filter({ hasText: email }).filter({ hasText: title });
    await row.getByRole('link', { name: mail.subject }).click();
    await expect(ownerPage.getByRole('heading', { name: mail.subject, level: 1 })).toBeVisible();
    const shown = ownerPage.getByRole('region', { name: 'Headers' });
    await expect(shown.getByRole('definition').filter({ hasText: headers['list-unsubscribe']! })).toBeVisible();
    await expect(ownerPage.getByRole('region', { name: 'Plain-text version' })).toContainText(incident.message);

    // The admin incident page counts the delivery once it is sent.
    const line = await settledEmailLine(ownerPage, incidentId, 'Investigating');
    expect(line).toMatch(/^Email: [1-9]\d* sent$/);
  });

  test('the visitor unsubscribes; the manage link is then gone and a later update emails nobody at that address', async ({
    browser,
    request,
    ownerPage,
    visitorPage,
  }) => {
    const { api, second, ids, email, title } = await freshComponents(browser, request);
    const pageName = await pageNameOf(visitorPage);
    const { manageUrl } = await confirmedSubscription(visitorPage, email, [second]);
    // An open incident on the component, whose first update the visitor was emailed.
    const incidentId = await api.incident({
      title,
      severity: 'medium',
      message: incident.message,
      components: [{ componentId: ids.second, status: 'partial_outage' }],
      notifySubscribers: true,
    });
    opened.push(incidentId);
    await waitForMail(email, (item) => item.subject.includes(title), 'the incident email');

    await visitorPage.goto(manageUrl);
    const stop = visitorPage.getByRole('region', { name: 'Stop all email' });
    await stop.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect(visitorPage.getByRole('heading', { name: 'You are unsubscribed', level: 1 })).toBeVisible();
    await expect(visitorPage.getByRole('status')).toContainText(`${email} will get no more email from ${pageName}.`);

    const response = await visitorPage.goto(manageUrl);
    expect(response?.status()).toBe(404);
    await expect(visitorPage.getByRole('heading', { name: 'This link is no longer valid', level: 1 })).toBeVisible();
    await expect(visitorPage.getByRole('button', { name: 'Save preferences' })).toHaveCount(0);

    // The owner posts an update on the same incident, notifying subscribers.
    const before = (await mailsTo(email)).length;
    await ownerPage.goto(`/admin/incidents/${incidentId}`);
    const form = ownerPage.getByRole('region', { name: 'Post an update' });
    await form.getByLabel('Status', { exact: true }).selectOption({ label: 'Identified' });
    await form.getByLabel('Message').fill(incident.update);
    await form.getByLabel('Notify subscribers').check();
    await form.getByRole('button', { name: 'Post update' }).click();
    await expect(ownerPage.getByRole('status')).toContainText('Update posted.');

    // Once that update's email has settled, nothing new went to the address.
    await settledEmailLine(ownerPage, incidentId, 'Identified');
    const after = await mailsTo(email);
    expect(after.length).toBe(before);
    expect(after.filter((mail) => mail.text.includes(incident.update))).toEqual([]);
  });

  test('the owner resolves the incident', async ({ browser, request, ownerPage, visitorPage }) => {
    const { api, ids, title } = await freshComponents(browser, request);
    const incidentId = await api.incident({
      title,
      severity: 'medium',
      message: incident.message,
      components: [{ componentId: ids.second, status: 'partial_outage' }],
    });
    opened.push(incidentId);

    await ownerPage.goto(`/admin/incidents/${incidentId}`);
    await ownerPage.getByRole('region', { name: 'Resolve' }).getByRole('button', { name: 'Resolve incident' }).click();
    await expect(ownerPage.getByRole('status')).toContainText('Incident resolved.');
    await expect(ownerPage.getByRole('region', { name: 'Resolve' })).toHaveCount(0);

    await visitorPage.goto('/');
    await expect(visitorPage.getByRole('link', { name: title })).toHaveCount(0);
  });
});
