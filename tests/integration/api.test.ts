/**
 * The management API's behaviour, called in-process through its router with real keys: writes
 * go through the services (the communication plan applies as in the admin), every write is
 * audited under the key's name, bad input is a problem document naming the field, idempotent
 * retries, rate limits, and every successful answer matching its route's documented schema.
 */
import { and, count, eq, gt, max } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifySeverity } from '../../src/lib/domain/severity-classifier';
import { matchRoute } from '../../src/lib/server/api/router';
import {
  auditLog,
  component,
  incident,
  incidentComponent,
  incidentUpdate,
  maintenance,
  setting,
  subscriber,
  type ComponentRow,
} from '../../src/lib/server/db/schema';
import { idempotentRequest } from '../../src/lib/server/db/schema/automation';
import { apiKeyActorLabel, createApiKey } from '../../src/lib/server/services/access/api-keys';
import { getComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { getIncidentDetail } from '../../src/lib/server/services/incidents/incident-detail';
import { apiClient, type ApiAnswer, type ApiClient, type CallOptions } from '../support/api-client';
import { countRows, expectOk, HOUR, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { queuedJobs } from '../support/queued-jobs';
import { useTestContext } from '../support/test-database';

const SECOND = 1000;
const { clock, handle, context } = useTestContext({ start: '2026-03-02T09:00:00.000Z' });

/** A key and a client that calls with it. */
interface Key {
  name: string;
  label: string;
  client: ApiClient;
}

let deployBot: Key; // admin
let pager: Key; // responder
let dashboard: Key; // viewer

async function newKey(name: string, role: 'viewer' | 'responder' | 'admin', limitPerMinute?: number): Promise<Key> {
  const { token } = expectOk(await createApiKey(context, testActor, { name, role }));
  return { name, label: apiKeyActorLabel(name), client: apiClient(context, token, limitPerMinute ? { limitPerMinute } : {}) };
}

beforeAll(async () => {
  deployBot = await newKey('deploy-bot', 'admin');
  pager = await newKey('pager', 'responder');
  dashboard = await newKey('dashboard', 'viewer');
});

const helpers = incidentHelpers({ clock, context }, { step: 0 });
const { tick } = helpers;

// ---------------------------------------------------------------------------------------------
// Documented answers

/** The schema with every object strict, recursively: an undocumented field fails the parse. */
function strictly(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    return z.strictObject(Object.fromEntries(Object.entries(schema.shape).map(([name, field]) => [name, strictly(field as z.ZodType)])));
  }
  if (schema instanceof z.ZodArray) return z.array(strictly(schema.element as z.ZodType));
  if (schema instanceof z.ZodNullable) return strictly(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodOptional) return strictly(schema.unwrap() as z.ZodType).optional();
  return schema;
}

/**
 * Checks a successful answer against its route, found by method and path as the router finds
 * it: the documented status, and the body parsed by the documented schema (and its strict form).
 */
function expectDocumented(method: string, path: string, answer: ApiAnswer): void {
  const matched = matchRoute(method, path);
  if (matched.kind !== 'found') throw new Error(`no route for ${method} ${path}`);
  const { response } = matched.route;
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(response.status);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  if (response.schema) {
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    response.schema.parse(answer.json);
    const strict = strictly(response.schema).safeParse(answer.json);
    expect(strict.success, `${method} ${path} answers fields its schema does not document: ${strict.error?.message}`).toBe(true);
  } else {
    expect(answer.text).toBe('');
  }
}

/** A call that must succeed as documented; answers the parsed body. */
async function read(key: Key, method: string, path: string, options: CallOptions = {}) {
  const answer = await key.client.call(method, path, options);
  expectDocumented(method, path, answer);
  return answer.json;
}

async function lastAuditId(): Promise<number> {
  const [row] = await handle.db.select({ value: max(auditLog.id) }).from(auditLog);
  return row?.value ?? 0;
}

/** The labels the communication plan writes under on its own, inside a change made by a key. */
const planLabels = new Set(['communication plan']);

/** A write that must succeed as documented and be audited under the key's name (and nobody else's). */
async function write(key: Key, method: string, path: string, options: CallOptions = {}) {
  const before = await lastAuditId();
  const body = await read(key, method, path, options);
  const rows = await handle.db.select().from(auditLog).where(gt(auditLog.id, before));
  expect(
    rows.map((row) => row.actorLabel),
    `${method} ${path} is audited under ${key.label}`,
  ).toContain(key.label);
  expect(rows.filter((row) => row.actorLabel !== key.label && !planLabels.has(row.actorLabel))).toEqual([]);
  expect(rows.filter((row) => row.actorLabel === key.label).every((row) => row.actorUserId === null)).toBe(true);
  return body;
}

/** A problem document (RFC 9457) with this status. */
function expectProblem(answer: ApiAnswer, status: number) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({ type: 'about:blank', status, title: expect.any(String) });
  return answer.json as { type: string; title: string; status: number; detail?: string; errors?: { field: string; message: string }[] };
}

/** A 422 naming exactly this field among its errors. */
function expectFieldError(answer: ApiAnswer, field: string) {
  const document = expectProblem(answer, 422);
  expect(document.errors?.map((error) => error.field)).toContain(field);
  expect(document.errors?.find((error) => error.field === field)?.message).toEqual(expect.any(String));
  return document;
}

let components = 0;
const newComponent = (name = `Component ${++components}`): Promise<ComponentRow> => helpers.newComponent(name);

const statusOf = async (id: string) => (await getComponent(context, id))!.status;

/** What a table holds, to show a refused request wrote nothing. */
async function tableCounts() {
  return {
    incidents: await countRows(handle.db, incident),
    updates: await countRows(handle.db, incidentUpdate),
    links: await countRows(handle.db, incidentComponent),
    components: await countRows(handle.db, component),
    maintenances: await countRows(handle.db, maintenance),
    subscribers: await countRows(handle.db, subscriber),
    settings: await countRows(handle.db, setting),
    audit: await countRows(handle.db, auditLog),
  };
}

