/**
 * The public JSON API (Statuspage v2) through the real services and the endpoint handlers of
 * src/pages/api/v2, called with a minimal APIContext: what each endpoint lists, what it never
 * shows (hidden components, cancelled maintenances), the 50 cap, `summary` equal to its parts,
 * text that survives JSON intact, and the HTTP around it (ETag, 304, CORS, caching, HEAD,
 * OPTIONS, no cookies).
 */
import { invalidatePublicReads } from '../../src/lib/server/public-cache';
import type { APIContext, APIRoute } from 'astro';
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  ComponentsBody,
  IncidentsBody,
  MaintenancesBody,
  StatusBody,
  StatuspageComponent,
  StatuspageIncident,
  StatuspageMaintenance,
  SummaryBody,
} from '../../src/lib/domain/statuspage';
import type { ComponentRow, IncidentRow, MaintenanceRow } from '../../src/lib/server/db/schema';
import { createComponent, createGroup, setComponentStatus } from '../../src/lib/server/services/components/catalog';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import {
  cancelMaintenance,
  markMaintenanceVerifying,
  startMaintenanceNow,
} from '../../src/lib/server/services/maintenance/maintenance-action-commands';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { getPageId, updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { loadCurrentState, statusApiBody } from '../../src/lib/server/services/public/status-api';
import { ifNoneMatchMatches } from '../../src/lib/domain/http-caching';
import { entityTagOf } from '../../src/lib/server/edge/stored-response';
import { STATUS_API_CACHE_CONTROL } from '../../src/lib/server/status-api-response';
import * as componentsRoute from '../../src/pages/api/v2/components.json';
import * as incidentsRoute from '../../src/pages/api/v2/incidents.json';
import * as unresolvedRoute from '../../src/pages/api/v2/incidents/unresolved.json';
import * as maintenancesRoute from '../../src/pages/api/v2/scheduled-maintenances.json';
import * as activeRoute from '../../src/pages/api/v2/scheduled-maintenances/active.json';
import * as upcomingRoute from '../../src/pages/api/v2/scheduled-maintenances/upcoming.json';
import * as statusRoute from '../../src/pages/api/v2/status.json';
import * as summaryRoute from '../../src/pages/api/v2/summary.json';
import { DAY, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const PUBLIC_URL = 'https://status.example.test';
const { clock, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

beforeAll(async () => {
  // Read once by config(), on the first request: the shortlinks and page.url come from it.
  process.env.PUBLIC_URL = PUBLIC_URL;
});

// ------------------------------------------------------------------------------------------------
// Calling the endpoints as Astro would.

interface Route {
  GET: APIRoute;
  HEAD: APIRoute;
  OPTIONS: APIRoute;
}
const routes = {
  'summary.json': summaryRoute,
  'status.json': statusRoute,
  'components.json': componentsRoute,
  'incidents.json': incidentsRoute,
  'incidents/unresolved.json': unresolvedRoute,
  'scheduled-maintenances.json': maintenancesRoute,
  'scheduled-maintenances/upcoming.json': upcomingRoute,
  'scheduled-maintenances/active.json': activeRoute,
} satisfies Record<string, Route>;
type Path = keyof typeof routes;
const paths = Object.keys(routes) as Path[];

/**
 * Calls an endpoint as a request would. The tests write through services, not HTTP, so nothing
 * clears the public read cache for them: each call starts from a clear one.
 */
async function call(path: Path, init: RequestInit = {}): Promise<Response> {
  invalidatePublicReads();
  const request = new Request(`${PUBLIC_URL}/api/v2/${path}`, init);
  const method = (init.method ?? 'GET') as 'GET' | 'HEAD' | 'OPTIONS';
  const fakeContext = { request, url: new URL(request.url), locals: { context } } as unknown as APIContext;
  return routes[path][method](fakeContext);
}

async function getJson<T>(path: Path): Promise<T> {
  const response = await call(path);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

const summary = () => getJson<SummaryBody>('summary.json');
const unresolved = () => getJson<IncidentsBody>('incidents/unresolved.json');
const incidents = () => getJson<IncidentsBody>('incidents.json');
const upcoming = () => getJson<MaintenancesBody>('scheduled-maintenances/upcoming.json');
const active = () => getJson<MaintenancesBody>('scheduled-maintenances/active.json');
const maintenances = () => getJson<MaintenancesBody>('scheduled-maintenances.json');
const components = () => getJson<ComponentsBody>('components.json');
const status = () => getJson<StatusBody>('status.json');

/** Every endpoint's body as text, for "never appears anywhere" checks. */
async function everything(): Promise<string> {
  const texts = await Promise.all(paths.map(async (path) => (await call(path)).text()));
  return texts.join('\n');
}

const ids = (items: readonly { id: string }[]) => items.map((item) => item.id);
const local = (time: Date) => time.toISOString().slice(0, 16);

// ------------------------------------------------------------------------------------------------

describe('an empty page', () => {
  it('every endpoint answers, with [] for its empty lists', async () => {
    const body = await summary();
    expect(Object.keys(body)).toEqual(['page', 'components', 'incidents', 'scheduled_maintenances', 'status']);
    expect(body.components).toEqual([]);
    expect(body.incidents).toEqual([]);
    expect(body.scheduled_maintenances).toEqual([]);
    expect(body.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect((await components()).components).toEqual([]);
    expect((await incidents()).incidents).toEqual([]);
    expect((await unresolved()).incidents).toEqual([]);
    expect((await maintenances()).scheduled_maintenances).toEqual([]);
    expect((await upcoming()).scheduled_maintenances).toEqual([]);
    expect((await active()).scheduled_maintenances).toEqual([]);
  });

  it('the page object: id, name, URL and time zone from settings, updated_at from the install', async () => {
    const { page } = await status();
    expect(page).toEqual({
      id: await getPageId(context),
      name: 'Herald',
      url: PUBLIC_URL,
      time_zone: 'UTC',
      updated_at: expect.stringMatching(/Z$/),
    });
    expect(page.id).toMatch(/^[0-9a-f]{12}$/);
  });
});

let core: { id: string };
let hiddenGroup: { id: string };
let api: ComponentRow;
let worker: ComponentRow;
let edge: ComponentRow;
let flaky: ComponentRow;
let secret: ComponentRow;
let internalDb: ComponentRow;
let outage: IncidentRow;
let old: IncidentRow;
let planned: MaintenanceRow;
let farAway: MaintenanceRow;
let running: MaintenanceRow;
let cancelled: MaintenanceRow;
let backfilled: MaintenanceRow;

const NASTY = `<script>alert("pwn")</script> it's "quoted" ]]> &amp; 🚨🔥👩🏽‍💻 مرحبا بالعالم שלום \u202Eevil\u202C \\ end`;

describe('a page with components, incidents and maintenances', () => {
  it('is set up through the services', async () => {
    expectOk(
      await updatePageSettings(context, testActor, {
        name: 'Acme Cloud',
        description: 'Acme status',
        timeZone: 'UTC',
        upcomingMaintenanceDays: 7,
      }),
    );
    clock.advance(MINUTE);
    core = expectOk(await createGroup(context, testActor, { name: 'Core' }));
    hiddenGroup = expectOk(await createGroup(context, testActor, { name: 'Internal group', hidden: true }));
    api = expectOk(await createComponent(context, testActor, { name: 'API', groupId: core.id, description: 'REST API' }));
    worker = expectOk(await createComponent(context, testActor, { name: 'Worker', groupId: core.id, startDate: '2025-06-01' }));
    edge = expectOk(await createComponent(context, testActor, { name: 'Edge' }));
    flaky = expectOk(await createComponent(context, testActor, { name: 'Flaky', onlyShowIfDegraded: true }));
    secret = expectOk(await createComponent(context, testActor, { name: 'Secret sauce', hidden: true }));
    internalDb = expectOk(await createComponent(context, testActor, { name: 'Internal DB', groupId: hiddenGroup.id }));

    // Yesterday's incident, resolved.
    clock.set('2026-02-28T09:00:00.000Z');
    old = expectOk(
      await declareIncident(context, testActor, {
        title: 'Slow dashboard',
        severity: 'low',
        status: 'investigating',
        message: 'Looking.',
        components: [{ componentId: edge.id, status: 'degraded_performance' }],
      }),
    );
    clock.set('2026-02-28T10:00:00.000Z');
    expectOk(await postIncidentUpdate(context, testActor, old.id, { status: 'resolved', message: 'Fixed.' }));

    // Today's outage, open, touching hidden components too.
    clock.set('2026-03-01T12:10:00.000Z');
    outage = expectOk(
      await declareIncident(context, testActor, {
        title: NASTY,
        severity: 'high',
        status: 'investigating',
        message: NASTY,
        components: [
          { componentId: api.id, status: 'major_outage' },
          { componentId: secret.id, status: 'partial_outage' },
          { componentId: internalDb.id, status: 'major_outage' },
        ],
      }),
    );
    clock.set('2026-03-01T12:20:00.000Z');
    expectOk(
      await postIncidentUpdate(context, testActor, outage.id, {
        status: 'identified',
        message: 'Found it.',
        components: [{ componentId: secret.id, status: 'major_outage' }],
      }),
    );

    // Maintenances: one within the announcement window, one beyond it, one running, one
    // cancelled, one recorded afterwards.
    clock.set('2026-03-01T12:30:00.000Z');
    const schedule = async (title: string, start: Date, end: Date, componentIds: string[], extra: Record<string, unknown> = {}) =>
      expectOk(
        await scheduleMaintenance(context, testActor, {
          title,
          description: `About ${title}`,
          components: componentIds,
          startsAt: local(start),
          endsAt: local(end),
          timeZone: 'UTC',
          ...extra,
        }),
      )[0]!;
    const now = clock.now().getTime();
    planned = await schedule('Database upgrade', new Date(now + 2 * DAY), new Date(now + 2 * DAY + 2 * HOUR), [worker.id, secret.id]);
    farAway = await schedule('Far away work', new Date(now + 30 * DAY), new Date(now + 30 * DAY + HOUR), [edge.id]);
    running = await schedule('Network work', new Date(now + HOUR), new Date(now + 3 * HOUR), [edge.id, internalDb.id]);
    cancelled = await schedule('Called off', new Date(now + DAY), new Date(now + DAY + HOUR), [worker.id]);
    backfilled = await schedule('Past work', new Date(now - 5 * DAY), new Date(now - 5 * DAY + HOUR), [worker.id], { backfill: true });
    clock.set('2026-03-01T12:40:00.000Z');
    expectOk(await startMaintenanceNow(context, testActor, running.id, {}));
    expectOk(await cancelMaintenance(context, testActor, cancelled.id, {}));
    clock.set('2026-03-01T12:45:00.000Z');
  });

  it('unresolved lists the open incident only; incidents.json lists both, newest first', async () => {
    expect(ids((await unresolved()).incidents)).toEqual([outage.id]);
    expect(ids((await incidents()).incidents)).toEqual([outage.id, old.id]);
  });

  it('an incident in full: fields, updates newest first, affected components with their current status', async () => {
    const [item] = (await unresolved()).incidents as [StatuspageIncident];
    expect(item).toMatchObject({
      id: outage.id,
      name: NASTY,
      status: 'identified',
      created_at: '2026-03-01T12:10:00.000Z',
      updated_at: '2026-03-01T12:20:00.000Z',
      monitoring_at: null,
      resolved_at: null,
      impact: 'major',
      shortlink: `${PUBLIC_URL}/incidents/${outage.id}`,
      started_at: '2026-03-01T12:10:00.000Z',
      page_id: await getPageId(context),
    });
    expect(item.incident_updates.map((update) => update.status)).toEqual(['identified', 'investigating']);
    expect(item.incident_updates[1]).toMatchObject({
      body: NASTY,
      incident_id: outage.id,
      display_at: '2026-03-01T12:10:00.000Z',
      custom_tweet: null,
      tweet_id: null,
    });
    // The first update changed API (and hidden components, which are not named).
    expect(item.incident_updates[1]!.affected_components).toEqual([
      { code: api.id, name: 'API', old_status: 'operational', new_status: 'major_outage' },
    ]);
    // The second changed only a hidden component: to the public it changed none.
    expect(item.incident_updates[0]!.affected_components).toBeNull();
    expect(ids(item.components)).toEqual([api.id]);
    expect(item.components[0]).toMatchObject({ status: 'major_outage', group_id: core.id, description: 'REST API', group: false });

    const [, resolved] = (await incidents()).incidents as [StatuspageIncident, StatuspageIncident];
    expect(resolved).toMatchObject({ status: 'resolved', impact: 'none', resolved_at: '2026-02-28T10:00:00.000Z' });
    // Its component's current status: Edge is now under the running maintenance.
    expect(resolved.components[0]).toMatchObject({ id: edge.id, status: 'under_maintenance' });
  });

  it('upcoming lists what the page announces; active what is in progress; the cancelled one is nowhere', async () => {
    expect(ids((await upcoming()).scheduled_maintenances)).toEqual([planned.id]);
    expect(ids((await active()).scheduled_maintenances)).toEqual([running.id]);
    expect(ids((await maintenances()).scheduled_maintenances)).toEqual([planned.id, running.id, backfilled.id]);
    expect(ids((await summary()).scheduled_maintenances)).toEqual([planned.id, running.id]);
    const text = await everything();
    expect(text).not.toContain(cancelled.id);
    expect(text).not.toContain('Called off');
    expect(text).not.toContain('cancelled');
    // Beyond the announcement window (7 days): not announced yet.
    expect(text).not.toContain(farAway.id);
  });

  it('a maintenance in full', async () => {
    const [plannedItem, runningItem, pastItem] = (await maintenances()).scheduled_maintenances as [
      StatuspageMaintenance,
      StatuspageMaintenance,
      StatuspageMaintenance,
    ];
    expect(plannedItem).toMatchObject({
      status: 'scheduled',
      impact: 'maintenance',
      resolved_at: null,
      monitoring_at: null,
      started_at: '2026-03-03T12:30:00.000Z',
      scheduled_for: '2026-03-03T12:30:00.000Z',
      scheduled_until: '2026-03-03T14:30:00.000Z',
      shortlink: `${PUBLIC_URL}/maintenance/${planned.id}`,
    });
    expect(ids(plannedItem.components)).toEqual([worker.id]);
    expect(plannedItem.incident_updates).toHaveLength(1);
    expect(plannedItem.incident_updates[0]).toMatchObject({ status: 'scheduled', incident_id: planned.id, affected_components: null });

    expect(runningItem).toMatchObject({
      status: 'in_progress',
      started_at: '2026-03-01T12:40:00.000Z',
      scheduled_for: '2026-03-01T13:30:00.000Z',
      resolved_at: null,
    });
    expect(runningItem.incident_updates.map((update) => update.status)).toEqual(['in_progress', 'scheduled']);
    expect(runningItem.components).toEqual([expect.objectContaining({ id: edge.id, status: 'under_maintenance' })]);

    expect(pastItem).toMatchObject({
      status: 'completed',
      resolved_at: '2026-02-24T13:30:00.000Z',
      started_at: '2026-02-24T12:30:00.000Z',
    });
  });

  it('hidden components and components of hidden groups appear nowhere', async () => {
    const text = await everything();
    for (const hidden of [secret, internalDb]) {
      expect(text).not.toContain(hidden.id);
      expect(text).not.toContain(hidden.name);
    }
    expect(text).not.toContain(hiddenGroup.id);
    expect(text).not.toContain('Internal group');
  });

  it('components: every public one by position, groups with their children, "only show if degraded" ones flagged', async () => {
    const list = (await components()).components;
    expect(list.map((item) => item.name)).toEqual(['Edge', 'Flaky', 'Core', 'API', 'Worker']);
    const byName = (name: string) => list.find((item) => item.name === name) as StatuspageComponent;
    expect(byName('Core')).toMatchObject({ group: true, status: 'major_outage', components: [api.id, worker.id], group_id: null });
    expect(byName('Worker')).toMatchObject({ position: 2, group_id: core.id, start_date: '2025-06-01', status: 'operational' });
    expect(byName('Edge')).toMatchObject({ status: 'under_maintenance', position: 1 });
    // Not on the page while operational, but listed, flagged, as Statuspage does.
    expect(byName('Flaky')).toMatchObject({ id: flaky.id, only_show_if_degraded: true, status: 'operational' });
    expect('components' in byName('API')).toBe(false);
  });

  it('status is the page’s rolled-up status', async () => {
    expect((await status()).status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
  });

  it('summary is deep-equal to its parts at the same instant', async () => {
    const [whole, parts] = await Promise.all([summary(), Promise.all([status(), components(), unresolved(), upcoming(), active()])]);
    const [statusPart, componentsPart, unresolvedPart, upcomingPart, activePart] = parts;
    for (const part of parts) expect(part.page).toEqual(whole.page);
    expect(whole.status).toEqual(statusPart.status);
    expect(whole.components).toEqual(componentsPart.components);
    expect(whole.incidents).toEqual(unresolvedPart.incidents);
    const union = [...upcomingPart.scheduled_maintenances, ...activePart.scheduled_maintenances];
    expect(whole.scheduled_maintenances).toEqual(union.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at)));
    expect(whole.scheduled_maintenances.length).toBeGreaterThan(0);
    expect(whole.incidents.length).toBeGreaterThan(0);

    // Built from one load, the parts are the summary's by construction.
    const state = await loadCurrentState(context, PUBLIC_URL);
    expect(JSON.parse(JSON.stringify(await statusApiBody(context, 'summary', PUBLIC_URL)))).toEqual(whole);
    expect(state.page.updatedAt.toISOString()).toBe(whole.page.updated_at);
  });

  it('text comes back intact: markup, quotes, ]]>, emoji and right-to-left text', async () => {
    const response = await call('incidents/unresolved.json');
    const raw = await response.text();
    const body = JSON.parse(raw) as IncidentsBody;
    expect(body.incidents[0]!.name).toBe(NASTY);
    expect(body.incidents[0]!.incident_updates.at(-1)!.body).toBe(NASTY);
    // Plain JSON: the markup is a string value, never able to end the document early.
    expect(raw).toContain('"name":"<script>alert(\\"pwn\\")</script>');
  });

  it('page.updated_at is the last public change', async () => {
    expect((await status()).page.updated_at).toBe('2026-03-01T12:40:00.000Z');
    clock.set('2026-03-01T12:50:00.123Z');
    expectOk(await setComponentStatus(context, testActor, worker.id, { status: 'degraded_performance' }));
    clock.set('2026-03-01T12:55:00.000Z');
    expect((await status()).page.updated_at).toBe('2026-03-01T12:50:00.123Z');
  });

  it('verifying: monitoring_at set, listed as active', async () => {
    clock.set('2026-03-01T13:00:00.000Z');
    expectOk(await markMaintenanceVerifying(context, testActor, running.id, {}));
    const [item] = (await active()).scheduled_maintenances as [StatuspageMaintenance];
    expect(item).toMatchObject({ id: running.id, status: 'verifying', monitoring_at: '2026-03-01T13:00:00.000Z' });
  });

  it('timestamps follow the page’s time zone (Europe/Paris)', async () => {
    expectOk(await updatePageSettings(context, testActor, { name: 'Acme Cloud', description: null, timeZone: 'Europe/Paris' }));
    const body = await summary();
    expect(body.page.time_zone).toBe('Europe/Paris');
    const [item] = body.incidents as [StatuspageIncident];
    expect(item.created_at).toBe('2026-03-01T13:10:00.000+01:00');
    const stamps = JSON.stringify(body).match(/"\d{4}-\d{2}-\d{2}T[^"]*"/g)!;
    expect(stamps.length).toBeGreaterThan(20);
    for (const stamp of stamps) expect(stamp).toMatch(/^"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0[12]:00"$/);
    const [plannedItem] = (await upcoming()).scheduled_maintenances as [StatuspageMaintenance];
    expect(plannedItem.scheduled_for).toBe('2026-03-03T13:30:00.000+01:00');
    // A window after the change to summer time (29 March) is written with +02:00.
    clock.set('2026-03-27T12:00:00.000Z');
    const summer = expectOk(
      await scheduleMaintenance(context, testActor, {
        title: 'Spring work',
        description: 'After the clocks change',
        components: [],
        startsAt: '2026-03-29T00:30',
        endsAt: '2026-03-29T03:30',
        timeZone: 'UTC',
      }),
    )[0]!;
    const spring = (await upcoming()).scheduled_maintenances.find((item) => item.id === summer.id)!;
    expect(spring.scheduled_for).toBe('2026-03-29T01:30:00.000+01:00');
    expect(spring.scheduled_until).toBe('2026-03-29T05:30:00.000+02:00');
    expectOk(await cancelMaintenance(context, testActor, summer.id, {}));
    expectOk(await updatePageSettings(context, testActor, { name: 'Acme Cloud', description: null, timeZone: 'UTC' }));
  });
});

describe('HTTP', () => {
  it('200: JSON, CORS for any origin, short public caching, a strong ETag of the body, no cookie', async () => {
    for (const path of paths) {
      const response = await call(path, { headers: { Origin: 'https://elsewhere.example' } });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('cache-control')).toBe(STATUS_API_CACHE_CONTROL);
      expect(response.headers.get('cache-control')).toMatch(/max-age=\d+.*stale-while-revalidate=\d+/);
      expect(response.headers.get('set-cookie')).toBeNull();
      const bytes = new Uint8Array(await response.arrayBuffer());
      const etag = response.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      expect(etag).toBe(entityTagOf(bytes));
      expect(response.headers.get('content-length')).toBe(String(bytes.byteLength));
    }
  });

  it('304 for a matching If-None-Match: no body, the same ETag and cache headers', async () => {
    const first = await call('summary.json');
    const etag = first.headers.get('etag')!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, `W/"other",W/${etag}`, '*']) {
      const response = await call('summary.json', { headers: { 'If-None-Match': ifNoneMatch } });
      expect(response.status, ifNoneMatch).toBe(304);
      expect(await response.text()).toBe('');
      expect(response.headers.get('etag')).toBe(etag);
      expect(response.headers.get('cache-control')).toBe(STATUS_API_CACHE_CONTROL);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
    for (const ifNoneMatch of ['"other"', etag.slice(0, -2) + '"', etag.replace(/"/g, '')]) {
      const response = await call('summary.json', { headers: { 'If-None-Match': ifNoneMatch } });
      expect(response.status, ifNoneMatch).toBe(200);
    }
  });

  it('a change gives a new ETag, and the old one no longer matches', async () => {
    const before = (await call('summary.json')).headers.get('etag')!;
    clock.advance(MINUTE);
    expectOk(await setComponentStatus(context, testActor, worker.id, { status: 'operational' }));
    const after = await call('summary.json', { headers: { 'If-None-Match': before } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
  });

  it('HEAD: the headers of GET, no body', async () => {
    const get = await call('components.json');
    const head = await call('components.json', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const name of ['etag', 'content-type', 'content-length', 'cache-control', 'access-control-allow-origin']) {
      expect(head.headers.get(name), name).toBe(get.headers.get(name));
    }
    const conditional = await call('components.json', { method: 'HEAD', headers: { 'If-None-Match': get.headers.get('etag')! } });
    expect(conditional.status).toBe(304);
  });

  it('OPTIONS: a CORS preflight answered with 204', async () => {
    const response = await call('summary.json', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://elsewhere.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'if-none-match, x-client',
      },
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('if-none-match, x-client');
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('If-None-Match parsing follows RFC 9110', () => {
    const tag = '"abc"';
    expect(ifNoneMatchMatches(null, tag)).toBe(false);
    expect(ifNoneMatchMatches('', tag)).toBe(false);
    expect(ifNoneMatchMatches('*', tag)).toBe(true);
    expect(ifNoneMatchMatches(' * ', tag)).toBe(true);
    expect(ifNoneMatchMatches('"abc"', tag)).toBe(true);
    expect(ifNoneMatchMatches('W/"abc"', tag)).toBe(true);
    expect(ifNoneMatchMatches('"x,y", "abc"', tag)).toBe(true);
    expect(ifNoneMatchMatches('"x,abc"', tag)).toBe(false);
    expect(ifNoneMatchMatches('abc', tag)).toBe(false);
    expect(ifNoneMatchMatches('"ABC"', tag)).toBe(false);
  });
});

describe('the 50 cap', () => {
  it('with 55 more incidents, incidents.json and unresolved list the 50 newest, newest first', async () => {
    const created: IncidentRow[] = [];
    for (let index = 0; index < 55; index += 1) {
      clock.advance(MINUTE);
      created.push(
        expectOk(
          await declareIncident(context, testActor, {
            title: `Incident ${index}`,
            severity: 'medium',
            status: 'investigating',
            message: `Number ${index}.`,
            notifySubscribers: false,
          }),
        ),
      );
    }
    const newestFirst = [...created].reverse();
    const all = (await incidents()).incidents;
    expect(all).toHaveLength(50);
    expect(ids(all)).toEqual(ids(newestFirst.slice(0, 50)));
    const open = (await unresolved()).incidents;
    expect(open).toHaveLength(50);
    expect(ids(open)).toEqual(ids(newestFirst.slice(0, 50)));
    expect((await summary()).incidents).toEqual(open);
    const starts = all.map((item) => Date.parse(item.started_at));
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
  });
});
