import { and, asc, eq, isNull } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, incident, incidentUpdate, type ComponentRow, type IncidentRow } from '../../src/lib/server/db/schema';
import { alertLink, incidentDraft, intakeEvent } from '../../src/lib/server/db/schema/automation';
import { authenticateApiKey, createApiKey, type ApiPrincipal } from '../../src/lib/server/services/access/api-keys';
import { createComponent, getComponent, removeComponent, setComponentStatus } from '../../src/lib/server/services/components/catalog';
import { postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { getIncidentDetail } from '../../src/lib/server/services/incidents/incident-detail';
import type { IntakeResult } from '../../src/lib/domain/alert-intake-log';
import { defaultWording } from '../../src/lib/domain/public-wording';
import { receiveAlerts } from '../../src/lib/server/services/intake/receive-alerts';
import { confirmDraft, dismissDraft, listOpenDrafts } from '../../src/lib/server/services/intake/intake-drafts';
import { listIntakeEvents } from '../../src/lib/server/services/intake/intake-log';
import { getIntakeSettings, updateIntakeSettings } from '../../src/lib/server/services/intake/intake-settings';
import { alertmanagerPayload, grafanaPayload, literalAlertmanagerFiring, type AlertSpec } from '../support/alert-payloads';
import { auditRowsFor, countRows, expectFailure, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
let principal: ApiPrincipal;
let search: ComponentRow;
let api: ComponentRow;
let web: ComponentRow;
let database: ComponentRow;
/** Every intake call this file makes, to check each wrote its log entry. */
let calls = 0;

const description = 'search-api answers 12.4% of requests with 5xx; runbook https://runbooks.internal.example/search';
const summary = 'High error rate on search-api (pod search-7f9c6d7b9-2xkqp)';

beforeAll(async () => {
  search = expectOk(await createComponent(context, testActor, { name: 'Search' }));
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  web = expectOk(await createComponent(context, testActor, { name: 'Web' }));
  database = expectOk(await createComponent(context, testActor, { name: 'Database' }));
  const created = expectOk(await createApiKey(context, testActor, { name: 'alertmanager', role: 'responder' }));
  const authenticated = await authenticateApiKey(context, created.token);
  if (!authenticated.ok) throw new Error(authenticated.reason);
  principal = authenticated.principal;
});

beforeEach(async () => {
  // Each test starts from the default settings; some change them.
  expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident', autoResolve: false, rules: [] }));
});

async function send(source: 'alertmanager' | 'grafana', payload: unknown) {
  clock.advance(MINUTE);
  calls++;
  return receiveAlerts(context, principal, source, payload);
}

async function sendOk(source: 'alertmanager' | 'grafana', payload: unknown): Promise<IntakeResult> {
  return expectOk(await send(source, payload));
}

const alertmanager = (groupKey: string, alerts: AlertSpec[]) => alertmanagerPayload({ groupKey, alerts });

function errorAlert(overrides: Partial<AlertSpec> & { labels?: Record<string, string> } = {}): AlertSpec {
  return {
    ...overrides,
    labels: {
      alertname: 'HighErrorRate',
      job: 'search-api',
      instance: 'search-7f9c6d7b9-2xkqp:8080',
      severity: 'warning',
      component: 'search',
      ...overrides.labels,
    },
    annotations: {
      summary,
      description,
      error_rate: '12.4%',
      runbook_url: 'https://runbooks.internal.example/search',
      ...overrides.annotations,
    },
  };
}

async function incidentRow(id: string): Promise<IncidentRow> {
  const [row] = await handle.db.select().from(incident).where(eq(incident.id, id));
  return row!;
}

async function updatesOf(incidentId: string) {
  return handle.db.select().from(incidentUpdate).where(eq(incidentUpdate.incidentId, incidentId)).orderBy(asc(incidentUpdate.createdAt));
}

async function statusOf(component: ComponentRow) {
  return (await getComponent(context, component.id))!.status;
}

async function openLinks(groupKey: string) {
  return handle.db
    .select()
    .from(alertLink)
    .where(and(eq(alertLink.groupKey, groupKey), isNull(alertLink.closedAt)));
}

async function lastEvent() {
  const { events } = await listIntakeEvents(context, 1);
  return events[0]!;
}

/** Puts components back to operational between tests that leave incidents open. */
async function resolveIncident(id: string) {
  clock.advance(MINUTE);
  expectOk(await postIncidentUpdate(context, testActor, id, { status: 'resolved', message: 'Fixed.' }));
}

describe('a firing Alertmanager alert', () => {
  const groupKey = '{}/{severity=~".+"}:{alertname="HighErrorRate"}';
  let declared: IntakeResult;

  it('declares an incident with the classified severity and its reason', async () => {
    declared = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert()]));
    expect(declared.outcome).toBe('declared');
    const row = await incidentRow(declared.incidentId!);
    expect(row).toMatchObject({
      title: 'A major outage of Search',
      status: 'investigating',
      // error_rate 12.4 % trips both signals; the worst (Critical) sets the component's status.
      severity: 'critical',
      suggestedSeverity: 'critical',
      severitySuggestionReason: 'Critical: error rate over 1 %, a component in major outage',
      severitySignals: ['error_rate_above_1', 'partial_error_rate_above_5'],
      severityOverrideReason: null,
      declaredBy: null,
    });
    expect(await statusOf(search)).toBe('major_outage');
    const updates = await updatesOf(row.id);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.body).toBe('We are investigating a major outage of Search. We will post an update as soon as we know more.');

    const [declareAudit] = (await auditRowsFor(handle.db, row.id)).filter((entry) => entry.action === 'incident.declare');
    expect(declareAudit!.actorLabel).toBe('API key "alertmanager"');

    const links = await openLinks(groupKey);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ source: 'alertmanager', incidentId: row.id, draftId: null, status: 'firing' });
    expect(links[0]!.firing).toHaveLength(1);

    const event = await lastEvent();
    expect(event).toMatchObject({
      outcome: 'declared',
      source: 'alertmanager',
      groupKey,
      alertStatus: 'firing',
      incidentId: row.id,
      apiKeyName: 'alertmanager',
    });
    // The admin-only log keeps what the public page must not show.
    expect(event.detail).toContain(summary);
    expect(event.detail).toContain('generatorURL: http://prometheus.internal.example');
  });

  it('updates the same incident, silently, when the same alerts fire again', async () => {
    const before = await countRows(handle.db, incident);
    const repeat = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert()]));
    expect(repeat).toMatchObject({ outcome: 'unchanged', incidentId: declared.incidentId });
    expect(await countRows(handle.db, incident)).toBe(before);
    expect(await updatesOf(declared.incidentId!)).toHaveLength(1);
  });

  it('posts one update when a new alert joins the group, adding its component', async () => {
    const latency: AlertSpec = {
      labels: { alertname: 'HighErrorRate', job: 'api-gateway', instance: 'gw-1:9100', severity: 'page', component: api.id },
      annotations: { summary: 'API gateway errors', description: 'gw-1 sees upstream resets, see https://grafana.internal.example/d/gw' },
      startsAt: '2026-03-01T12:01:10.5Z',
    };
    const result = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert(), latency]));
    expect(result).toMatchObject({ outcome: 'updated', incidentId: declared.incidentId });
    const updates = await updatesOf(declared.incidentId!);
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatchObject({
      status: 'investigating',
      body: 'We are investigating a partial outage of API. We will post an update as soon as we know more.',
    });
    expect(updates[1]!.componentChanges).toEqual([
      { componentId: api.id, name: 'API', oldStatus: 'operational', newStatus: 'partial_outage' },
    ]);
    expect(await statusOf(api)).toBe('partial_outage');
    // Critical already: nothing to raise.
    expect((await incidentRow(declared.incidentId!)).severity).toBe('critical');

    const again = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert(), latency]));
    expect(again.outcome).toBe('unchanged');
    expect(await updatesOf(declared.incidentId!)).toHaveLength(2);
  });

  it('posts a monitoring update when the alerts resolve, and keeps the link should they fire again', async () => {
    const resolved = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert({ status: 'resolved' })]));
    expect(resolved).toMatchObject({ outcome: 'monitoring', incidentId: declared.incidentId });
    const row = await incidentRow(declared.incidentId!);
    expect(row.status).toBe('monitoring');
    const updates = await updatesOf(row.id);
    expect(updates.at(-1)).toMatchObject({
      status: 'monitoring',
      body: 'A fix is in place for Search and API and we are watching to make sure it holds.',
    });
    // Responders decide when it is over: the components keep their status.
    expect(await statusOf(search)).toBe('major_outage');
    expect(await openLinks(groupKey)).toMatchObject([{ incidentId: row.id, status: 'resolved', firing: [] }]);

    const again = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert({ status: 'resolved' })]));
    expect(again.outcome).toBe('ignored');
    expect(await updatesOf(row.id)).toHaveLength(updates.length);
  });

  it('reopens the same incident when its alerts fire again during monitoring (a flapping alert)', async () => {
    const before = await countRows(handle.db, incident);
    const refired = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert()]));
    expect(refired).toMatchObject({ outcome: 'updated', incidentId: declared.incidentId });
    expect(await countRows(handle.db, incident)).toBe(before);
    const row = await incidentRow(declared.incidentId!);
    expect(row.status).toBe('investigating');
    expect((await updatesOf(row.id)).at(-1)).toMatchObject({
      status: 'investigating',
      body: 'The issue affecting Search and API has come back. We are investigating.',
    });

    expect((await sendOk('alertmanager', alertmanager(groupKey, [errorAlert({ status: 'resolved' })]))).outcome).toBe('monitoring');
    await resolveIncident(row.id);
    expect(await statusOf(search)).toBe('operational');
    expect(await statusOf(api)).toBe('operational');
  });

  it('declares a new incident when the group fires after its incident was resolved', async () => {
    const result = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert()]));
    expect(result.outcome).toBe('declared');
    expect(result.incidentId).not.toBe(declared.incidentId);
    await resolveIncident(result.incidentId!);
    // The link to the resolved incident is closed by the next call, which finds nothing to settle.
    const cleared = await sendOk('alertmanager', alertmanager(groupKey, [errorAlert({ status: 'resolved' })]));
    expect(cleared.outcome).toBe('ignored');
    expect(cleared.detail).toContain('is resolved; its link was closed');
    expect(await openLinks(groupKey)).toHaveLength(0);
  });
});