async function incidentsTitled(title: string): Promise<number> {
  const [row] = await handle.db.select({ value: count() }).from(incident).where(eq(incident.title, title));
  return row?.value ?? 0;
}

/** Job offsets from the incident's start, by job name: what the plan queued, comparable between incidents. */
async function planJobs(incidentId: string, startedAt: Date) {
  const offsets = async (name: 'customer-email' | 'update-cadence-check') =>
    (await queuedJobs(handle, name, incidentId)).map((job) => job.startAfter.getTime() - startedAt.getTime());
  return {
    customerEmail: await offsets('customer-email'),
    cadence: await offsets('update-cadence-check'),
    // pg-boss stamps an immediate job with its own time: only their number compares.
    teamAlerts: (await queuedJobs(handle, 'team-alert', incidentId)).length,
  };
}

// ---------------------------------------------------------------------------------------------

describe('the documented-answer check', () => {
  it('catches a field a response schema does not document, at any depth', async () => {
    const matched = matchRoute('GET', '/incidents');
    if (matched.kind !== 'found') throw new Error('no GET /incidents');
    const schema = strictly(matched.route.response.schema!);
    const page = await read(dashboard, 'GET', '/incidents');
    expect(schema.safeParse(page).success).toBe(true);
    expect(schema.safeParse({ ...page, extra: 1 }).success).toBe(false);
    const declared = await read(pager, 'POST', '/incidents', {
      body: { title: 'Probe', severity: 'low', status: 'investigating', message: 'Probe.' },
    });
    const nested = { ...page, data: [{ ...declared, updates: undefined, customerEmail: { ...declared.customerEmail, secret: true } }] };
    expect(matched.route.response.schema!.safeParse(nested).success).toBe(true);
    expect(schema.safeParse(nested).success).toBe(false);
  });
});

