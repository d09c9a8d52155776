import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import {
  addComponent,
  baseUrl,
  declareIncident,
  disableHttpCache,
  escapeRegExp,
  mailsTo,
  signInOwner,
  unique,
  waitForMail,
} from './support/herald';

/**
 * Email subscriptions, as a visitor sees and receives them: subscribe from the public page,
 * confirm through the emailed link, change the components, get an incident email, unsubscribe.
 * Mail goes to the outbox folder of this run's server (no SMTP_URL), which the tests read.
 *
 * The visitor and the owner each have a browser of their own. The incident affects only this
 * file's own component and is resolved before the file ends (afterAll too, should a step fail).
 */
test.describe.serial('email subscription', () => {
  const first = unique('Payments');
  const second = unique('Dashboard');
  const email = `${unique('visitor').replace(/\s+/g, '-').toLowerCase()}@herald.test`;
  const incident = {
    title: unique('Dashboard not loading'),
    message: 'The dashboard does not load for some customers; we are investigating.',
    update: 'The cause is found; a fix is on its way.',
  };

  let owner: BrowserContext;
  let ownerPage: Page;
  let visitor: BrowserContext;
  let visitorPage: Page;
  let pageName = '';
  let checkInboxText = '';
  let confirmUrl = '';
  let manageUrl = '';
  let incidentId = '';

  /** A component's checkbox in the subscription forms (labelled by the component's name). */
  const choice = (page: Page, name: string): Locator => page.getByRole('checkbox', { name, exact: true });

  /** One update's entry in the admin incident timeline, found by its status heading. */
  const timelineEntry = (page: Page, status: string): Locator =>
    page
      .getByRole('region', { name: 'Timeline' })
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { level: 3, name: status, exact: true }) });

  /** Reloads the admin incident page until `status`'s email line settles (no recipients being picked, none queued). */
  async function settledEmailLine(status: string): Promise<string> {
    let line = '';
    await expect(async () => {
      await ownerPage.goto(`/admin/incidents/${incidentId}`);
      line = (await timelineEntry(ownerPage, status).getByText(/^Email: /).textContent())?.trim() ?? '';
      expect(line).toMatch(/^Email: (no subscribers to notify|\d+ sent(, \d+ failed)?)$/);
    }, `the email of the "${status}" update is delivered`).toPass({ timeout: 20_000 });
    return line;
  }

  test.beforeAll(async ({ browser }) => {
    owner = await browser.newContext({ baseURL: baseUrl() });
    await signInOwner(owner);
    ownerPage = await owner.newPage();
    visitor = await browser.newContext({ baseURL: baseUrl() });
    await disableHttpCache(visitor);
    visitorPage = await visitor.newPage();
  });

  test.afterAll(async () => {
    // Leave no incident open, whatever happened above: later files expect an operational page.
    if (incidentId && ownerPage) {
      await ownerPage.goto(`/admin/incidents/${incidentId}`);
      const resolve = ownerPage.getByRole('region', { name: 'Resolve' });
      if (await resolve.isVisible()) {
        await resolve.getByLabel('Notify subscribers').uncheck();
        await resolve.getByRole('button', { name: 'Resolve incident' }).click();
        await expect(ownerPage.getByRole('status')).toContainText('Incident resolved.');
      }
    }
    await owner?.close();
    await visitor?.close();
  });

  test('a visitor subscribes from the status page to one component and is told to check their inbox', async () => {
    await addComponent(ownerPage, first);
    await addComponent(ownerPage, second);

    await visitorPage.goto('/');
    pageName = (await visitorPage.getByRole('banner').getByRole('link').first().textContent())?.trim() ?? '';
    expect(pageName, 'the page name in the public header').not.toBe('');
    await visitorPage.getByRole('navigation', { name: 'Status page' }).getByRole('link', { name: 'Subscribe to updates' }).click();
    await expect(visitorPage).toHaveURL(/\/subscribe$/);
    await expect(visitorPage.getByRole('heading', { name: 'Subscribe to updates', level: 1 })).toBeVisible();

    await visitorPage.getByLabel('Email').fill(email);
    await choice(visitorPage, first).check();
    const answer = visitorPage.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/subscribe');
    await visitorPage.getByRole('button', { name: 'Subscribe' }).click();
    expect((await answer).status()).toBe(200);

    await expect(visitorPage.getByRole('heading', { name: 'Check your inbox', level: 1 })).toBeVisible();
    const status = visitorPage.getByRole('status');
    await expect(status).toContainText('We have sent an email to the address you gave.');
    checkInboxText = (await visitorPage.getByRole('main').innerText()).trim();
  });

  test('the confirmation email arrives; its link asks first, and the button confirms', async () => {
    const confirmation = await waitForMail(email, (mail) => mail.subject.includes('Confirm your subscription'), 'the confirmation email');
    expect(confirmation.subject).toBe(`[${pageName}] Confirm your subscription`);
    expect(confirmation.text).toContain(first);
    const link = confirmation.text.match(/\S+\/subscribe\/confirm\/\S+/)?.[0];
    expect(link, 'a /subscribe/confirm/<token> link in the text part').toBeDefined();
    confirmUrl = link!;
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
    manageUrl = visitorPage.url();
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

  test('on the manage page the visitor swaps components; the choice is kept', async () => {
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

  test('subscribing an address that is already subscribed gives the same answer; the email holds its manage link', async () => {
    const before = (await mailsTo(email)).length;
    await visitorPage.goto('/subscribe');
    await visitorPage.getByLabel('Email').fill(email);
    await choice(visitorPage, first).check();
    const answer = visitorPage.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/subscribe');
    await visitorPage.getByRole('button', { name: 'Subscribe' }).click();
    expect((await answer).status()).toBe(200);
    await expect(visitorPage.getByRole('heading', { name: 'Check your inbox', level: 1 })).toBeVisible();
    expect((await visitorPage.getByRole('main').innerText()).trim(), 'the same page as for a new address').toBe(checkInboxText);

    // Only the email differs: it says the address is subscribed and links to a manage page.
    const reply = await waitForMail(email, (mail) => mail.subject === `[${pageName}] Your subscription`, 'the "already subscribed" email');
    expect((await mailsTo(email)).length).toBe(before + 1);
    expect(reply.text).toContain('It is already subscribed.');
    expect(reply.text).toMatch(new RegExp(`${escapeRegExp(baseUrl())}/subscription/\\S+`));

    // The request changed nothing: the choice is still the one saved on the manage page.
    await visitorPage.goto(manageUrl);
    await expect(choice(visitorPage, second)).toBeChecked();
    await expect(choice(visitorPage, first)).not.toBeChecked();
  });

  test('an invalid email is refused with 422 and a message next to the field', async () => {
    await visitorPage.goto('/subscribe');
    await visitorPage.getByLabel('Email').fill('not-an-email');
    await choice(visitorPage, first).check();
    const answer = visitorPage.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/subscribe');
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

  test('an incident on the subscribed component emails the visitor, with a List-Unsubscribe header', async () => {
    incidentId = await declareIncident(ownerPage, {
      title: incident.title,
      severity: 'Medium',
      message: incident.message,
      components: { [second]: 'Partial outage' },
      notify: true,
    });

    const mail = await waitForMail(email, (item) => item.subject.includes(incident.title), 'the incident email');
    expect(mail.subject).toBe(`[${pageName}] ${incident.title}: Investigating`);
    expect(mail.text).toContain(incident.message);
    expect(mail.text).toContain(`${second}: Partial outage`);
    expect(mail.text).toContain(`${baseUrl()}/incidents/${incidentId}`);
    const headers = Object.fromEntries(Object.entries(mail.headers).map(([name, value]) => [name.toLowerCase(), value]));
    expect(headers['list-unsubscribe']).toMatch(new RegExp(`^<${escapeRegExp(baseUrl())}/unsubscribe/\\S+>$`));
    expect(headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');

    // The admin's outbox shows the same message and header.
    await ownerPage.goto('/admin/outbox');
    const row = ownerPage.getByRole('row').filter({ hasText: email }).filter({ hasText: incident.title });
    await row.getByRole('link', { name: mail.subject }).click();
    await expect(ownerPage.getByRole('heading', { name: mail.subject, level: 1 })).toBeVisible();
    const shown = ownerPage.getByRole('region', { name: 'Headers' });
    await expect(shown.getByRole('definition').filter({ hasText: headers['list-unsubscribe']! })).toBeVisible();
    await expect(ownerPage.getByRole('region', { name: 'Plain-text version' })).toContainText(incident.message);

    // The admin incident page counts the delivery once it is sent.
    const line = await settledEmailLine('Investigating');
    expect(line).toMatch(/^Email: [1-9]\d* sent$/);
  });

  test('the visitor unsubscribes; the manage link is then gone and a later update emails nobody at that address', async () => {
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
    await settledEmailLine('Identified');
    const after = await mailsTo(email);
    expect(after.length).toBe(before);
    expect(after.filter((mail) => mail.text.includes(incident.update))).toEqual([]);
  });

  test('the owner resolves the incident', async () => {
    await ownerPage.goto(`/admin/incidents/${incidentId}`);
    await ownerPage.getByRole('region', { name: 'Resolve' }).getByRole('button', { name: 'Resolve incident' }).click();
    await expect(ownerPage.getByRole('status')).toContainText('Incident resolved.');
    await expect(ownerPage.getByRole('region', { name: 'Resolve' })).toHaveCount(0);

    await visitorPage.goto('/');
    await expect(visitorPage.getByRole('link', { name: incident.title })).toHaveCount(0);
  });
});