describe('severity', () => {
  it('is raised when a more severe alert joins, with the reason', async () => {
    const groupKey = '{}:{alertname="DiskFilling"}';
    const disk: AlertSpec = {
      labels: { alertname: 'DiskFilling', component: 'Database', severity: 'warning' },
      annotations: { disk: '93%' },
    };
    const first = await sendOk('alertmanager', alertmanager(groupKey, [disk]));
    expect(await incidentRow(first.incidentId!)).toMatchObject({
      severity: 'medium',
      severitySuggestionReason: 'Medium: disk over 90 %, degraded performance',
    });

    const down: AlertSpec = {
      labels: { alertname: 'DiskFilling', component: 'database', severity: 'critical', instance: 'db-2' },
      annotations: {},
    };
    const second = await sendOk('alertmanager', alertmanager(groupKey, [disk, down]));
    expect(second.outcome).toBe('updated');
    const row = await incidentRow(first.incidentId!);
    expect(row.severity).toBe('critical');
    expect(row.severityOverrideReason).toBe('Raised by alert intake: Critical: a component in major outage');
    const severityAudit = (await auditRowsFor(handle.db, row.id)).find((entry) => entry.action === 'incident.severity');
    expect(severityAudit!.actorLabel).toBe('API key "alertmanager"');
    // The component was already affected: the new alert's update names it without changing it.
    const updates = await updatesOf(row.id);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.body).toBe('We are investigating degraded performance of Database. We will post an update as soon as we know more.');
    expect(await statusOf(database)).toBe('degraded_performance');
    await resolveIncident(row.id);
  });

  it('is never lowered by a milder alert', async () => {
    const groupKey = '{}:{alertname="PaymentsDown"}';
    const critical: AlertSpec = { labels: { alertname: 'PaymentsDown', component: 'API', herald_signals: 'payment_failures' } };
    const first = await sendOk('alertmanager', alertmanager(groupKey, [critical]));
    expect(await incidentRow(first.incidentId!)).toMatchObject({ severity: 'critical', severitySignals: ['payment_failures'] });
    const mild: AlertSpec = { labels: { alertname: 'PaymentsDown', component: 'Web', severity: 'info', instance: 'web-1' } };
    const second = await sendOk('alertmanager', alertmanager(groupKey, [critical, mild]));
    expect(second.outcome).toBe('updated');
    expect((await incidentRow(first.incidentId!)).severity).toBe('critical');
    expect(await statusOf(web)).toBe('degraded_performance');
    await resolveIncident(first.incidentId!);
  });
});