describe('incidents through the API', () => {
  let checkout: ComponentRow;
  let outageId: string;
  let heldId: string;

  beforeAll(async () => {
    checkout = await newComponent('Checkout');
  });

  it('declares with signals only: the classifier chooses the severity and says why', async () => {
    const search = await newComponent('Search');
    tick();
    const signals = ['cpu_above_80', 'payment_failures'] as const;
    const declared = await write(pager, 'POST', '/incidents', {
      body: {
        title: 'Payments failing',
        status: 'investigating',
        message: 'Some payments fail.',
        signals,
        components: [{ componentId: search.id, status: 'degraded_performance' }],
      },
    });
    const expected = classifySeverity(signals, ['degraded_performance']);
    expect(expected).toEqual({ severity: 'critical', reason: 'Critical: payment processing failures' });
    expect(declared).toMatchObject({
      title: 'Payments failing',
      severity: 'critical',
      impact: 'critical',
      suggestedSeverity: 'critical',
      severitySuggestionReason: 'Critical: payment processing failures',
      severityOverrideReason: null,
      status: 'investigating',
      startedAt: clock.now().toISOString(),
      url: `https://status.example.com/incidents/${declared.id}`,
    });
    expect([...declared.severitySignals].sort()).toEqual([...signals].sort());
    expect(declared.updates).toHaveLength(1);
    expect(declared.components).toEqual([{ id: search.id, name: 'Search', status: 'degraded_performance' }]);

    tick();
    const medium = await write(pager, 'POST', '/incidents', {
      body: { title: 'Busy servers', status: 'identified', message: 'CPU is high.', signals: ['cpu_above_80'] },
    });
    expect(medium).toMatchObject({
      severity: 'medium',
      suggestedSeverity: 'medium',
      severitySuggestionReason: 'Medium: CPU over 80 %',
      severityOverrideReason: null,
      status: 'identified',
    });
    expect(medium.customerEmail).toEqual({ state: 'not_required', dueAt: null, sentAt: null, note: null });

    // The classifier's reason is kept with the incident, as when staff declare in the admin.
    const stored = (await getIncidentDetail(context, declared.id))!.incident;
    expect(stored).toMatchObject({
      severity: 'critical',
      suggestedSeverity: 'critical',
      severitySuggestionReason: 'Critical: payment processing failures',
    });
  });

  it('declares High with a component in major outage: the customer email is scheduled exactly as in the admin', async () => {
    tick();
    const body = {
      title: 'Checkout down',
      severity: 'high',
      status: 'investigating',
      message: 'Checkout fails for everyone.',
      components: [{ componentId: checkout.id, status: 'major_outage' }],
    } as const;
    const declared = await write(pager, 'POST', '/incidents', { body });
    outageId = declared.id;
    const startedAt = clock.now();
    const dueAt = new Date(startedAt.getTime() + 300 * SECOND);
    expect(declared).toMatchObject({ severity: 'high', impact: 'major', startedAt: startedAt.toISOString(), status: 'investigating' });
    expect(declared.customerEmail).toEqual({ state: 'scheduled', dueAt: dueAt.toISOString(), sentAt: null, note: null });
    // An outage's first update is not emailed: customers hear through the five-minute rule.
    expect(declared.updates[0]).toMatchObject({ status: 'investigating', body: 'Checkout fails for everyone.', notifySubscribers: false });
    expect(declared.components).toEqual([{ id: checkout.id, name: 'Checkout', status: 'major_outage' }]);
    expect(await statusOf(checkout.id)).toBe('major_outage');
    const [job] = await queuedJobs(handle, 'customer-email', outageId);
    expect(job).toMatchObject({ data: { incidentId: outageId, dueAt: dueAt.toISOString() }, startAfter: dueAt });

    // The same declaration made in the admin (through the service) plans the same.
    const twin = await newComponent('Checkout twin');
    tick();
    const admin = expectOk(
      await declareIncident(context, testActor, { ...body, components: [{ componentId: twin.id, status: 'major_outage' }] }),
    );
    const adminDetail = (await getIncidentDetail(context, admin.id))!;
    const apiDetail = (await getIncidentDetail(context, outageId))!;
    const planOf = (row: typeof admin) => ({
      state: row.customerEmailState,
      delay: row.customerEmailDueAt!.getTime() - row.startedAt.getTime(),
      suggested: row.suggestedSeverity,
      reason: row.severitySuggestionReason,
      override: row.severityOverrideReason,
    });
    expect(planOf(apiDetail.incident)).toEqual(planOf(adminDetail.incident));
    expect(apiDetail.updates.map((update) => update.notifySubscribers)).toEqual(
      adminDetail.updates.map((update) => update.notifySubscribers),
    );
    expect(await planJobs(outageId, apiDetail.incident.startedAt)).toEqual(await planJobs(admin.id, admin.startedAt));
    expect((await planJobs(outageId, apiDetail.incident.startedAt)).customerEmail).toEqual([300 * SECOND]);
  });

  it('posts an update that changes a component', async () => {
    tick();
    const after = await write(pager, 'POST', `/incidents/${outageId}/updates`, {
      body: {
        status: 'identified',
        message: 'A bad deploy; rolling back.',
        components: [{ componentId: checkout.id, status: 'partial_outage' }],
      },
    });
    expect(after.status).toBe('identified');
    expect(after.updates).toHaveLength(2);
    expect(after.updates[0]).toMatchObject({
      status: 'identified',
      body: 'A bad deploy; rolling back.',
      componentChanges: [{ componentId: checkout.id, name: 'Checkout', oldStatus: 'major_outage', newStatus: 'partial_outage' }],
      createdAt: clock.now().toISOString(),
    });
    expect(after.components).toEqual([{ id: checkout.id, name: 'Checkout', status: 'partial_outage' }]);
    expect(await statusOf(checkout.id)).toBe('partial_outage');
  });

  it('changes the severity, and the customer email rule re-runs', async () => {
    tick();
    const lowered = await write(pager, 'POST', `/incidents/${outageId}/severity`, {
      body: { severity: 'medium', severityReason: 'Only some cards fail.' },
    });
    expect(lowered).toMatchObject({
      severity: 'medium',
      impact: 'minor',
      severityOverrideReason: 'Only some cards fail.',
      title: 'Checkout down',
    });
    expect(lowered.customerEmail.state).toBe('cancelled');

    tick();
    const raised = await write(pager, 'POST', `/incidents/${outageId}/severity`, {
      body: { severity: 'critical', severityReason: 'All cards fail again.' },
    });
    expect(raised).toMatchObject({ severity: 'critical', severityOverrideReason: 'All cards fail again.' });
    expect(raised.customerEmail.state).toBe('scheduled');
  });

  it('sends the customer email now', async () => {
    tick();
    const sent = await write(pager, 'POST', `/incidents/${outageId}/customer-email/send`);
    expect(sent.customerEmail).toEqual({
      state: 'sent',
      dueAt: expect.any(String),
      sentAt: clock.now().toISOString(),
      note: 'sent by API key "pager"',
    });
    // The latest update went to subscribers with it.
    expect(sent.updates[0].notifySubscribers).toBe(true);
  });

  it('holds the customer email, with a reason', async () => {
    const billing = await newComponent('Billing');
    tick();
    const declared = await write(pager, 'POST', '/incidents', {
      body: {
        title: 'Invoices wrong',
        severity: 'high',
        status: 'identified',
        message: 'Some invoices show wrong totals.',
        components: [{ componentId: billing.id, status: 'partial_outage' }],
      },
    });
    heldId = declared.id;
    expect(declared.customerEmail.state).toBe('scheduled');
    tick();
    const held = await write(pager, 'POST', `/incidents/${heldId}/customer-email/hold`, {
      body: { holdReason: 'Legal reviews the wording first.' },
    });
    expect(held.customerEmail).toMatchObject({ state: 'held', note: 'held by API key "pager": Legal reviews the wording first.' });
  });

  it('refuses a post-mortem before the incident is resolved', async () => {
    const before = await tableCounts();
    expectFieldError(await pager.client.call('POST', `/incidents/${heldId}/postmortem`, { body: { body: 'Too early.' } }), 'body');
    expect(await tableCounts()).toEqual(before);
  });

  it('resolves: the components return to operational', async () => {
    tick();
    const resolved = await write(pager, 'POST', `/incidents/${outageId}/resolve`, { body: { message: 'Checkout works again.' } });
    expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: clock.now().toISOString() });
    expect(resolved.updates[0]).toMatchObject({
      status: 'resolved',
      body: 'Checkout works again.',
      componentChanges: [{ componentId: checkout.id, oldStatus: 'partial_outage', newStatus: 'operational' }],
    });
    expect(resolved.components).toEqual([{ id: checkout.id, name: 'Checkout', status: 'operational' }]);
    expect(await statusOf(checkout.id)).toBe('operational');
    const read_ = await read(dashboard, 'GET', `/components/${checkout.id}`);
    expect(read_.status).toBe('operational');
  });

  it('publishes a post-mortem after resolving', async () => {
    tick();
    const published = await write(pager, 'POST', `/incidents/${outageId}/postmortem`, {
      body: { body: '## What happened\n\nA deploy broke checkout.' },
    });
    expect(published).toMatchObject({ status: 'postmortem', postmortemPublishedAt: clock.now().toISOString() });
    expect(published.updates[0]).toMatchObject({ status: 'postmortem', body: 'A post-mortem has been published.' });
  });

  it('lists and reads incidents', async () => {
    const open = await read(dashboard, 'GET', '/incidents', { query: { state: 'open' } });
    expect(open.data.map((item: { id: string }) => item.id)).toContain(heldId);
    expect(open.data.map((item: { id: string }) => item.id)).not.toContain(outageId);
    expect(open.data.every((item: { updates?: unknown }) => item.updates === undefined)).toBe(true);
    const all = await read(dashboard, 'GET', '/incidents');
    expect(all).toMatchObject({ page: 1, total: all.data.length });
    const one = await read(dashboard, 'GET', `/incidents/${outageId}`);
    expect(one.updates.map((update: { status: string }) => update.status)).toEqual([
      'postmortem',
      'resolved',
      'identified',
      'investigating',
    ]);
  });
});

