import { describe, expect, it } from 'vitest';
import type { ComponentRow } from '../../src/lib/server/db/schema';
import { createComponent, removeComponent, setComponentStatus } from '../../src/lib/server/services/components/catalog';
import { listOpenIncidents } from '../../src/lib/server/services/incidents/incident-lists';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import {
  getPublicSnapshot,
  UPTIME_DAYS,
  type PublicComponent,
  type PublicSnapshot,
} from '../../src/lib/server/services/public/public-snapshot';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import type { ComponentStatus } from '../../src/lib/domain/statuses';
import { DAY, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { useTestContext } from '../support/test-database';

/** "Now" for the uptime checks: midday, so today is half observed. */
const NOW = '2026-03-10T12:00:00.000Z';
/** Long before the 90-day window (which starts on 2025-12-11). */
const LONG_AGO = '2025-11-01T00:00:00.000Z';

const { clock, context } = useTestContext({ start: LONG_AGO });

const helpers = incidentHelpers({ clock, context });
const newGroup = (name: string, hidden = false) => helpers.newGroup(name, { hidden });
const newComponent = (name: string, groupId: string | null = null, hidden = false) => helpers.newComponent(name, { groupId, hidden });

async function setStatus(id: string, status: ComponentStatus, at?: string) {
  if (at) clock.set(at);
  expectOk(await setComponentStatus(context, testActor, id, { status }));
}

function allComponents(snapshot: PublicSnapshot): PublicComponent[] {
  return [...snapshot.ungrouped, ...snapshot.groups.flatMap((group) => group.components)];
}

function find(snapshot: PublicSnapshot, id: string): PublicComponent {
  const found = allComponents(snapshot).find((item) => item.id === id);
  if (!found) throw new Error(`component ${id} is not on the public page`);
  return found;
}

function day(item: PublicComponent, date: string) {
  const found = item.days.find((entry) => entry.date === date);
  if (!found) throw new Error(`no bar for ${date}`);
  return found;
}

/** Seconds observed over the window for a component that existed all along, at NOW (89 full days and half of today). */
const WINDOW_SECONDS = 89 * 86_400 + 43_200;

let api: ComponentRow;
let worker: ComponentRow;
let edge: ComponentRow;
let coreGroupId: string;

describe('the rolled-up status', () => {
  it('follows the component statuses', async () => {
    const core = await newGroup('Core');
    coreGroupId = core.id;
    api = await newComponent('API', core.id);
    worker = await newComponent('Worker', core.id);
    edge = await newComponent('Edge');

    const status = async () => (await getPublicSnapshot(context)).status;
    expect(await status()).toEqual({ indicator: 'none', description: 'All Systems Operational' });

    await setStatus(edge.id, 'degraded_performance');
    expect(await status()).toEqual({ indicator: 'minor', description: 'Partially Degraded Service' });

    await setStatus(worker.id, 'partial_outage');
    let snapshot = await getPublicSnapshot(context);
    expect(snapshot.status).toEqual({ indicator: 'minor', description: 'Minor Service Outage' });
    expect(snapshot.groups.find((group) => group.id === core.id)!.status).toBe('partial_outage');

    await setStatus(api.id, 'major_outage');
    snapshot = await getPublicSnapshot(context);
    expect(snapshot.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(snapshot.groups.find((group) => group.id === core.id)!.status).toBe('major_outage');

    await setStatus(worker.id, 'major_outage');
    await setStatus(edge.id, 'major_outage');
    expect(await status()).toEqual({ indicator: 'critical', description: 'Major System Outage' });

    for (const item of [api, worker]) await setStatus(item.id, 'operational');
    await setStatus(edge.id, 'under_maintenance');
    expect(await status()).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });

    await setStatus(edge.id, 'operational');
    snapshot = await getPublicSnapshot(context);
    expect(snapshot.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(snapshot.groups.find((group) => group.id === core.id)!.status).toBe('operational');
    expect(snapshot.page).toMatchObject({ name: 'Herald', timeZone: 'UTC' });
    expect(snapshot.generatedAt).toEqual(clock.now());
  });
});

describe('uptime bars', () => {
  it('a six-hour major outage yesterday shows in that day’s bar and the 90-day percentage', async () => {
    await setStatus(api.id, 'major_outage', '2026-03-09T06:00:00.000Z');
    await setStatus(api.id, 'operational', '2026-03-09T12:00:00.000Z');
    clock.set(NOW);

    const item = find(await getPublicSnapshot(context), api.id);
    expect(item.days).toHaveLength(UPTIME_DAYS);
    expect(item.days[0]!.date).toBe('2025-12-11');
    expect(item.days.at(-1)!.date).toBe('2026-03-10');

    expect(day(item, '2026-03-09')).toEqual({
      date: '2026-03-09',
      observedSeconds: 86_400,
      downSeconds: 6 * 3600,
      uptime: 75,
      worstStatus: 'major_outage',
    });
    expect(day(item, '2026-03-10')).toMatchObject({ observedSeconds: 43_200, downSeconds: 0, uptime: 100, worstStatus: 'operational' });
    // The outages of November (before the window) do not show.
    expect(
      item.days
        .filter((entry) => entry.date !== '2026-03-09')
        .every((entry) => entry.uptime === 100 && entry.worstStatus === 'operational'),
    ).toBe(true);
    expect(item.uptime).toBeCloseTo(100 * (1 - (6 * 3600) / WINDOW_SECONDS), 9);
    expect(item.uptime!).toBeLessThan(100);
  });

  it('a partial outage counts half', async () => {
    await setStatus(worker.id, 'partial_outage', '2026-03-09T00:00:00.000Z');
    await setStatus(worker.id, 'operational', '2026-03-09T06:00:00.000Z');
    clock.set(NOW);

    const item = find(await getPublicSnapshot(context), worker.id);
    expect(day(item, '2026-03-09')).toMatchObject({ downSeconds: 3 * 3600, uptime: 87.5, worstStatus: 'partial_outage' });
    expect(item.uptime).toBeCloseTo(100 * (1 - (3 * 3600) / WINDOW_SECONDS), 9);
  });

  it('degraded performance and maintenance show as the day’s worst status but cost no uptime', async () => {
    await setStatus(edge.id, 'degraded_performance', '2026-03-08T10:00:00.000Z');
    await setStatus(edge.id, 'under_maintenance', '2026-03-08T11:00:00.000Z');
    await setStatus(edge.id, 'operational', '2026-03-08T12:00:00.000Z');
    clock.set(NOW);

    const item = find(await getPublicSnapshot(context), edge.id);
    expect(day(item, '2026-03-08')).toMatchObject({ downSeconds: 0, uptime: 100, worstStatus: 'degraded_performance' });
    expect(item.uptime).toBe(100);
  });

  it('an outage still going on counts up to now', async () => {
    clock.set(new Date(new Date(NOW).getTime() - DAY));
    const ongoing = await newComponent('Ongoing');
    const createdAt = ongoing.createdAt;
    clock.set(new Date(new Date(NOW).getTime() - 2 * HOUR));
    await setStatus(ongoing.id, 'major_outage');
    clock.set(NOW);
    const item = find(await getPublicSnapshot(context), ongoing.id);
    expect(item.status).toBe('major_outage');
    expect(day(item, '2026-03-10')).toMatchObject({ observedSeconds: 43_200, downSeconds: 2 * 3600 });
    expect(day(item, '2026-03-10').uptime).toBeCloseTo(100 * (1 - 2 / 12), 9);
    expect(createdAt.getTime()).toBeLessThan(new Date(NOW).getTime());
    await setStatus(ongoing.id, 'operational');
  });

  it('a component created 10 days ago has no data before that', async () => {
    clock.set(new Date(new Date(NOW).getTime() - 10 * DAY));
    const fresh = await newComponent('Fresh');
    clock.set(NOW);
    expect(fresh.createdAt.toISOString()).toBe('2026-02-28T12:01:00.000Z');

    const item = find(await getPublicSnapshot(context), fresh.id);
    const before = item.days.filter((entry) => entry.date < '2026-02-28');
    expect(before).toHaveLength(UPTIME_DAYS - 11);
    expect(before.every((entry) => entry.uptime === null && entry.observedSeconds === 0)).toBe(true);
    expect(day(item, '2026-02-28')).toMatchObject({ uptime: 100, observedSeconds: 43_200 - 60 });
    expect(item.days.filter((entry) => entry.uptime !== null)).toHaveLength(11);
    expect(item.uptime).toBe(100);
  });
});

describe('what the public page shows', () => {
  it('leaves out hidden and archived components, hidden groups and groups with nothing to show', async () => {
    clock.set(NOW);
    const secret = await newComponent('Secret', coreGroupId, true);
    const internal = await newGroup('Internal', true);
    const internalTool = await newComponent('Internal tool', internal.id);
    const empty = await newGroup('Empty');
    const onlyHidden = await newGroup('Only hidden');
    const hiddenMember = await newComponent('Hidden member', onlyHidden.id, true);
    const retired = await newComponent('Retired', coreGroupId);
    await setStatus(retired.id, 'degraded_performance');
    clock.advance(MINUTE);
    expect(expectOk(await removeComponent(context, testActor, retired.id)).outcome).toBe('archived');

    // Outages of components the public cannot see do not change the page's status either.
    await setStatus(secret.id, 'major_outage');
    await setStatus(internalTool.id, 'major_outage');
    await setStatus(hiddenMember.id, 'major_outage');

    const snapshot = await getPublicSnapshot(context);
    const ids = allComponents(snapshot).map((item) => item.id);
    for (const hidden of [secret, internalTool, hiddenMember, retired]) expect(ids).not.toContain(hidden.id);
    const groupIds = snapshot.groups.map((group) => group.id);
    expect(groupIds).toEqual([coreGroupId]);
    for (const group of [internal, empty, onlyHidden]) expect(groupIds).not.toContain(group.id);
    expect(snapshot.groups[0]!.components.map((item) => item.name)).toEqual(['API', 'Worker']);
    expect(snapshot.groups[0]!.status).toBe('operational');
    expect(snapshot.ungrouped.map((item) => item.name)).toEqual(['Edge', 'Ongoing', 'Fresh']);
    expect(snapshot.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });

    // Page settings show through.
    clock.advance(MINUTE);
    expectOk(await updatePageSettings(context, testActor, { name: 'Acme Status', description: 'Acme services', timeZone: 'Europe/Paris' }));
    expect((await getPublicSnapshot(context)).page).toMatchObject({
      name: 'Acme Status',
      description: 'Acme services',
      timeZone: 'Europe/Paris',
    });
  });

  it('shows a component marked “only show if degraded” only while it is not operational', async () => {
    clock.set(NOW);
    const group = await newGroup('On demand');
    clock.advance(MINUTE);
    const batch = expectOk(await createComponent(context, testActor, { name: 'Batch jobs', groupId: group.id, onlyShowIfDegraded: true }));
    clock.advance(MINUTE);
    const standby = expectOk(await createComponent(context, testActor, { name: 'Standby', onlyShowIfDegraded: true }));

    let snapshot = await getPublicSnapshot(context);
    let ids = allComponents(snapshot).map((item) => item.id);
    expect(ids).not.toContain(batch.id);
    expect(ids).not.toContain(standby.id);
    // Its group has nothing else to show, so it is left out too.
    expect(snapshot.groups.map((item) => item.id)).not.toContain(group.id);

    await setStatus(batch.id, 'degraded_performance');
    snapshot = await getPublicSnapshot(context);
    ids = allComponents(snapshot).map((item) => item.id);
    expect(ids).toContain(batch.id);
    expect(ids).not.toContain(standby.id);
    expect(snapshot.groups.find((item) => item.id === group.id)).toMatchObject({ status: 'degraded_performance' });
    expect(snapshot.status).toEqual({ indicator: 'minor', description: 'Partially Degraded Service' });

    await setStatus(batch.id, 'operational');
    snapshot = await getPublicSnapshot(context);
    expect(allComponents(snapshot).map((item) => item.id)).not.toContain(batch.id);
    expect(snapshot.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
  });

  it('lists open incidents with their latest update', async () => {
    clock.set(NOW);
    clock.advance(MINUTE);
    const first = expectOk(
      await declareIncident(context, testActor, {
        title: 'API outage',
        severity: 'critical',
        status: 'investigating',
        message: 'The API is down.',
        components: [{ componentId: api.id, status: 'major_outage' }],
      }),
    );
    clock.advance(MINUTE);
    expectOk(await postIncidentUpdate(context, testActor, first.id, { status: 'identified', message: 'A bad deploy; rolling back.' }));
    clock.advance(MINUTE);
    const second = expectOk(
      await declareIncident(context, testActor, { title: 'Slow worker', severity: 'low', status: 'monitoring', message: 'Watching it.' }),
    );
    clock.advance(MINUTE);
    const closed = expectOk(
      await declareIncident(context, testActor, { title: 'Blip', severity: 'low', status: 'investigating', message: 'Blip.' }),
    );
    clock.advance(MINUTE);
    expectOk(await postIncidentUpdate(context, testActor, closed.id, { status: 'resolved', message: 'Gone.' }));

    let snapshot = await getPublicSnapshot(context);
    expect(snapshot.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(find(snapshot, api.id).status).toBe('major_outage');
    expect(snapshot.openIncidents.map((item) => item.incident.title)).toEqual(['Slow worker', 'API outage']);
    expect(snapshot.openIncidents.map((item) => item.latestUpdate?.body)).toEqual(['Watching it.', 'A bad deploy; rolling back.']);
    expect(snapshot.openIncidents[1]!.incident.status).toBe('identified');
    expect(snapshot.openIncidents[1]!.components).toEqual([{ id: api.id, name: 'API', status: 'major_outage' }]);

    clock.advance(MINUTE);
    expectOk(await postIncidentUpdate(context, testActor, first.id, { status: 'resolved', message: 'Recovered.' }));
    clock.advance(MINUTE);
    expectOk(await postIncidentUpdate(context, testActor, second.id, { status: 'resolved', message: 'Fine.' }));
    snapshot = await getPublicSnapshot(context);
    expect(snapshot.openIncidents).toEqual([]);
    expect(snapshot.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(find(snapshot, api.id).status).toBe('operational');
  });

  it('an open incident does not name components hidden from the public', async () => {
    const visibleCount = allComponents(await getPublicSnapshot(context)).length;
    const hiddenComponent = await newComponent('Hidden backend', null, true);
    clock.advance(MINUTE);
    const declared = expectOk(
      await declareIncident(context, testActor, {
        title: 'Backend trouble',
        severity: 'medium',
        status: 'investigating',
        message: 'Investigating.',
        components: [
          { componentId: hiddenComponent.id, status: 'major_outage' },
          { componentId: edge.id, status: 'degraded_performance' },
        ],
      }),
    );
    const snapshot = await getPublicSnapshot(context);
    expect(allComponents(snapshot)).toHaveLength(visibleCount);
    const listed = snapshot.openIncidents.find((item) => item.incident.id === declared.id)!;
    expect(listed.components.map((item) => item.name)).toEqual(['Edge']);
    expect(listed.latestUpdate!.componentChanges).toEqual([
      { componentId: edge.id, name: 'Edge', oldStatus: 'operational', newStatus: 'degraded_performance' },
    ]);
    // Staff lists still name every affected component.
    const staffView = (await listOpenIncidents(context)).find((item) => item.incident.id === declared.id)!;
    expect(staffView.components.map((item) => item.name).sort()).toEqual(['Edge', 'Hidden backend']);
    clock.advance(MINUTE);
    expectOk(await postIncidentUpdate(context, testActor, declared.id, { status: 'resolved', message: 'Done.' }));
  });
});
