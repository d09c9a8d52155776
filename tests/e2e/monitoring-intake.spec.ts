import { expect, test, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import { addComponent, confirmItIsYou, disableHttpCache, ensureOwner, publicComponent, signInOwner, unique } from './support/herald';

/**
 * Alert intake over real HTTP, as Prometheus Alertmanager sends it: an admin creates a responder
 * key in the admin area, Alertmanager's firing alert (with a `component` label) declares an
 * incident the public page shows, the same alert again changes nothing, the resolved alert posts
 * a "monitoring" update, an alert without a component is refused naming the label; then, in
 * draft mode, a firing alert proposes a draft that a responder confirms in one click.
 *
 * Each test makes its own responder key, component and alert groups. The database is shared
 * with the other tests: after each test the mode goes back to "incident" and the incidents it
 * opened are resolved.
 */
test.describe('alert intake', () => {
  let owner: BrowserContext;
  let page: Page;
  let draftModeOn = false;
  /** Incidents a test left open, with the key to resolve them. */
  const open: { id: string; token: string }[] = [];

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** An Alertmanager webhook body (payload version 4) with one alert. */
  function alertmanagerPayload(status: 'firing' | 'resolved', groupKey: string, labels: Record<string, string>, fingerprint: string) {
    const startsAt = new Date(Date.now() - 2 * 60_000).toISOString();
    return {
      version: '4',
      groupKey,
      truncatedAlerts: 0,
      status,
      receiver: 'herald',
      groupLabels: { alertname: labels.alertname ?? '' },
      commonLabels: labels,
      commonAnnotations: { summary: 'Checkout 5xx above 1 %' },
      externalURL: 'http://alertmanager.test:9093',
      alerts: [
        {
          status,
          labels,
          annotations: { summary: 'Checkout 5xx above 1 %', description: 'Internal detail that stays in the intake log.' },
          startsAt,
          endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.test/graph?g0.expr=up',
          fingerprint,
        },
      ],
    };
  }

  const send = (request: APIRequestContext, token: string, body: unknown) =>
    request.post('/api/intake/alertmanager', { headers: auth(token), data: body });

  interface IntakeAnswer {
    outcome: string;
    detail: string;
    incidentId: string | null;
    draftId: string | null;
  }

  async function setMode(label: 'Open an incident' | 'Propose a draft that a responder confirms') {
    await page.goto('/admin/settings/intake');
    await page.getByLabel(label).check();
    await page.getByRole('button', { name: 'Save alert intake settings' }).click();
    await expect(page.getByRole('status')).toContainText('Alert intake settings saved');
    await expect(page.getByLabel(label)).toBeChecked();
  }

  test.beforeAll(async ({ browser, request }) => {
    await ensureOwner(request);
    owner = await browser.newContext();
    await signInOwner(owner);
    await disableHttpCache(owner);
    page = await owner.newPage();
  });

  test.afterEach(async ({ request }) => {
    // Whatever failed, other tests expect firing alerts to open incidents, and nothing left open.
    if (draftModeOn) await setMode('Open an incident').catch(() => {});
    draftModeOn = false;
    for (const item of open.splice(0)) {
      await request.post(`/api/admin/v1/incidents/${item.id}/resolve`, {
        headers: auth(item.token),
        data: { message: 'Resolved by the alert intake test.' },
      });
    }
  });

  test.afterAll(async () => {
    await (owner as BrowserContext | undefined)?.close();
  });

  /** Creates a responder key through /admin/api-keys; the token shown once. */
  async function createKey(): Promise<string> {
    await confirmItIsYou(page);
    await page.goto('/admin/api-keys');
    await page.getByLabel('Name').fill(unique('alertmanager'));
    await page.getByLabel('Role').selectOption('responder');
    await page.getByRole('button', { name: 'Create key' }).click();
    return page.getByLabel('Your new API key').inputValue();
  }

  /** A key, a component and an alert group of this test's own. */
  async function setUp(alertname = 'PaymentsErrors') {
    const componentName = unique('Payments');
    await addComponent(page, componentName);
    const token = await createKey();
    const group = `{}:{alertname="${alertname}", run="${unique('e2e')}"}`;
    const labels = { alertname, component: componentName, severity: 'critical' };
    // The default title template: severity=critical sets the component to a major outage.
    return { token, componentName, group, labels, title: `A major outage of ${componentName}` };
  }

  /** Sends the firing alert of the group; the incident it declared (resolved after the test). */
  async function fire(
    request: APIRequestContext,
    token: string,
    group: string,
    labels: Record<string, string>,
    fingerprint: string,
  ): Promise<string> {
    const answer = (await (await send(request, token, alertmanagerPayload('firing', group, labels, fingerprint))).json()) as IntakeAnswer;
    expect(answer.outcome, 'the firing alert declares an incident').toBe('declared');
    open.push({ id: answer.incidentId!, token });
    return answer.incidentId!;
  }

  test('an admin creates a responder key for Alertmanager', async () => {
    const token = await createKey();
    expect(token).toMatch(/^herald_/);

    // The settings page tells how to connect, with this server's URL.
    await page.goto('/admin/settings/intake');
    await expect(page.locator('[data-webhook-url="alertmanager"]')).toHaveText(/^https?:\/\/.+\/api\/intake\/alertmanager$/);
  });

  test('a firing alert with a component label declares an incident the public page shows', async ({ request, browser }) => {
    const { token, componentName, group, labels, title: firstTitle } = await setUp();
    const response = await send(request, token, alertmanagerPayload('firing', group, labels, 'e2e0000000000001'));
    expect(response.status()).toBe(200);
    expect(response.headers()['ratelimit-limit']).toBeTruthy();
    const answer = (await response.json()) as IntakeAnswer;
    expect(answer.outcome).toBe('declared');
    expect(answer.incidentId).toBeTruthy();
    const incidentId = answer.incidentId!;
    open.push({ id: incidentId, token });

    // severity=critical: its component in major outage, so the classifier says Critical.
    const declared = await request.get(`/api/admin/v1/incidents/${incidentId}`, { headers: auth(token) });
    expect(((await declared.json()) as { severity: string }).severity).toBe('critical');

    const reader = await browser.newContext();
    await disableHttpCache(reader);
    const readerPage = await reader.newPage();
    await readerPage.goto('/');
    await expect(readerPage.getByRole('link', { name: firstTitle })).toBeVisible();
    await expect(publicComponent(readerPage, componentName)).toContainText('Major outage');
    await readerPage.goto(`/incidents/${incidentId}`);
    // The alert's summary, description and links are for staff only.
    await expect(readerPage.locator('main')).not.toContainText('Internal detail');
    await reader.close();
  });

  test('the same alert again changes nothing: still one incident', async ({ request }) => {
    const { token, group, labels, title: firstTitle } = await setUp();
    const incidentId = await fire(request, token, group, labels, 'e2e0000000000001');
    const response = await send(request, token, alertmanagerPayload('firing', group, labels, 'e2e0000000000001'));
    expect(response.status()).toBe(200);
    const answer = (await response.json()) as IntakeAnswer;
    expect(answer.outcome).toBe('unchanged');
    expect(answer.incidentId).toBe(incidentId);

    const openIncidents = await request.get('/api/admin/v1/incidents', { headers: auth(token), params: { state: 'open' } });
    expect(openIncidents.status()).toBe(200);
    expect(((await openIncidents.json()) as { data: { title: string }[] }).data.filter((item) => item.title === firstTitle)).toHaveLength(
      1,
    );
  });

  test('the resolved alert posts a monitoring update on the public incident page', async ({ request, browser }) => {
    const { token, componentName, group, labels } = await setUp();
    const incidentId = await fire(request, token, group, labels, 'e2e0000000000001');
    const response = await send(request, token, alertmanagerPayload('resolved', group, labels, 'e2e0000000000001'));
    expect(response.status()).toBe(200);
    const answer = (await response.json()) as IntakeAnswer;
    expect(answer.outcome).toBe('monitoring');
    expect(answer.incidentId).toBe(incidentId);

    const reader = await browser.newContext();
    await disableHttpCache(reader);
    const readerPage = await reader.newPage();
    await readerPage.goto(`/incidents/${incidentId}`);
    await expect(readerPage.locator('main')).toContainText('Monitoring');
    await expect(readerPage.locator('main')).toContainText(
      `A fix is in place for ${componentName} and we are watching to make sure it holds.`,
    );
    await reader.close();
  });

  test('an alert without a component label is refused with a 422 naming the label', async ({ request }) => {
    // An alert that fired and cleared, for the log to show beside the refused one.
    const { token, group, labels, title: firstTitle } = await setUp();
    await fire(request, token, group, labels, 'e2e0000000000001');
    expect((await send(request, token, alertmanagerPayload('resolved', group, labels, 'e2e0000000000001'))).status()).toBe(200);

    const unmappedGroup = `{}:{alertname="NoComponent", run="${unique('e2e')}"}`;
    const response = await send(
      request,
      token,
      alertmanagerPayload('firing', unmappedGroup, { alertname: 'NoComponent', severity: 'critical' }, 'e2e0000000000002'),
    );
    expect(response.status()).toBe(422);
    expect(response.headers()['content-type']).toContain('application/problem+json');
    const problem = (await response.json()) as { detail: string; errors: { field: string; message: string }[] };
    expect(problem.errors.map((error) => error.field)).toContain('alerts.0.labels.component');
    expect(problem.detail).toContain('"component" label');

    // The intake log says what each call did.
    await page.goto('/admin/intake');
    const log = page.getByRole('table', { name: /Intake log/ });
    await expect(log.getByRole('row').filter({ has: page.locator(`[title='${unmappedGroup}']`) })).toContainText('Rejected');
    await expect(
      log.getByRole('row').filter({ hasText: 'Moved the incident to monitoring' }).filter({ hasText: firstTitle }).first(),
    ).toBeVisible();
  });

  test('in draft mode a firing alert proposes a draft that a responder confirms', async ({ request, browser }) => {
    const { token, componentName, group: draftGroup } = await setUp('PaymentsLatency');
    // severity=warning: degraded performance.
    const draftTitle = `Degraded performance of ${componentName}`;
    const labels = { alertname: 'PaymentsLatency', component: componentName, severity: 'warning' };
    draftModeOn = true;
    await setMode('Propose a draft that a responder confirms');

    const response = await send(request, token, alertmanagerPayload('firing', draftGroup, labels, 'e2e0000000000003'));
    expect(response.status()).toBe(200);
    const answer = (await response.json()) as IntakeAnswer;
    expect(answer.outcome).toBe('drafted');
    expect(answer.incidentId).toBeNull();
    expect(answer.draftId).toBeTruthy();

    // Nothing is public yet.
    const reader = await browser.newContext();
    await disableHttpCache(reader);
    const readerPage = await reader.newPage();
    await readerPage.goto('/');
    await expect(readerPage.getByRole('link', { name: draftTitle })).toHaveCount(0);

    await page.goto('/admin/intake');
    const drafts = page.getByRole('region', { name: /Drafts waiting for confirmation/ });
    const draft = drafts.getByRole('listitem').filter({ has: page.getByRole('heading', { name: draftTitle, exact: true }) });
    await expect(draft).toContainText('Medium');
    await expect(draft).toContainText('Degraded performance');
    await draft.getByRole('button', { name: /^Confirm/ }).click();

    await expect(page).toHaveURL(/\/admin\/incidents\/[a-z0-9]+$/);
    await expect(page.getByRole('status')).toContainText('Draft confirmed');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(draftTitle);
    const confirmedId = new URL(page.url()).pathname.split('/').at(-1)!;
    open.push({ id: confirmedId, token });

    await readerPage.goto('/');
    await expect(readerPage.getByRole('link', { name: draftTitle })).toBeVisible();
    await reader.close();

    // The group now feeds the confirmed incident.
    const again = await send(request, token, alertmanagerPayload('firing', draftGroup, labels, 'e2e0000000000003'));
    expect(((await again.json()) as IntakeAnswer).incidentId).toBe(confirmedId);
  });

  test('the mode goes back to incident and the incidents are resolved', async ({ request }) => {
    // Two incidents opened by alerts, then draft mode on: what the draft test leaves behind.
    const first = await setUp();
    const second = await setUp('PaymentsLatency');
    const ids = [
      await fire(request, first.token, first.group, first.labels, 'e2e0000000000001'),
      await fire(request, second.token, second.group, second.labels, 'e2e0000000000003'),
    ];
    draftModeOn = true;
    await setMode('Propose a draft that a responder confirms');

    await setMode('Open an incident');
    draftModeOn = false;

    for (const [index, id] of ids.entries()) {
      const resolved = await request.post(`/api/admin/v1/incidents/${id}/resolve`, {
        headers: auth([first, second][index]!.token),
        data: { message: 'Resolved by the alert intake test.' },
      });
      expect(resolved.status()).toBe(200);
    }
    open.splice(0);
  });
});