describe('components and groups through the API', () => {
  let searchId: string;
  let groupId: string;

  it('creates a component', async () => {
    tick();
    const created = await write(deployBot, 'POST', '/components', {
      body: { name: 'Search', description: 'Full-text search', onlyShowIfDegraded: true },
    });
    searchId = created.id;
    expect(created).toMatchObject({
      name: 'Search',
      description: 'Full-text search',
      status: 'operational',
      groupId: null,
      hidden: false,
      onlyShowIfDegraded: true,
      startDate: null,
      createdAt: clock.now().toISOString(),
    });
  });

  it('changes a component: fields left out keep their values', async () => {
    tick();
    const renamed = await write(deployBot, 'PATCH', `/components/${searchId}`, { body: { name: 'Search API' } });
    expect(renamed).toMatchObject({
      name: 'Search API',
      description: 'Full-text search',
      onlyShowIfDegraded: true,
      hidden: false,
      groupId: null,
      updatedAt: clock.now().toISOString(),
    });
    tick();
    const dated = await write(deployBot, 'PATCH', `/components/${searchId}`, { body: { startDate: '2026-01-31', hidden: true } });
    expect(dated).toMatchObject({
      name: 'Search API',
      description: 'Full-text search',
      onlyShowIfDegraded: true,
      hidden: true,
      startDate: '2026-01-31',
    });
  });

  it('creates and changes a group: fields left out keep their values', async () => {
    tick();
    const created = await write(deployBot, 'POST', '/groups', { body: { name: 'Platform', description: 'Core services' } });
    groupId = created.id;
    expect(created).toMatchObject({ name: 'Platform', description: 'Core services', hidden: false, componentIds: [] });

    tick();
    const moved = await write(deployBot, 'PATCH', `/components/${searchId}`, { body: { groupId } });
    expect(moved).toMatchObject({ groupId, name: 'Search API', description: 'Full-text search' });

    tick();
    const hidden = await write(deployBot, 'PATCH', `/groups/${groupId}`, { body: { hidden: true } });
    expect(hidden).toMatchObject({ id: groupId, name: 'Platform', description: 'Core services', hidden: true, componentIds: [searchId] });

    const groups = await read(dashboard, 'GET', '/groups');
    expect(groups.data).toContainEqual(expect.objectContaining({ id: groupId, componentIds: [searchId] }));
  });

  it("sets a component's status", async () => {
    tick();
    const degraded = await write(pager, 'POST', `/components/${searchId}/status`, { body: { status: 'degraded_performance' } });
    expect(degraded).toMatchObject({ id: searchId, status: 'degraded_performance' });
    expect(await statusOf(searchId)).toBe('degraded_performance');
    const listed = await read(dashboard, 'GET', '/components');
    expect(listed.data).toContainEqual(expect.objectContaining({ id: searchId, status: 'degraded_performance', groupId }));
    tick();
    await write(pager, 'POST', `/components/${searchId}/status`, { body: { status: 'operational' } });
  });
});

