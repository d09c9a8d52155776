import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { addComponent, baseUrl, disableHttpCache, mailsTo, signInOwner, unique, waitForMail } from './support/herald';

/**
 * The communication plan checklist on the admin incident page, followed through one outage:
 * with the customer-email delay cut to a few seconds, a Critical incident (as the classifier
 * suggests it) is declared on a component a confirmed visitor subscribes to; the checklist shows
 * how the severity was identified and when the customer email is due, then that it went out, and
 * the email lands in the outbox. Once resolved, the post-mortem is due 24 h later; it is written,
 * published and shown on the public incident page.
 *
 * The delay is put back to its default (300 s) at the end, and in afterAll should a step fail;
 * the incident is resolved before the file ends, so later files see an operational page.
 */

/** What the settings page holds before (and after) this file: the plan's default delay. */
const DEFAULT_DELAY_SECONDS = 300;
/** Short enough to wait for, long enough to see the step pending on the page loaded after declaring. */
const DELAY_SECONDS = 4;

test.describe.serial('communication plan checklist', () => {
  const component = unique('Checkout');
  const email = `${unique('plan-visitor').replace(/\s+/g, '-').toLowerCase()}@herald.test`;
  const incident = {
    title: unique('Card payments failing'),
    message: 'Card payments fail at checkout for most customers; we are investigating.',
  };
  const postmortem = {
    heading: 'What happened',
    cause: 'A certificate on the card gateway expired',
    body: [
      '## What happened',
      '',
      'A certificate on the card gateway expired, so **every card payment** was refused for a few minutes.',
      '',
      '## What we changed',
      '',
      '- Certificates are now renewed automatically',
      '- An alert fires 14 days before one expires',
    ].join('\n'),
  };

  let owner: BrowserContext;
  let ownerPage: Page;
  let visitor: BrowserContext;
  let visitorPage: Page;
  let incidentId = '';
  let delayChanged = false;

  /** Sets the customer-email delay on /admin/settings/communication and saves the plan. */
  async function setCustomerEmailDelay(page: Page, seconds: number): Promise<void> {
    await page.goto('/admin/settings/communication');
    await expect(page.getByRole('heading', { name: 'Communication plan', level: 1 })).toBeVisible();
    const rules = page.getByRole('region', { name: 'Rules' });
    await rules.getByLabel('Customer email delay').fill(String(seconds));
    await rules.getByRole('button', { name: 'Save communication plan' }).click();
    await expect(page).toHaveURL(/\/admin\/settings\/communication$/);
    await expect(page.getByRole('status')).toContainText('Communication plan saved.');
    await expect(page.getByLabel('Customer email delay')).toHaveValue(String(seconds));
  }

  /** The checklist on the admin incident page. */
  const checklist = (page: Page): Locator => page.getByRole('region', { name: 'Communication plan' });

  /** One step of the checklist, found by (the start of) its heading. */
  const step = (page: Page, heading: RegExp): Locator =>
    checklist(page)
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { level: 3, name: heading }) });

  /** The time a <time datetime> element stands for. */
  async function timeOf(time: Locator): Promise<number> {
    const value = await time.getAttribute('datetime');
    expect(value, 'a <time> with a datetime attribute').toBeTruthy();
    return new Date(value!).getTime();
  }

  /** The value of one of the admin incident page's header facts ("Started", "Resolved"). */
  const headerTime = (page: Page, term: string): Locator =>
    page
      .getByRole('main')
      .locator('dl > div')
      .filter({ has: page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) }) })
      .locator('time');

  test.beforeAll(async ({ browser }) => {
    owner = await browser.newContext({ baseURL: baseUrl() });
    await signInOwner(owner);
    ownerPage = await owner.newPage();
    visitor = await browser.newContext({ baseURL: baseUrl() });
    await disableHttpCache(visitor);
    visitorPage = await visitor.newPage();
  });

  test.afterAll(async () => {
    // Whatever failed above: no incident left open, and the default delay back in place.
    if (ownerPage) {
      if (incidentId) {
        await ownerPage.goto(`/admin/incidents/${incidentId}`);
        const resolve = ownerPage.getByRole('region', { name: 'Resolve' });
        if (await resolve.isVisible()) {
          await resolve.getByLabel('Notify subscribers').uncheck();
          await resolve.getByRole('button', { name: 'Resolve incident' }).click();
          await expect(ownerPage.getByRole('status')).toContainText('Incident resolved.');
        }
      }
      if (delayChanged) {
        await setCustomerEmailDelay(ownerPage, DEFAULT_DELAY_SECONDS);
        delayChanged = false;
      }
    }
    await owner?.close();
    await visitor?.close();
  });

  test(`the owner sets the customer-email delay to ${DELAY_SECONDS} seconds`, async () => {
    await ownerPage.goto('/admin/settings/communication');
    const field = ownerPage.getByLabel('Customer email delay');
    await expect(field).toHaveValue(String(DEFAULT_DELAY_SECONDS));
    await expect(field).toHaveAccessibleDescription(/Default: 300\./);
    delayChanged = true;
    await setCustomerEmailDelay(ownerPage, DELAY_SECONDS);
  });

  test('a visitor subscribes to a fresh component and confirms through the emailed link', async () => {
    await addComponent(ownerPage, component);

    await visitorPage.goto('/subscribe');
    await visitorPage.getByLabel('Email').fill(email);
    await visitorPage.getByRole('checkbox', { name: component, exact: true }).check();
    await visitorPage.getByRole('button', { name: 'Subscribe' }).click();
    await expect(visitorPage.getByRole('heading', { name: 'Check your inbox', level: 1 })).toBeVisible();

    const confirmation = await waitForMail(email, (mail) => mail.subject.includes('Confirm your subscription'), 'the confirmation email');
    const link = confirmation.text.match(/\S+\/subscribe\/confirm\/\S+/)?.[0];
    expect(link, 'a /subscribe/confirm/<token> link in the text part').toBeDefined();
    await visitorPage.goto(link!);
    await visitorPage.getByRole('button', { name: 'Confirm subscription' }).click();
    await expect(visitorPage.getByRole('heading', { name: 'Your subscription', level: 1 })).toBeVisible();
    await expect(visitorPage.getByRole('status')).toContainText('Your subscription is confirmed');
    await expect(visitorPage.getByRole('checkbox', { name: component, exact: true })).toBeChecked();
  });

  test('a Critical incident is declared as the classifier suggests; the checklist shows the severity and when customers are emailed', async () => {
    await ownerPage.goto('/admin/incidents/new');
    await ownerPage.getByLabel('Title').fill(incident.title);
    await ownerPage.getByRole('group', { name: 'What monitoring shows' }).getByLabel('Payment processing failures').check();
    await ownerPage.getByRole('group', { name: 'Affected components' }).getByLabel(component, { exact: true }).selectOption({ label: 'Major outage' });
    const suggestion = ownerPage.locator('#severity-suggestion');
    await expect(suggestion).toHaveText('Suggested: Critical — payment processing failures, a component in major outage');
    // The suggestion is kept: Critical is selected, and no reason is asked for.
    await expect(ownerPage.getByRole('radio', { name: 'Critical', exact: true })).toBeChecked();
    await expect(ownerPage.getByLabel('Why a different severity?')).toBeHidden();
    await ownerPage.getByLabel('First message').fill(incident.message);
    await expect(ownerPage.getByLabel('Notify subscribers')).toBeChecked();
    await ownerPage.getByRole('button', { name: 'Declare incident' }).click();

    await expect(ownerPage).toHaveURL(/\/admin\/incidents\/[a-z0-9]+$/);
    await expect(ownerPage.getByRole('status')).toContainText('Incident declared.');
    await expect(ownerPage.getByRole('heading', { level: 1 })).toHaveText(incident.title);
    incidentId = new URL(ownerPage.url()).pathname.split('/').at(-1)!;

    // 1. Severity: Critical, as suggested, with the suggestion's reason and the signal ticked.
    const severity = step(ownerPage, /^1\. Identify severity$/);
    await expect(severity).toContainText('Done');
    await expect(severity).toContainText(/Critical, declared by .+ at /);
    await expect(severity).toContainText(/Suggested: Critical \(.*payment processing failures, a component in major outage\)\. The suggestion was followed\./);
    await expect(severity).toContainText('Signals ticked: Payment processing failures.');
    await expect(severity).not.toContainText('Reason given');

    // 4. Customer email: not sent yet, due the delay after the start.
    const customerEmail = step(ownerPage, /^4\. Email customers if an outage lasts over /);
    await expect(customerEmail.getByRole('heading', { level: 3 })).toHaveText(`4. Email customers if an outage lasts over ${DELAY_SECONDS} s`);
    await expect(customerEmail).toContainText('Pending');
    await expect(customerEmail).toContainText(/Due at .+ \(in \d+ s\) if the incident is still unresolved\./);
    const dueAt = await timeOf(customerEmail.locator('time'));
    const startedAt = await timeOf(headerTime(ownerPage, 'Started'));
    expect(dueAt - startedAt, 'the customer email is due the delay after the start').toBe(DELAY_SECONDS * 1000);
    await expect(customerEmail.getByRole('button', { name: 'Send customer email now' })).toBeVisible();

    // The first update of an outage is not emailed at once: customers hear when the rule says.
    expect((await mailsTo(email)).filter((mail) => mail.subject.includes(incident.title))).toEqual([]);

    // 6. Post-mortem: owed, due after the resolution.
    const postmortemStep = step(ownerPage, /^6\. Post-mortem within /);
    await expect(postmortemStep).toContainText('Owed: due 24 h after the incident is resolved.');
    await expect(postmortemStep.getByRole('link', { name: 'Write post-mortem' })).toHaveCount(0);
  });

  test('once the delay has passed, the checklist shows the customer email sent and it lands in the outbox', async () => {
    const customerEmail = step(ownerPage, /^4\. Email customers if an outage lasts over /);
    await expect(async () => {
      await ownerPage.goto(`/admin/incidents/${incidentId}`);
      await expect(customerEmail).toContainText(/Sent at .+ to [1-9]\d* subscribers?\./, { timeout: 1_000 });
    }, 'the checklist shows the customer email as sent').toPass({ timeout: 25_000 });
    await expect(customerEmail).toContainText('Done');
    await expect(customerEmail.getByRole('button', { name: 'Send customer email now' })).toHaveCount(0);
    const sentAt = await timeOf(customerEmail.locator('time'));
    const startedAt = await timeOf(headerTime(ownerPage, 'Started'));
    expect(sentAt - startedAt, 'sent no earlier than due').toBeGreaterThanOrEqual(DELAY_SECONDS * 1000);

    const mail = await waitForMail(email, (item) => item.subject.includes(incident.title), 'the customer email');
    expect(mail.subject).toMatch(new RegExp(`\\] ${incident.title}: Investigating$`));
    expect(mail.text).toContain(incident.message);
    expect(mail.text).toContain(`${component}: Major outage`);
    expect(mail.text).toContain(`${baseUrl()}/incidents/${incidentId}`);
  });

  test('after resolving, the post-mortem is due 24 h later, with a "Write post-mortem" link', async () => {
    await ownerPage.goto(`/admin/incidents/${incidentId}`);
    await ownerPage.getByRole('region', { name: 'Resolve' }).getByRole('button', { name: 'Resolve incident' }).click();
    await expect(ownerPage.getByRole('status')).toContainText('Incident resolved.');
    await expect(ownerPage.getByRole('region', { name: 'Resolve' })).toHaveCount(0);

    const postmortemStep = step(ownerPage, /^6\. Post-mortem within /);
    await expect(postmortemStep.getByRole('heading', { level: 3 })).toHaveText('6. Post-mortem within 24 h of resolution');
    await expect(postmortemStep).toContainText('Pending');
    await expect(postmortemStep).toContainText(/Due at .+ \(in (23 h 59 m|1 d 0 h)\)\./);
    const dueAt = await timeOf(postmortemStep.locator('time'));
    const resolvedAt = await timeOf(headerTime(ownerPage, 'Resolved'));
    expect(dueAt - resolvedAt, 'due 24 h after the resolution').toBe(24 * 3_600_000);

    // The customer email stays sent; no more updates are owed.
    await expect(step(ownerPage, /^4\. Email customers/)).toContainText(/Sent at .+ to [1-9]\d* subscribers?\./);
    await expect(step(ownerPage, /^5\. Post an update/)).toContainText('no more updates are owed');

    await postmortemStep.getByRole('link', { name: 'Write post-mortem' }).click();
    await expect(ownerPage).toHaveURL(new RegExp(`/admin/incidents/${incidentId}/postmortem$`));
    await expect(ownerPage.getByRole('heading', { level: 1 })).toHaveText(`Post-mortem: ${incident.title}`);
  });

  test('the owner writes and publishes the post-mortem; the public incident page shows it', async () => {
    await ownerPage.goto(`/admin/incidents/${incidentId}/postmortem`);
    await ownerPage.getByLabel('Post-mortem (Markdown)').fill(postmortem.body);
    await ownerPage.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(ownerPage).toHaveURL(new RegExp(`/admin/incidents/${incidentId}/postmortem$`));
    await expect(ownerPage.getByRole('status')).toContainText('Post-mortem published.');
    await expect(ownerPage.getByRole('link', { name: 'View it on the public page' })).toBeVisible();

    // The checklist's last step is done.
    await ownerPage.goto(`/admin/incidents/${incidentId}`);
    const postmortemStep = step(ownerPage, /^6\. Post-mortem within /);
    await expect(postmortemStep).toContainText('Done');
    await expect(postmortemStep).toContainText(/Published at /);
    await expect(postmortemStep.getByRole('link', { name: 'Edit post-mortem' })).toBeVisible();

    const response = await visitorPage.goto(`/incidents/${incidentId}`);
    expect(response?.status()).toBe(200);
    await expect(visitorPage.getByRole('heading', { level: 1 })).toHaveText(incident.title);
    await expect(visitorPage.getByRole('article').getByText('Incident · Post-mortem', { exact: true })).toBeVisible();
    const published = visitorPage.getByRole('region', { name: 'Post-mortem' });
    await expect(published.getByRole('heading', { name: 'Post-mortem', level: 2 })).toBeVisible();
    await expect(published.getByRole('heading', { name: postmortem.heading })).toBeVisible();
    await expect(published).toContainText(postmortem.cause);
    // The Markdown is rendered, not shown as typed.
    await expect(published.locator('strong')).toHaveText('every card payment');
    await expect(published.getByRole('listitem')).toHaveText(['Certificates are now renewed automatically', 'An alert fires 14 days before one expires']);
    await expect(published).not.toContainText('**');
    // The timeline announces it.
    await expect(visitorPage.getByRole('region', { name: 'Updates' })).toContainText('A post-mortem has been published.');
  });

  test('the owner puts the customer-email delay back to 300 seconds', async () => {
    await setCustomerEmailDelay(ownerPage, DEFAULT_DELAY_SECONDS);
    delayChanged = false;
  });
});