describe('auto-resolve', () => {
  it('resolves the incident and returns its components to operational', async () => {
    expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident', autoResolve: 'on' }));
    const groupKey = '{}:{alertname="ApiDown"}';
    const alert: AlertSpec = { labels: { alertname: 'ApiDown', component: 'API', severity: 'critical' } };
    const declared = await sendOk('alertmanager', alertmanager(groupKey, [alert]));
    expect(await statusOf(api)).toBe('major_outage');
    const resolved = await sendOk('alertmanager', alertmanager(groupKey, [{ ...alert, status: 'resolved' }]));
    expect(resolved).toMatchObject({ outcome: 'resolved', incidentId: declared.incidentId });
    const row = await incidentRow(declared.incidentId!);
    expect(row.status).toBe('resolved');
    expect((await updatesOf(row.id)).at(-1)).toMatchObject({
      status: 'resolved',
      body: 'The issue affecting API is resolved and everything is working normally again.',
    });
    expect(await statusOf(api)).toBe('operational');
    expect(await openLinks(groupKey)).toHaveLength(0);
  });
});

describe('components', () => {
  it('refuses alerts that map to no component, naming the missing label', async () => {
    const before = await countRows(handle.db, incident);
    const payload = alertmanager('{}:{alertname="HighErrorRate",job="orphan"}', [
      {
        labels: { alertname: 'HighErrorRate', job: 'orphan', instance: 'orphan-1:8080', severity: 'critical' },
        annotations: { description },
      },
    ]);
    const result = await send('alertmanager', payload);
    const failure = expectFailure(result, 'invalid');
    expect(failure.message).toBe(
      'No component for alert "HighErrorRate": add a "component" label (a component\'s id or name) or a rule in the intake settings for one of its labels (alertname, job, instance, severity).',
    );
    expect(expectInvalid(result)).toEqual({ 'alerts.0.labels.component': expect.stringContaining('"component" label') });
    expect(await countRows(handle.db, incident)).toBe(before);
    expect(await openLinks('{}:{alertname="HighErrorRate",job="orphan"}')).toHaveLength(0);
    const event = await lastEvent();
    expect(event).toMatchObject({
      outcome: 'rejected',
      groupKey: '{}:{alertname="HighErrorRate",job="orphan"}',
      alertStatus: 'firing',
      incidentId: null,
    });
    expect(event.detail).toContain('No component for alert "HighErrorRate"');
  });

  it('says when the component label names no component, or an archived one', async () => {
    const legacy = expectOk(await createComponent(context, testActor, { name: 'Legacy' }));
    expectOk(await setComponentStatus(context, testActor, legacy.id, { status: 'degraded_performance' }));
    expect(expectOk(await removeComponent(context, testActor, legacy.id)).outcome).toBe('archived');

    for (const value of ['Searchh', 'legacy', legacy.id]) {
      const result = await send(
        'alertmanager',
        alertmanager(`{}:{alertname="Bad${value}"}`, [{ labels: { alertname: 'Bad', component: value } }]),
      );
      expect(expectFailure(result, 'invalid').message).toContain(`its "component" label "${value}" names no component`);
      expect(expectInvalid(result)).toEqual({ 'alerts.0.labels.component': `"${value}" names no component.` });
    }
  });

  it('maps by a rule of the intake settings', async () => {
    expectOk(
      await updateIntakeSettings(context, testActor, {
        mode: 'incident',
        rules: [
          { label: 'job', value: 'payments-api', componentId: api.id },
          { label: 'job', value: 'payments-api', componentId: web.id },
          { label: '', value: '', componentId: '' },
        ],
      }),
    );
    const groupKey = '{}:{alertname="PaymentsLatency"}';
    const result = await sendOk(
      'alertmanager',
      alertmanager(groupKey, [{ labels: { alertname: 'PaymentsLatency', job: 'payments-api' }, annotations: { response_time: '2500ms' } }]),
    );
    expect(result.outcome).toBe('declared');
    const detail = (await getIncidentDetail(context, result.incidentId!))!;
    expect(detail.incident).toMatchObject({
      title: 'A major outage of API and Web',
      severity: 'critical',
      severitySignals: ['response_time_above_2s'],
    });
    expect(detail.components.map((item) => [item.name, item.status])).toEqual([
      ['API', 'major_outage'],
      ['Web', 'major_outage'],
    ]);
    expect(result.detail).toContain('by rule job="payments-api"');
    await resolveIncident(result.incidentId!);
  });

  it('leaves out the alerts that map to nothing when others do', async () => {
    const groupKey = '{}:{alertname="Mixed"}';
    const result = await sendOk(
      'alertmanager',
      alertmanager(groupKey, [
        { labels: { alertname: 'Mixed', component: 'Search', severity: 'warning' } },
        { labels: { alertname: 'Mixed', instance: 'nowhere' } },
      ]),
    );
    expect(result.outcome).toBe('declared');
    expect(result.detail).toContain('maps to no component');
    expect((await getIncidentDetail(context, result.incidentId!))!.components.map((item) => item.name)).toEqual(['Search']);
    await resolveIncident(result.incidentId!);
  });
});