describe('maintenance through the API', () => {
  let database: ComponentRow;
  let maintenanceId: string;
  let series: { id: string }[];

  beforeAll(async () => {
    database = await newComponent('Database');
  });

  it('schedules a window given in a time zone, answering the created list', async () => {
    tick();
    const created = await write(pager, 'POST', '/maintenances', {
      body: {
        title: 'Database upgrade',
        description: 'Writes pause for a minute.',
        components: [database.id],
        startsAt: '2026-03-20T02:00',
        endsAt: '2026-03-20T04:00',
        timeZone: 'Europe/Paris',
      },
    });
    expect(created.data).toHaveLength(1);
    const [window] = created.data;
    maintenanceId = window.id;
    expect(window).toMatchObject({
      title: 'Database upgrade',
      status: 'scheduled',
      // 02:00 in Paris is 01:00 UTC in March, before summer time.
      scheduledFor: '2026-03-20T01:00:00.000Z',
      scheduledUntil: '2026-03-20T03:00:00.000Z',
      timeZone: 'Europe/Paris',
      setsUnderMaintenance: true,
      seriesId: null,
      components: [{ id: database.id, name: 'Database', status: 'operational' }],
      url: `https://status.example.com/maintenance/${window.id}`,
    });
    expect(window.updates).toBeUndefined();
  });

  it('schedules a weekly series: every occurrence is in the answer', async () => {
    tick();
    const created = await write(pager, 'POST', '/maintenances', {
      body: {
        title: 'Weekly patching',
        description: 'Rolling restarts.',
        components: [],
        startsAt: '2026-03-20T02:00',
        endsAt: '2026-03-20T03:00',
        timeZone: 'Europe/Paris',
        recurrence: 'weekly',
        weekdays: [5],
        recurrenceEnd: 'count',
        occurrences: 3,
      },
    });
    series = created.data;
    // Wall-clock 02:00 in Paris each Friday, across the change to summer time on 29 March.
    expect(created.data.map((item: { scheduledFor: string }) => item.scheduledFor)).toEqual([
      '2026-03-20T01:00:00.000Z',
      '2026-03-27T01:00:00.000Z',
      '2026-04-03T00:00:00.000Z',
    ]);
    expect(new Set(created.data.map((item: { seriesId: string | null }) => item.seriesId)).size).toBe(1);
    expect(created.data[0].seriesId).not.toBeNull();
  });

  it('changes a maintenance: fields left out keep their values, and new times post a "Rescheduled" update', async () => {
    tick();
    const retitled = await write(pager, 'PATCH', `/maintenances/${maintenanceId}`, { body: { title: 'PostgreSQL upgrade' } });
    expect(retitled).toMatchObject({
      title: 'PostgreSQL upgrade',
      description: 'Writes pause for a minute.',
      scheduledFor: '2026-03-20T01:00:00.000Z',
      scheduledUntil: '2026-03-20T03:00:00.000Z',
      timeZone: 'Europe/Paris',
      components: [{ id: database.id }],
    });
    expect(retitled.updates).toHaveLength(1);

    tick();
    const moved = await write(pager, 'PATCH', `/maintenances/${maintenanceId}`, {
      body: { startsAt: '2026-03-21T02:00', endsAt: '2026-03-21T05:00' },
    });
    expect(moved).toMatchObject({
      title: 'PostgreSQL upgrade',
      scheduledFor: '2026-03-21T01:00:00.000Z',
      scheduledUntil: '2026-03-21T04:00:00.000Z',
      status: 'scheduled',
    });
    expect(moved.updates).toHaveLength(2);
    expect(moved.updates[0].body).toMatch(/^Rescheduled to /);
    const [audit] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, maintenanceId), eq(auditLog.action, 'maintenance.reschedule')));
    expect(audit?.actorLabel).toBe('API key "pager"');

    // Changing only the zone keeps the instants: it is not a move.
    tick();
    const rezoned = await write(pager, 'PATCH', `/maintenances/${maintenanceId}`, { body: { timeZone: 'America/New_York' } });
    expect(rezoned).toMatchObject({
      timeZone: 'America/New_York',
      scheduledFor: '2026-03-21T01:00:00.000Z',
      scheduledUntil: '2026-03-21T04:00:00.000Z',
    });
    expect(rezoned.updates).toHaveLength(2);
  });

  it('starts, then completes a maintenance', async () => {
    tick();
    const started = await write(pager, 'POST', `/maintenances/${maintenanceId}/start`, { body: {} });
    expect(started).toMatchObject({ status: 'in_progress', startedAt: clock.now().toISOString() });
    expect(started.updates[0]).toMatchObject({ status: 'in_progress', body: 'The scheduled maintenance has started.' });
    expect(await statusOf(database.id)).toBe('under_maintenance');

    tick();
    const completed = await write(pager, 'POST', `/maintenances/${maintenanceId}/complete`, {
      body: { message: 'Upgraded to 17.', notifySubscribers: false },
    });
    expect(completed).toMatchObject({ status: 'completed', completedAt: clock.now().toISOString() });
    expect(completed.updates[0]).toMatchObject({ status: 'completed', body: 'Upgraded to 17.', notifySubscribers: false });
    expect(await statusOf(database.id)).toBe('operational');
  });

  it('cancels a maintenance', async () => {
    tick();
    const cancelled = await write(pager, 'POST', `/maintenances/${series[1]!.id}/cancel`, { body: { message: 'Not needed this week.' } });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelledAt: clock.now().toISOString() });
    expect(cancelled.updates[0]).toMatchObject({ status: 'cancelled', body: 'Not needed this week.' });
  });

  it('lists and reads maintenances', async () => {
    const upcoming = await read(dashboard, 'GET', '/maintenances', { query: { state: 'upcoming' } });
    const ids = upcoming.data.map((item: { id: string }) => item.id);
    expect(ids).toContain(series[0]!.id);
    expect(ids).not.toContain(series[1]!.id);
    const past = await read(dashboard, 'GET', '/maintenances', { query: { state: 'past' } });
    expect(past.data.map((item: { id: string }) => item.id)).toContain(maintenanceId);
    const one = await read(dashboard, 'GET', `/maintenances/${maintenanceId}`);
    expect(one.updates.map((update: { status: string }) => update.status)).toEqual(['completed', 'in_progress', 'scheduled', 'scheduled']);
  });
});

describe('subscribers through the API', () => {
  it('adds, lists and removes a subscriber', async () => {
    const chosen = await newComponent('Status API');
    tick();
    const added = await write(deployBot, 'POST', '/subscribers', { body: { email: 'Reader@Example.com', componentIds: [chosen.id] } });
    expect(added).toMatchObject({
      email: 'reader@example.com',
      state: 'confirmed',
      source: 'admin',
      componentIds: [chosen.id],
      createdAt: clock.now().toISOString(),
      confirmedAt: clock.now().toISOString(),
    });

    const listed = await read(deployBot, 'GET', '/subscribers', { query: { search: 'reader' } });
    expect(listed).toMatchObject({ total: 1, page: 1 });
    expect(listed.data).toEqual([added]);

    tick();
    const removed = await write(deployBot, 'DELETE', `/subscribers/${added.id}`);
    expect(removed).toBeNull();
    expect(await read(deployBot, 'GET', '/subscribers', { query: { search: 'reader' } })).toMatchObject({ total: 0, data: [] });
    expectProblem(await deployBot.client.call('DELETE', `/subscribers/${added.id}`), 404);
  });
});

