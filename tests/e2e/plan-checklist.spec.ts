import { test as base, expect, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test';
import { addComponent, baseUrl, disableHttpCache, mailsTo, signInOwner, unique, waitForMail } from './support/herald';
import { seed } from './support/seed';

/**
 * The communication plan checklist on the admin incident page, through one outage's stages:
 * with the customer-email delay cut to a few seconds, a Critical incident (as the classifier
 * suggests it) is declared on a component a confirmed visitor subscribes to; the checklist shows
 * how the severity was identified and when the customer email is due, then that it went out, and
 * the email lands in the outbox. Once resolved, the post-mortem is due 24 h later; it is written,
 * published and shown on the public incident page.
 *
 * Each test makes its own component, subscriber and incident (through the management API,
 * support/seed.ts, unless the step is what the test is about), so any test runs alone or in any
 * order. The delay is the one setting shared by the whole page: a test that needs it short sets
 * it itself, and after every test it is put back to its default (300 s) and the test's incidents
 * are resolved, so the next test (and later files) see the default and an operational page.
 */

/** What the settings page holds before (and after) each test: the plan's default delay. */
const DEFAULT_DELAY_SECONDS = 300;
/** Short enough to wait for, long enough to see the step pending on the page loaded after declaring. */
const DELAY_SECONDS = 4;

const test = base.extend<{ ownerPage: Page; visitorPage: Page }>({
  /** A browser of the owner's own, signed in. */
  ownerPage: async ({ browser }, use) => {
    const owner = await browser.newContext({ baseURL: baseUrl() });
    await signInOwner(owner);
    await use(await owner.newPage());
    await owner.close();
  },
  /** A visitor's browser, without an HTTP cache (the public pages are cached for a few seconds). */
  visitorPage: async ({ browser }, use) => {
    const visitor = await browser.newContext({ baseURL: baseUrl() });
    await disableHttpCache(visitor);
    await use(await visitor.newPage());
    await visitor.close();
  },
});

test.describe('communication plan checklist', () => {
  const message = 'Card payments fail at checkout for most customers; we are investigating.';
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

  /** Incidents the running test made, resolved after it (should it fail before resolving them). */
  const opened: string[] = [];

  test.afterEach(async ({ browser, request }) => {
    const api = await seed(browser, request);
    for (const id of opened.splice(0)) await api.resolveIfOpen(id);
    if ((await api.communicationPolicy()).customerEmailDelaySeconds !== DEFAULT_DELAY_SECONDS) {
      await api.setCommunicationPolicy({ customerEmailDelaySeconds: DEFAULT_DELAY_SECONDS });
    }
  });

  /** A component, a card-payments incident title, and a visitor's address, none used before. */
  function newNames() {
    return {
      component: unique('Checkout'),
      email: `${unique('plan-visitor').replace(/\s+/g, '-').toLowerCase()}@herald.test`,
      title: unique('Card payments failing'),
    };
  }

  /**
   * The state the customer-email steps start from: the delay cut to DELAY_SECONDS, a fresh
   * component with a confirmed subscriber (added by the admin: no confirmation email).
   */
  async function subscribedComponent(browser: Browser, request: APIRequestContext) {
    const names = newNames();
    const api = await seed(browser, request);
    await api.setCommunicationPolicy({ customerEmailDelaySeconds: DELAY_SECONDS });
    const componentId = await api.component(names.component);
    await api.subscriber(names.email, [componentId]);
    return { ...names, api, componentId };
  }

  /** …and a Critical incident declared on it (major outage, subscribers notified): its id. */
  async function criticalOutage(browser: Browser, request: APIRequestContext) {
    const state = await subscribedComponent(browser, request);
    const incidentId = await state.api.incident({
      title: state.title,
      message,
      severity: 'critical',
      signals: ['payment_failures'],
      components: [{ componentId: state.componentId, status: 'major_outage' }],
      notifySubscribers: true,
    });
    opened.push(incidentId);
    return { ...state, incidentId };
  }

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

  /** Reloads the admin incident page until its checklist shows the customer email as sent; the step. */
  async function customerEmailSent(page: Page, incidentId: string): Promise<Locator> {
    const customerEmail = step(page, /^4\. Email customers if an outage lasts over /);
    await expect(async () => {
      await page.goto(`/admin/incidents/${incidentId}`);
      await expect(customerEmail).toContainText(/Sent at .+ to [1-9]\d* subscribers?\./, { timeout: 1_000 });
    }, 'the checklist shows the customer email as sent').toPass({ timeout: 25_000 });
    return customerEmail;
  }

  test(`the owner sets the customer-email delay to ${DELAY_SECONDS} seconds`, async ({ ownerPage }) => {
    await ownerPage.goto('/admin/settings/communication');
    const field = ownerPage.getByLabel('Customer email delay');
    await expect(field).toHaveValue(String(DEFAULT_DELAY_SECONDS));
    await expect(field).toHaveAccessibleDescription(/Default: 300\./);
    await setCustomerEmailDelay(ownerPage, DELAY_SECONDS);
  });

  test('a visitor subscribes to a fresh component and confirms through the emailed link', async ({ ownerPage, visitorPage }) => {
    const { component, email } = newNames();
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

  test('a Critical incident is declared as the classifier suggests; the checklist shows the severity and when customers are emailed', async ({
    browser,
    request,
    ownerPage,
  }) => {
    const { component, email, title } = await subscribedComponent(browser, request);
    await ownerPage.goto('/admin/incidents/new');
    await ownerPage.getByLabel('Title').fill(title);
    await ownerPage.getByRole('group', { name: 'What monitoring shows' }).getByLabel('Payment processing failures').check();
    await ownerPage
      .getByRole('group', { name: 'Affected components' })
      .getByLabel(component, { exact: true })
      .selectOption({ label: 'Major outage' });
    const suggestion = ownerPage.locator('#severity-suggestion');
    await expect(suggestion).toHaveText('Suggested: Critical — payment processing failures, a component in major outage');
    // The suggestion is kept: Critical is selected, and no reason is asked for.
    await expect(ownerPage.getByRole('radio', { name: 'Critical', exact: true })).toBeChecked();
    await expect(ownerPage.getByLabel('Why a different severity?')).toBeHidden();
    await ownerPage.getByLabel('First message').fill(message);
    await expect(ownerPage.getByLabel('Notify subscribers')).toBeChecked();
    await ownerPage.getByRole('button', { name: 'Declare incident' }).click();

    await expect(ownerPage).toHaveURL(/\/admin\/incidents\/[a-z0-9]+$/);
    await expect(ownerPage.getByRole('status')).toContainText('Incident declared.');
    await expect(ownerPage.getByRole('heading', { level: 1 })).toHaveText(title);
    opened.push(new URL(ownerPage.url()).pathname.split('/').at(-1)!);

    // 1. Severity: Critical, as suggested, with the suggestion's reason and the signal ticked.
    const severity = step(ownerPage, /^1\. Identify severity$/);
    await expect(severity).toContainText('Done');
    await expect(severity).toContainText(/Critical, declared by .+ at /);
    await expect(severity).toContainText(
      /Suggested: Critical \(.*payment processing failures, a component in major outage\)\. The suggestion was followed\./,
    );
    await expect(severity).toContainText('Signals ticked: Payment processing failures.');
    await expect(severity).not.toContainText('Reason given');

    // 4. Customer email: not sent yet, due the delay after the start.
    const customerEmail = step(ownerPage, /^4\. Email customers if an outage lasts over /);
    await expect(customerEmail.getByRole('heading', { level: 3 })).toHaveText(
      `4. Email customers if an outage lasts over ${DELAY_SECONDS} s`,
    );
    await expect(customerEmail).toContainText('Pending');
    await expect(customerEmail).toContainText(/Due at .+ \(in \d+ s\) if the incident is still unresolved\./);
    const dueAt = await timeOf(customerEmail.locator('time'));
    const startedAt = await timeOf(headerTime(ownerPage, 'Started'));
    expect(dueAt - startedAt, 'the customer email is due the delay after the start').toBe(DELAY_SECONDS * 1000);
    await expect(customerEmail.getByRole('button', { name: 'Send customer email now' })).toBeVisible();

    // The first update of an outage is not emailed at once: customers hear when the rule says.
    expect((await mailsTo(email)).filter((mail) => mail.subject.includes(title))).toEqual([]);

    // 6. Post-mortem: owed, due after the resolution.
    const postmortemStep = step(ownerPage, /^6\. Post-mortem within /);
    await expect(postmortemStep).toContainText('Owed: due 24 h after the incident is resolved.');
    await expect(postmortemStep.getByRole('link', { name: 'Write post-mortem' })).toHaveCount(0);
  });

  test('once the delay has passed, the checklist shows the customer email sent and it lands in the outbox', async ({
    browser,
    request,
    ownerPage,
  }) => {
    const { component, email, title, incidentId } = await criticalOutage(browser, request);
    const customerEmail = await customerEmailSent(ownerPage, incidentId);
    await expect(customerEmail).toContainText('Done');
    await expect(customerEmail.getByRole('button', { name: 'Send customer email now' })).toHaveCount(0);
    const sentAt = await timeOf(customerEmail.locator('time'));
    const startedAt = await timeOf(headerTime(ownerPage, 'Started'));
    expect(sentAt - startedAt, 'sent no earlier than due').toBeGreaterThanOrEqual(DELAY_SECONDS * 1000);

    const mail = await waitForMail(email, (item) => item.subject.includes(title), 'the customer email');
    expect(mail.subject).toMatch(new RegExp(`\\] ${title}: Investigating$`));
    expect(mail.text).toContain(message);
    expect(mail.text).toContain(`${component}: Major outage`);
    expect(mail.text).toContain(`${baseUrl()}/incidents/${incidentId}`);
  });

  test('after resolving, the post-mortem is due 24 h later, with a "Write post-mortem" link', async ({ browser, request, ownerPage }) => {
    // An outage whose customer email went out when the (short) delay passed.
    const { title, incidentId } = await criticalOutage(browser, request);
    await customerEmailSent(ownerPage, incidentId);

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
    await expect(ownerPage.getByRole('heading', { level: 1 })).toHaveText(`Post-mortem: ${title}`);
  });

  test('the owner writes and publishes the post-mortem; the public incident page shows it', async ({
    browser,
    request,
    ownerPage,
    visitorPage,
  }) => {
    // A resolved Critical incident, which owes a post-mortem.
    const { title, incidentId, api } = await criticalOutage(browser, request);
    await api.resolve(incidentId);

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
    await expect(visitorPage.getByRole('heading', { level: 1 })).toHaveText(title);
    await expect(visitorPage.getByRole('article').getByText('Incident · Post-mortem', { exact: true })).toBeVisible();
    const published = visitorPage.getByRole('region', { name: 'Post-mortem' });
    await expect(published.getByRole('heading', { name: 'Post-mortem', level: 2 })).toBeVisible();
    await expect(published.getByRole('heading', { name: postmortem.heading })).toBeVisible();
    await expect(published).toContainText(postmortem.cause);
    // The Markdown is rendered, not shown as typed.
    await expect(published.locator('strong')).toHaveText('every card payment');
    await expect(published.getByRole('listitem')).toHaveText([
      'Certificates are now renewed automatically',
      'An alert fires 14 days before one expires',
    ]);
    await expect(published).not.toContainText('**');
    // The timeline announces it.
    await expect(visitorPage.getByRole('region', { name: 'Updates' })).toContainText('A post-mortem has been published.');
  });

  test('the owner puts the customer-email delay back to 300 seconds', async ({ browser, request, ownerPage }) => {
    await (await seed(browser, request)).setCommunicationPolicy({ customerEmailDelaySeconds: DELAY_SECONDS });
    await setCustomerEmailDelay(ownerPage, DEFAULT_DELAY_SECONDS);
  });
});