describe('intake settings', () => {
  it('validates and audits', async () => {
    expect(await getIntakeSettings(context)).toMatchObject({ mode: 'incident', autoResolve: false, rules: [] });
    expect(
      expectInvalid(
        await updateIntakeSettings(context, testActor, {
          mode: 'sometimes' as never,
          rules: [
            { label: '1job', value: 'x', componentId: api.id },
            { label: 'job', value: 'x', componentId: 'aaaaaaaaaaaaaaaa' },
          ],
        }),
      ),
    ).toEqual({ mode: expect.any(String), 'rules.0.label': expect.stringContaining('Prometheus label name') });
    expect(
      expectInvalid(
        await updateIntakeSettings(context, testActor, { rules: [{ label: 'job', value: 'x', componentId: 'aaaaaaaaaaaaaaaa' }] }),
      ),
    ).toEqual({
      'rules.0.componentId': 'That component does not exist.',
    });
    expect(
      expectInvalid(
        await updateIntakeSettings(context, testActor, {
          rules: [
            { label: 'job', value: 'x', componentId: api.id },
            { label: 'job', value: 'x', componentId: api.id },
          ],
        }),
      ),
    ).toEqual({ 'rules.1.value': 'This rule is listed twice.' });
    expect(
      expectInvalid(
        await updateIntakeSettings(context, testActor, {
          rules: Array.from({ length: 101 }, (_, index) => ({ label: 'job', value: `v${index}`, componentId: api.id })),
        }),
      ),
    ).toEqual({ rules: 'Keep to 100 rules or fewer.' });

    clock.advance(MINUTE);
    const saved = expectOk(
      await updateIntakeSettings(context, testActor, {
        mode: 'draft',
        autoResolve: 'on',
        rules: [{ label: 'team', value: ' search ', componentId: search.id }],
      }),
    );
    expect(saved).toEqual({
      mode: 'draft',
      autoResolve: true,
      rules: [{ label: 'team', value: 'search', componentId: search.id }],
      wording: defaultWording,
    });
    expect(await getIntakeSettings(context)).toMatchObject({ ...saved, updatedAt: clock.now() });
    expect(expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident', autoResolve: false })).autoResolve).toBe(false);
    expect(expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident' })).autoResolve).toBe(false);
    const audits = (await auditRowsFor(handle.db, 'intake')).filter((entry) => entry.action === 'settings.intake');
    expect(audits.length).toBeGreaterThanOrEqual(3);
  });
});

describe('draft mode', () => {
  const groupKey = '{}:{alertname="SearchSlow"}';
  const slow: AlertSpec = {
    labels: { alertname: 'SearchSlow', component: 'Search', severity: 'warning' },
    annotations: { summary: 'p99 search latency 3.1s', response_time: '0.9s' },
  };
  const slowWeb: AlertSpec = { labels: { alertname: 'SearchSlow', component: 'Web', severity: 'page', instance: 'web-3' } };

  beforeEach(async () => {
    expectOk(await updateIntakeSettings(context, testActor, { mode: 'draft' }));
  });

  it('proposes a draft, updates it, and declares it when a responder confirms', async () => {
    const incidentsBefore = await countRows(handle.db, incident);
    const drafted = await sendOk('alertmanager', alertmanager(groupKey, [slow]));
    expect(drafted.outcome).toBe('drafted');
    expect(await countRows(handle.db, incident)).toBe(incidentsBefore);
    expect(await statusOf(search)).toBe('operational');

    let [draft] = await listOpenDrafts(context);
    expect(draft).toMatchObject({
      id: drafted.draftId,
      source: 'alertmanager',
      groupKey,
      title: 'Degraded performance of Search',
      severity: 'medium',
      severityReason: 'Medium: degraded performance',
      signals: [],
      components: [{ componentId: search.id, status: 'degraded_performance' }],
      affected: [{ componentId: search.id, name: 'Search', status: 'degraded_performance' }],
      closedAt: null,
    });
    expect(draft!.message).toBe('We are investigating degraded performance of Search. We will post an update as soon as we know more.');

    expect((await sendOk('alertmanager', alertmanager(groupKey, [slow]))).outcome).toBe('unchanged');
    const updated = await sendOk('alertmanager', alertmanager(groupKey, [slow, slowWeb]));
    expect(updated).toMatchObject({ outcome: 'draft_updated', draftId: drafted.draftId });
    [draft] = await listOpenDrafts(context);
    expect(draft).toMatchObject({
      title: 'A partial outage of Search and Web',
      severity: 'high',
      components: [
        { componentId: search.id, status: 'degraded_performance' },
        { componentId: web.id, status: 'partial_outage' },
      ],
    });

    clock.advance(MINUTE);
    const responder = { userId: null, label: 'Ada <ada@example.com>' };
    const confirmed = expectOk(await confirmDraft(context, responder, drafted.draftId!));
    expect(confirmed.incident).toMatchObject({
      title: 'A partial outage of Search and Web',
      severity: 'high',
      severityOverrideReason: null,
      status: 'investigating',
    });
    expect(confirmed.draft).toMatchObject({
      confirmedIncidentId: confirmed.incident.id,
      closedBy: 'Ada <ada@example.com>',
      closedAt: clock.now(),
    });
    expect(await statusOf(web)).toBe('partial_outage');
    expect((await auditRowsFor(handle.db, confirmed.incident.id)).find((entry) => entry.action === 'incident.declare')!.actorLabel).toBe(
      'Ada <ada@example.com>',
    );
    expect(await listOpenDrafts(context)).toEqual([]);
    expectFailure(await confirmDraft(context, responder, drafted.draftId!), 'conflict');
    expectFailure(await dismissDraft(context, responder, drafted.draftId!), 'conflict');
    expectFailure(await confirmDraft(context, responder, 'aaaaaaaaaaaaaaaa'), 'not_found');

    // The group now feeds the incident.
    expect((await openLinks(groupKey))[0]).toMatchObject({ incidentId: confirmed.incident.id, draftId: drafted.draftId });
    expect(await sendOk('alertmanager', alertmanager(groupKey, [slow, slowWeb]))).toMatchObject({
      outcome: 'unchanged',
      incidentId: confirmed.incident.id,
    });
    const cleared = await sendOk(
      'alertmanager',
      alertmanager(groupKey, [
        { ...slow, status: 'resolved' },
        { ...slowWeb, status: 'resolved' },
      ]),
    );
    expect(cleared).toMatchObject({ outcome: 'monitoring', incidentId: confirmed.incident.id });
    await resolveIncident(confirmed.incident.id);
  });

  it('closes a draft whose alerts clear before anyone confirms it', async () => {
    const key = '{}:{alertname="Blip"}';
    const blip: AlertSpec = { labels: { alertname: 'Blip', component: 'API' } };
    const drafted = await sendOk('alertmanager', alertmanager(key, [blip]));
    const closed = await sendOk('alertmanager', alertmanager(key, [{ ...blip, status: 'resolved' }]));
    expect(closed).toMatchObject({ outcome: 'draft_closed', draftId: drafted.draftId });
    const [row] = await handle.db.select().from(incidentDraft).where(eq(incidentDraft.id, drafted.draftId!));
    expect(row).toMatchObject({ closedBy: 'alert resolved', confirmedIncidentId: null });
    expect(await openLinks(key)).toHaveLength(0);
    expectFailure(await confirmDraft(context, testActor, drafted.draftId!), 'conflict');
  });

  it('ignores the same alerts after a dismissal, and drafts again for a new one', async () => {
    const key = '{}:{alertname="Noisy"}';
    const noisy: AlertSpec = { labels: { alertname: 'Noisy', component: 'Web' } };
    const drafted = await sendOk('alertmanager', alertmanager(key, [noisy]));
    const dismissed = expectOk(await dismissDraft(context, testActor, drafted.draftId!));
    expect(dismissed).toMatchObject({ closedBy: 'test-suite', confirmedIncidentId: null });
    expect((await auditRowsFor(handle.db, drafted.draftId!)).map((entry) => entry.action)).toEqual([
      'incident_draft.create',
      'incident_draft.dismiss',
    ]);
    expect((await sendOk('alertmanager', alertmanager(key, [noisy]))).outcome).toBe('ignored');
    const again = await sendOk(
      'alertmanager',
      alertmanager(key, [noisy, { labels: { alertname: 'Noisy', component: 'Web', instance: 'web-9' } }]),
    );
    expect(again.outcome).toBe('drafted');
    expect(again.draftId).not.toBe(drafted.draftId);
    expectOk(await dismissDraft(context, testActor, again.draftId!));
    expect((await sendOk('alertmanager', alertmanager(key, [{ ...noisy, status: 'resolved' }]))).outcome).toBe('ignored');
    expect(await openLinks(key)).toHaveLength(0);
  });
});

describe('Grafana', () => {
  it('reads the value herald_metric points at, and uses public annotations', async () => {
    const payload = grafanaPayload({
      alerts: [
        {
          labels: { alertname: 'Checkout availability', grafana_folder: 'Payments', component: 'Web' },
          annotations: {
            herald_metric: 'availability:B',
            herald_title: 'Checkout errors',
            public_message: 'Some customers cannot complete checkout. We are on it.',
            description: description,
            summary: summary,
          },
          values: { B: 97.2, C: 1 },
        },
      ],
    });
    const result = await sendOk('grafana', payload);
    expect(result.outcome).toBe('declared');
    const detail = (await getIncidentDetail(context, result.incidentId!))!;
    expect(detail.incident).toMatchObject({
      title: 'Checkout errors',
      severity: 'critical',
      severitySignals: ['availability_below_99'],
      severitySuggestionReason: 'Critical: API availability under 99 %, a component in major outage',
    });
    expect(detail.updates[0]!.body).toBe('Some customers cannot complete checkout. We are on it.');
    const event = await lastEvent();
    expect(event).toMatchObject({ source: 'grafana', outcome: 'declared' });
    expect(event.detail).toContain('silenceURL: https://grafana.internal.example/alerting/silence');
    expect(event.detail).toContain('panelURL');

    const resolved = await sendOk(
      'grafana',
      grafanaPayload({
        alerts: [
          {
            ...payload.alerts[0]!,
            labels: payload.alerts[0]!.labels,
            annotations: payload.alerts[0]!.annotations,
            status: 'resolved',
            values: null,
          },
        ],
      }),
    );
    expect(resolved).toMatchObject({ outcome: 'monitoring', incidentId: result.incidentId });
    await resolveIncident(result.incidentId!);
  });

  it('rejects a payload without its required fields, with the field path', async () => {
    const payload: Record<string, unknown> = grafanaPayload({ alerts: [{ labels: { alertname: 'X', component: 'Web' } }] });
    delete payload.groupKey;
    const result = await send('grafana', payload);
    expect(expectInvalid(result)).toEqual({ groupKey: 'Required.' });
    expect(expectFailure(result, 'invalid').message).toBe('This is not a valid Grafana webhook payload: groupKey: Required.');
    expect(await lastEvent()).toMatchObject({ outcome: 'rejected', source: 'grafana', groupKey: null, alertStatus: 'firing' });

    const wrong = await send('alertmanager', {
      ...literalAlertmanagerFiring,
      alerts: [{ ...literalAlertmanagerFiring.alerts[0], status: 'pending' }],
    });
    expect(expectInvalid(wrong)).toEqual({ 'alerts.0.status': 'Expected "firing" or "resolved".' });
    expect(await lastEvent()).toMatchObject({ outcome: 'rejected', groupKey: literalAlertmanagerFiring.groupKey });
  });
});

describe('keys', () => {
  it('refuses a viewer key, and logs the refusal', async () => {
    const created = expectOk(await createApiKey(context, testActor, { name: 'dashboards', role: 'viewer' }));
    const viewer = await authenticateApiKey(context, created.token);
    if (!viewer.ok) throw new Error(viewer.reason);
    calls++;
    const result = await receiveAlerts(context, viewer.principal, 'alertmanager', literalAlertmanagerFiring);
    expect(expectFailure(result, 'forbidden').message).toContain('viewer key');
    const [event] = await handle.db.select().from(intakeEvent).where(eq(intakeEvent.apiKeyId, viewer.principal.keyId));
    expect(event).toMatchObject({ outcome: 'rejected', groupKey: literalAlertmanagerFiring.groupKey });
  });
});

describe('concurrency', () => {
  it('declares one incident for two identical firing calls at once', async () => {
    const payload = alertmanager('{}:{alertname="Thundering"}', [
      { labels: { alertname: 'Thundering', component: 'Search', severity: 'critical' } },
    ]);
    const before = await countRows(handle.db, incident);
    clock.advance(MINUTE);
    calls += 2;
    const results = await Promise.all([
      receiveAlerts(context, principal, 'alertmanager', payload),
      receiveAlerts(context, principal, 'alertmanager', payload),
    ]);
    const outcomes = results.map((result) => expectOk(result).outcome).sort();
    expect(outcomes).toEqual(['declared', 'unchanged']);
    expect(await countRows(handle.db, incident)).toBe(before + 1);
    expect(await openLinks('{}:{alertname="Thundering"}')).toHaveLength(1);
    const incidentIds = new Set(results.map((result) => expectOk(result).incidentId));
    expect(incidentIds.size).toBe(1);
    await resolveIncident([...incidentIds][0]!);
  });

  it('declares one incident per group when two groups fire at once for the same component', async () => {
    const payloads = ['CacheA', 'CacheB', 'CacheC'].map((name) =>
      alertmanager(`{}:{alertname="${name}"}`, [{ labels: { alertname: name, component: 'Database', severity: 'critical' } }]),
    );
    clock.advance(MINUTE);
    calls += payloads.length;
    const results = await Promise.all(payloads.map((payload) => receiveAlerts(context, principal, 'alertmanager', payload)));
    expect(results.map((result) => expectOk(result).outcome)).toEqual(['declared', 'declared', 'declared']);
    expect(await statusOf(database)).toBe('major_outage');
    for (const result of results) await resolveIncident(expectOk(result).incidentId!);
    expect(await statusOf(database)).toBe('operational');
  });
});

describe('public text', () => {
  it('never carries an alert description, summary or link', async () => {
    // The literal payload names its component by name and carries a description with a URL.
    const result = await sendOk('alertmanager', literalAlertmanagerFiring);
    expect(result.outcome).toBe('declared');
    await resolveIncident(result.incidentId!);

    const texts = [
      ...(await handle.db.select({ text: incident.title }).from(incident)),
      ...(await handle.db.select({ text: incidentUpdate.body }).from(incidentUpdate)),
      ...(await handle.db.select({ text: incidentDraft.title }).from(incidentDraft)),
      ...(await handle.db.select({ text: incidentDraft.message }).from(incidentDraft)),
    ].map((row) => row.text);
    expect(texts.length).toBeGreaterThan(20);
    for (const text of texts) {
      expect(text).not.toMatch(/https?:\/\//);
      expect(text).not.toContain('search-api');
      expect(text).not.toContain('runbook');
      expect(text).not.toContain('p99');
      expect(text).not.toContain(literalAlertmanagerFiring.alerts[0]!.annotations.description);
    }
  });
});

describe('the intake log', () => {
  it('holds one entry per call, rejected ones included', async () => {
    expect(await countRows(handle.db, intakeEvent)).toBe(calls);
    const { events, total, pageCount } = await listIntakeEvents(context, 1);
    expect(total).toBe(calls);
    expect(events.length).toBe(Math.min(calls, 50));
    expect(pageCount).toBe(Math.ceil(calls / 50));
    expect(new Set(events.map((event) => event.outcome))).toEqual(
      new Set(
        [
          'declared',
          'updated',
          'unchanged',
          'monitoring',
          'resolved',
          'ignored',
          'rejected',
          'drafted',
          'draft_updated',
          'draft_closed',
        ].filter((outcome) => events.some((event) => event.outcome === outcome)),
      ),
    );
    const all = await handle.db.select().from(intakeEvent);
    expect(new Set(all.map((event) => event.outcome))).toEqual(
      new Set([
        'declared',
        'updated',
        'unchanged',
        'monitoring',
        'resolved',
        'ignored',
        'rejected',
        'drafted',
        'draft_updated',
        'draft_closed',
      ]),
    );
    expect(all.filter((event) => event.apiKeyId !== principal.keyId)).toHaveLength(1);
    expect(await countRows(handle.db, auditLog)).toBeGreaterThan(0);
  });
});