describe('settings through the API', () => {
  it('reads and changes the page settings: fields left out keep their values', async () => {
    const page = await read(dashboard, 'GET', '/settings/page');
    expect(page).toEqual({ name: 'Herald', description: null, timeZone: 'UTC', upcomingMaintenanceDays: 7 });
    tick();
    const renamed = await write(deployBot, 'PATCH', '/settings/page', { body: { name: 'Acme Status' } });
    expect(renamed).toEqual({ ...page, name: 'Acme Status' });
    tick();
    const zoned = await write(deployBot, 'PATCH', '/settings/page', { body: { timeZone: 'Europe/Paris', description: 'Our services' } });
    expect(zoned).toEqual({ name: 'Acme Status', description: 'Our services', timeZone: 'Europe/Paris', upcomingMaintenanceDays: 7 });
  });

  it('changes the customer-email delay, and a later declaration schedules by it', async () => {
    const policy = await read(dashboard, 'GET', '/settings/communication');
    expect(policy.customerEmailDelaySeconds).toBe(300);
    tick();
    const changed = await write(deployBot, 'PATCH', '/settings/communication', { body: { customerEmailDelaySeconds: 900 } });
    expect(changed).toEqual({ ...policy, customerEmailDelaySeconds: 900 });
    expect(await read(dashboard, 'GET', '/settings/communication')).toEqual(changed);

    const storage = await newComponent('Storage');
    tick();
    const declared = await write(pager, 'POST', '/incidents', {
      body: {
        title: 'Storage slow',
        severity: 'high',
        status: 'investigating',
        message: 'Uploads time out.',
        components: [{ componentId: storage.id, status: 'partial_outage' }],
      },
    });
    expect(declared.customerEmail).toMatchObject({
      state: 'scheduled',
      dueAt: new Date(clock.now().getTime() + 900 * SECOND).toISOString(),
    });
    expect((await planJobs(declared.id, new Date(declared.startedAt))).customerEmail).toEqual([900 * SECOND]);

    tick();
    await write(pager, 'POST', `/incidents/${declared.id}/resolve`, { body: { message: 'Fixed.' } });
    tick();
    expect(await write(deployBot, 'PATCH', '/settings/communication', { body: { customerEmailDelaySeconds: 300 } })).toEqual(policy);
  });
});

describe('the audit log', () => {
  it('names the key for each write it made: API key "<name>"', async () => {
    const actionsOf = async (label: string) =>
      new Set((await handle.db.select().from(auditLog).where(eq(auditLog.actorLabel, label))).map((row) => row.action));
    const pagerActions = await actionsOf('API key "pager"');
    for (const action of [
      'incident.declare',
      'incident.update',
      'incident.severity',
      'incident.customer_email_send_now',
      'incident.customer_email_hold',
      'incident.resolve',
      'incident.postmortem_publish',
      'component.status',
      'maintenance.schedule',
      'maintenance.edit',
      'maintenance.reschedule',
      'maintenance.start',
      'maintenance.complete',
      'maintenance.cancel',
    ]) {
      expect(pagerActions, action).toContain(action);
    }
    const botActions = await actionsOf('API key "deploy-bot"');
    for (const action of [
      'component.create',
      'component.update',
      'group.create',
      'group.update',
      'subscriber.add',
      'subscriber.remove',
      'settings.page',
      'settings.communication',
    ]) {
      expect(botActions, action).toContain(action);
    }
    expect(await actionsOf('API key "dashboard"')).toEqual(new Set());
  });
});

describe('validation and errors', () => {
  const declareBody = (fields: Record<string, unknown>) => ({
    title: 'Refused',
    severity: 'high',
    status: 'investigating',
    message: 'Nothing happens.',
    ...fields,
  });

  it('names a wrong field of a nested list (components.0.status) and writes nothing', async () => {
    const target = await newComponent('Refusal target');
    const before = await tableCounts();
    const answer = await pager.client.call('POST', '/incidents', {
      body: declareBody({ components: [{ componentId: target.id, status: 'on_fire' }] }),
    });
    expectFieldError(answer, 'components.0.status');
    expect(await tableCounts()).toEqual(before);
    expect(await statusOf(target.id)).toBe('operational');
  });

  it('names a wrong severity', async () => {
    const before = await tableCounts();
    const document = expectFieldError(
      await pager.client.call('POST', '/incidents', { body: declareBody({ severity: 'apocalyptic' }) }),
      'severity',
    );
    expect(document.errors).toHaveLength(1);
    expect(document.detail).toContain('severity');
    expect(await tableCounts()).toEqual(before);
  });

  it('names a wrong endsAt of a maintenance', async () => {
    const before = await tableCounts();
    const answer = await pager.client.call('POST', '/maintenances', {
      body: { title: 'Refused', description: 'Nothing happens.', startsAt: '2026-04-20T02:00', endsAt: 'after lunch', timeZone: 'UTC' },
    });
    expectFieldError(answer, 'endsAt');
    expect(await tableCounts()).toEqual(before);
  });

  it('names a wrong customerEmailDelaySeconds and keeps the policy', async () => {
    const policy = await read(dashboard, 'GET', '/settings/communication');
    const before = await tableCounts();
    expectFieldError(
      await deployBot.client.call('PATCH', '/settings/communication', { body: { customerEmailDelaySeconds: -5 } }),
      'customerEmailDelaySeconds',
    );
    expectFieldError(
      await deployBot.client.call('PATCH', '/settings/communication', { body: { customerEmailDelaySeconds: 'soon' } }),
      'customerEmailDelaySeconds',
    );
    expect(await tableCounts()).toEqual(before);
    expect(await read(dashboard, 'GET', '/settings/communication')).toEqual(policy);
  });

  it('names a wrong field of a PATCH and keeps the stored values', async () => {
    const target = await newComponent('Unchanged');
    const before = await tableCounts();
    expectFieldError(await deployBot.client.call('PATCH', `/components/${target.id}`, { body: { name: '   ' } }), 'name');
    expect((await getComponent(context, target.id))!.name).toBe('Unchanged');
    expect(await tableCounts()).toEqual(before);
  });

  it('names an unknown groupId as a wrong field, like other unknown references', async () => {
    // Unknown components are 422s naming the field (components.0.componentId, componentIds); a group should be too.
    const target = await newComponent('Ungrouped');
    const before = await tableCounts();
    expectFieldError(
      await pager.client.call('POST', '/incidents', {
        body: declareBody({ components: [{ componentId: 'nosuchcomponent', status: 'major_outage' }] }),
      }),
      'components.0.componentId',
    );
    expectFieldError(
      await deployBot.client.call('POST', '/subscribers', { body: { email: 'nobody@example.com', componentIds: ['nosuchcomponent'] } }),
      'componentIds',
    );
    expectFieldError(await deployBot.client.call('POST', '/components', { body: { name: 'Orphan', groupId: 'nosuchgroup' } }), 'groupId');
    expectFieldError(await deployBot.client.call('PATCH', `/components/${target.id}`, { body: { groupId: 'nosuchgroup' } }), 'groupId');
    expect(await tableCounts()).toEqual(before);
  });

  it('names a wrong query parameter', async () => {
    expectFieldError(await dashboard.client.call('GET', '/incidents', { query: { state: 'sideways' } }), 'state');
    expectFieldError(await dashboard.client.call('GET', '/maintenances', { query: { page: 0 } }), 'page');
  });

  it('refuses a body not sent as JSON with 415', async () => {
    const before = await tableCounts();
    expectProblem(
      await pager.client.call('POST', '/incidents', {
        body: 'title=Refused',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
    expectProblem(
      await pager.client.call('POST', '/incidents', { body: JSON.stringify(declareBody({})), headers: { 'content-type': 'text/plain' } }),
      415,
    );
    expect(await tableCounts()).toEqual(before);
  });

  it('refuses invalid JSON and a body that is not an object with 400', async () => {
    const before = await tableCounts();
    const json = { 'content-type': 'application/json' };
    expectProblem(await pager.client.call('POST', '/incidents', { body: '{"title": "Refused",', headers: json }), 400);
    expectProblem(await pager.client.call('POST', '/incidents', { body: [declareBody({})] }), 400);
    expectProblem(await pager.client.call('POST', '/incidents', { body: '"a string"', headers: json }), 400);
    expectProblem(await pager.client.call('POST', '/incidents', { body: 'null', headers: json }), 400);
    expect(await tableCounts()).toEqual(before);
  });

  it('answers 404 for an unknown route', async () => {
    expectProblem(await dashboard.client.call('GET', '/nothing-here'), 404);
    expectProblem(await dashboard.client.call('GET', '/components/abc/extra'), 404);
    expectProblem(await dashboard.client.call('GET', '/incidents/NOT-AN-ID'), 404);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const answer = await pager.client.call('DELETE', '/incidents');
    expectProblem(answer, 405);
    expect(answer.headers.get('allow')?.split(/,\s*/).sort()).toEqual(['GET', 'POST']);
    const onOne = await deployBot.client.call('PUT', '/components/abcdef', { body: { name: 'x' } });
    expectProblem(onOne, 405);
    expect(onOne.headers.get('allow')?.split(/,\s*/).sort()).toEqual(['GET', 'PATCH']);
  });

  it('answers 404 for an unknown id', async () => {
    const before = await tableCounts();
    expectProblem(await dashboard.client.call('GET', '/incidents/nosuchincident'), 404);
    expectProblem(await dashboard.client.call('GET', '/components/nosuchcomponent'), 404);
    expectProblem(await dashboard.client.call('GET', '/maintenances/nosuchmaintenance'), 404);
    expectProblem(
      await pager.client.call('POST', '/incidents/nosuchincident/updates', { body: { status: 'identified', message: 'Hello?' } }),
      404,
    );
    expectProblem(await pager.client.call('POST', '/incidents/nosuchincident/severity', { body: { severity: 'low' } }), 404);
    expectProblem(await pager.client.call('POST', '/components/nosuchcomponent/status', { body: { status: 'operational' } }), 404);
    expectProblem(await pager.client.call('POST', '/maintenances/nosuchmaintenance/start', { body: {} }), 404);
    expectProblem(await deployBot.client.call('PATCH', '/groups/nosuchgroup', { body: { name: 'x' } }), 404);
    expectProblem(await deployBot.client.call('DELETE', '/subscribers/nosuchsubscriber'), 404);
    expect(await tableCounts()).toEqual(before);
  });

  it('answers 409 for an action its state does not allow: completing a scheduled maintenance', async () => {
    tick();
    const [scheduled] = (
      await write(pager, 'POST', '/maintenances', {
        body: { title: 'Not yet', description: 'Later.', startsAt: '2026-04-20T02:00', endsAt: '2026-04-20T03:00', timeZone: 'UTC' },
      })
    ).data;
    const before = await tableCounts();
    const document = expectProblem(await pager.client.call('POST', `/maintenances/${scheduled.id}/complete`, { body: {} }), 409);
    expect(document.detail).toContain('scheduled');
    expect(await tableCounts()).toEqual(before);
    expect((await read(dashboard, 'GET', `/maintenances/${scheduled.id}`)).status).toBe('scheduled');
  });
});

describe('idempotent retries', () => {
  const declareBody = (title: string) => ({ title, severity: 'low', status: 'investigating', message: 'Looking into it.' });
  const keyed = (key: string, body: unknown): CallOptions => ({ body, headers: { 'idempotency-key': key } });

  it('answers a retry with the first answer, byte for byte, without declaring again', async () => {
    tick();
    const first = await pager.client.call('POST', '/incidents', keyed('deploy-4711', declareBody('Retried once')));
    expectDocumented('POST', '/incidents', first);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    tick();
    const again = await pager.client.call('POST', '/incidents', keyed('deploy-4711', declareBody('Retried once')));
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await incidentsTitled('Retried once')).toBe(1);
  });

  it('refuses the same key with another body: 422', async () => {
    const before = await tableCounts();
    const answer = await pager.client.call('POST', '/incidents', keyed('deploy-4711', declareBody('Something else')));
    expectProblem(answer, 422);
    expect(await tableCounts()).toEqual(before);
    expect(await incidentsTitled('Something else')).toBe(0);
  });

  it('acts once for two concurrent identical requests', async () => {
    tick();
    const answers = await Promise.all([
      pager.client.call('POST', '/incidents', keyed('concurrent-1', declareBody('Raced'))),
      pager.client.call('POST', '/incidents', keyed('concurrent-1', declareBody('Raced'))),
    ]);
    expect(await incidentsTitled('Raced')).toBe(1);
    const fresh = answers.filter((answer) => answer.status === 201 && answer.headers.get('idempotent-replayed') === null);
    expect(fresh).toHaveLength(1);
    const other = answers.find((answer) => answer !== fresh[0])!;
    if (other.status === 409) {
      expectProblem(other, 409);
    } else {
      expect(other.status).toBe(201);
      expect(other.headers.get('idempotent-replayed')).toBe('true');
      expect(other.text).toBe(fresh[0]!.text);
    }
    // Afterwards, a retry gets the answer.
    const retry = await pager.client.call('POST', '/incidents', keyed('concurrent-1', declareBody('Raced')));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.text).toBe(fresh[0]!.text);
  });

  it('replays a refused (422) request as it was answered', async () => {
    const before = await tableCounts();
    const body = { ...declareBody('Refused twice'), severity: 'enormous' };
    const first = await pager.client.call('POST', '/incidents', keyed('bad-1', body));
    expectFieldError(first, 'severity');
    const again = await pager.client.call('POST', '/incidents', keyed('bad-1', body));
    expectFieldError(again, 'severity');
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // Only the claim of the key is stored; no incident, no audit row.
    const after = await tableCounts();
    expect(after).toEqual(before);
  });

  it('keeps the keys of different API keys apart', async () => {
    tick();
    const other = await newKey('release-script', 'responder');
    const mine = await pager.client.call('POST', '/incidents', keyed('shared-name', declareBody('Two keys')));
    const theirs = await other.client.call('POST', '/incidents', keyed('shared-name', declareBody('Two keys')));
    expectDocumented('POST', '/incidents', mine);
    expectDocumented('POST', '/incidents', theirs);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.json.id).not.toBe(mine.json.id);
    expect(await incidentsTitled('Two keys')).toBe(2);
    const [stored] = await handle.db.select({ value: count() }).from(idempotentRequest).where(eq(idempotentRequest.key, 'shared-name'));
    expect(stored?.value).toBe(2);
  });

  it('lets a key older than 24 hours be used again', async () => {
    tick();
    const first = await pager.client.call('POST', '/incidents', keyed('nightly', declareBody('Nightly one')));
    expectDocumented('POST', '/incidents', first);
    tick(23 * HOUR);
    expectProblem(await pager.client.call('POST', '/incidents', keyed('nightly', declareBody('Nightly two'))), 422);
    tick(HOUR + SECOND);
    const later = await pager.client.call('POST', '/incidents', keyed('nightly', declareBody('Nightly two')));
    expectDocumented('POST', '/incidents', later);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.json.id).not.toBe(first.json.id);
    const retry = await pager.client.call('POST', '/incidents', keyed('nightly', declareBody('Nightly two')));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.text).toBe(later.text);
    expect(await incidentsTitled('Nightly one')).toBe(1);
    expect(await incidentsTitled('Nightly two')).toBe(1);
  });
});

describe('rate limits', () => {
  it('allows a key its limit a minute, says so in RateLimit-* headers, then answers 429 until the minute is over', async () => {
    tick();
    const limited = await newKey('ci-limited', 'viewer', 3);
    const remaining: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const answer = await limited.client.call('GET', '/components');
      expectDocumented('GET', '/components', answer);
      expect(answer.headers.get('ratelimit-limit')).toBe('3');
      expect(answer.headers.get('ratelimit-policy')).toBe('3;w=60');
      const reset = Number(answer.headers.get('ratelimit-reset'));
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
      remaining.push(answer.headers.get('ratelimit-remaining')!);
      tick(5 * SECOND);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await limited.client.call('GET', '/components');
    expectProblem(refused, 429);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-limit')).toBe('3');
    const retryAfter = Number(refused.headers.get('retry-after'));
    // The window began 15 s ago.
    expect(retryAfter).toBe(45);
    expect(refused.headers.get('ratelimit-reset')).toBe('45');

    // Limits are per key: another key is not held back.
    const other = await newKey('ci-other', 'viewer', 3);
    expectDocumented('GET', '/components', await other.client.call('GET', '/components'));

    // A write past the limit does nothing.
    const limitedWriter = await newKey('ci-writer', 'admin', 1);
    tick();
    expectDocumented('GET', '/groups', await limitedWriter.client.call('GET', '/groups'));
    const before = await tableCounts();
    expectProblem(await limitedWriter.client.call('POST', '/components', { body: { name: 'Too many' } }), 429);
    expect(await tableCounts()).toEqual(before);

    tick(retryAfter * SECOND);
    const again = await limited.client.call('GET', '/components');
    expectDocumented('GET', '/components', again);
    expect(again.headers.get('ratelimit-remaining')).toBe('2');
  });

  it('sends RateLimit-* headers with every normal answer', async () => {
    const answer = await dashboard.client.call('GET', '/settings/page');
    expectDocumented('GET', '/settings/page', answer);
    expect(answer.headers.get('ratelimit-limit')).toBe('100000');
    expect(Number(answer.headers.get('ratelimit-remaining'))).toBeLessThan(100000);
    expect(Number(answer.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    // Errors after admission carry them too.
    const refused = await dashboard.client.call('POST', '/incidents', { body: {} });
    expectProblem(refused, 403);
    expect(refused.headers.get('ratelimit-limit')).toBe('100000');
    const invalid = await pager.client.call('POST', '/incidents', { body: {} });
    expectProblem(invalid, 422);
    expect(invalid.headers.get('ratelimit-remaining')).not.toBeNull();
  });
});
