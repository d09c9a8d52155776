import { beforeAll, describe, expect, it } from 'vitest';
import type { ComponentRow } from '../../src/lib/server/db/schema';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { HISTORY_PAGE_SIZE } from '../../src/lib/server/services/incidents/incident-lists';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { latestMaintenanceUpdates } from '../../src/lib/server/services/maintenance/maintenance-queries';
import {
  cancelMaintenance,
  completeMaintenance,
  markMaintenanceVerifying,
  startMaintenanceNow,
} from '../../src/lib/server/services/maintenance/maintenance-action-commands';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { historyTimeOf, listPublicHistory, type HistoryItem } from '../../src/lib/server/services/public/public-history';
import { getPublicSnapshot } from '../../src/lib/server/services/public/public-snapshot';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { DAY, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, context } = useTestContext({ start: '2025-12-01T00:00:00.000Z' });

let api: ComponentRow;
let web: ComponentRow;
let secret: ComponentRow;

/** Titles of the history in order, each prefixed by its kind ("i:" or "m:"). */
const titles = (items: HistoryItem[]) =>
  items.map((item) => (item.kind === 'incident' ? `i:${item.summary.incident.title}` : `m:${item.summary.maintenance.title}`));

/** "2026-01-05T10:00" in UTC as the schedule form posts it. */
const local = (time: Date) => time.toISOString().slice(0, 16);

async function incidentAt(at: string, title: string, componentIds: string[] = [], resolve = true) {
  clock.set(at);
  const created = expectOk(
    await declareIncident(context, testActor, {
      title,
      severity: 'medium',
      status: 'investigating',
      message: `${title}: investigating.`,
      components: componentIds.map((componentId) => ({ componentId, status: 'partial_outage' as const })),
    }),
  );
  if (resolve) {
    clock.advance(HOUR);
    expectOk(await postIncidentUpdate(context, testActor, created.id, { status: 'resolved', message: `${title}: resolved.` }));
  }
  return created;
}

/** A completed window recorded after the fact; the clock moves past its end first. */
async function backfillAt(start: string, title: string, componentIds: string[] = [], hours = 2) {
  const from = new Date(start);
  const to = new Date(from.getTime() + hours * HOUR);
  if (clock.now().getTime() <= to.getTime()) clock.set(new Date(to.getTime() + MINUTE));
  const [row] = expectOk(
    await scheduleMaintenance(context, testActor, {
      title,
      description: `${title}: done.`,
      components: componentIds,
      startsAt: local(from),
      endsAt: local(to),
      timeZone: 'UTC',
      backfill: 'on',
    }),
  );
  expect(row!.status).toBe('completed');
  return row!;
}

/** A window scheduled ahead, from the clock's current time. */
async function scheduleAt(start: Date, title: string, componentIds: string[] = [], hours = 2) {
  const [row] = expectOk(
    await scheduleMaintenance(context, testActor, {
      title,
      description: `${title}: planned.`,
      components: componentIds,
      startsAt: local(start),
      endsAt: local(new Date(start.getTime() + hours * HOUR)),
      timeZone: 'UTC',
      notifySubscribers: false,
    }),
  );
  expect(row!.status).toBe('scheduled');
  return row!;
}

async function allPages(componentId: string | null = null): Promise<HistoryItem[]> {
  const first = await listPublicHistory(context, { page: 1, componentId });
  const items = [...first.items];
  for (let page = 2; page <= first.pageCount; page += 1) items.push(...(await listPublicHistory(context, { page, componentId })).items);
  return items;
}

beforeAll(async () => {
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  clock.advance(MINUTE);
  web = expectOk(await createComponent(context, testActor, { name: 'Website' }));
  clock.advance(MINUTE);
  secret = expectOk(await createComponent(context, testActor, { name: 'Secret backend', hidden: true }));
});

describe('listPublicHistory', () => {
  it('is empty before anything happened', async () => {
    expect(await listPublicHistory(context, { page: 1, componentId: null })).toEqual({ items: [], page: 1, pageCount: 1, total: 0 });
  });

  it('merges incidents and completed maintenances, newest first, leaving out cancelled, scheduled and active ones', async () => {
    await incidentAt('2026-01-05T10:00:00.000Z', 'API errors', [api.id]);
    await backfillAt('2026-01-10T02:00:00.000Z', 'Database upgrade', [web.id, secret.id]);
    await incidentAt('2026-01-20T08:00:00.000Z', 'Website slow', [web.id]);
    await backfillAt('2026-02-02T01:00:00.000Z', 'API migration', [api.id]);
    await incidentAt('2026-02-15T12:00:00.000Z', 'Mystery blip');
    await backfillAt('2026-02-16T03:00:00.000Z', 'Backend patching', [secret.id]);

    // Cancelled before it started.
    clock.set('2026-02-18T00:00:00.000Z');
    const cancelled = await scheduleAt(new Date('2026-02-20T02:00:00.000Z'), 'Called off', [api.id]);
    clock.advance(HOUR);
    expectOk(await cancelMaintenance(context, testActor, cancelled.id, {}));
    // Cancelled while in progress.
    clock.set('2026-02-21T00:00:00.000Z');
    const abandoned = await scheduleAt(new Date('2026-02-21T01:00:00.000Z'), 'Abandoned', [web.id]);
    clock.set('2026-02-21T01:00:00.000Z');
    expectOk(await startMaintenanceNow(context, testActor, abandoned.id, {}));
    clock.advance(MINUTE);
    expectOk(await cancelMaintenance(context, testActor, abandoned.id, {}));
    // Started early and completed: filed under when it really started.
    clock.set('2026-02-25T00:00:00.000Z');
    const early = await scheduleAt(new Date('2026-02-28T10:00:00.000Z'), 'Started early', [api.id]);
    clock.set('2026-02-26T09:00:00.000Z');
    expectOk(await startMaintenanceNow(context, testActor, early.id, {}));
    await incidentAt('2026-02-27T09:00:00.000Z', 'During the early window');
    clock.set('2026-02-28T09:00:00.000Z');
    expectOk(await completeMaintenance(context, testActor, early.id, {}));
    // Still ahead, and one going on now: neither is history yet.
    clock.set('2026-03-01T00:00:00.000Z');
    await scheduleAt(new Date('2026-03-20T02:00:00.000Z'), 'Next month', [api.id]);
    const active = await scheduleAt(new Date('2026-03-01T00:30:00.000Z'), 'Going on', [web.id]);
    clock.set('2026-03-01T00:30:00.000Z');
    expectOk(await startMaintenanceNow(context, testActor, active.id, {}));
    // An incident still open is on the history, as on the incident history before.
    await incidentAt('2026-03-01T06:00:00.000Z', 'Still open', [api.id], false);

    const result = await listPublicHistory(context, { page: 1, componentId: null });
    expect(titles(result.items)).toEqual([
      'i:Still open',
      'i:During the early window',
      'm:Started early',
      'm:Backend patching',
      'i:Mystery blip',
      'm:API migration',
      'i:Website slow',
      'm:Database upgrade',
      'i:API errors',
    ]);
    expect(result).toMatchObject({ page: 1, pageCount: 1, total: 9 });

    const startedEarly = result.items[2]!;
    expect(startedEarly.kind).toBe('maintenance');
    expect(historyTimeOf(startedEarly)).toEqual(new Date('2026-02-26T09:00:00.000Z'));
    if (startedEarly.kind === 'maintenance') {
      expect(startedEarly.summary.maintenance.status).toBe('completed');
      expect(startedEarly.summary.maintenance.scheduledFor).toEqual(new Date('2026-02-28T10:00:00.000Z'));
    }
    expect(historyTimeOf(result.items[0]!)).toEqual(new Date('2026-03-01T06:00:00.000Z'));
    const times = result.items.map((item) => historyTimeOf(item).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // Every maintenance on it is completed, and backfilled ones say so.
    const maintenances = result.items.flatMap((item) => (item.kind === 'maintenance' ? [item.summary.maintenance] : []));
    expect(maintenances.every((row) => row.status === 'completed')).toBe(true);
    expect(maintenances.map((row) => row.backfilled)).toEqual([false, true, true, true]);
  });

  it('never names components hidden from the public', async () => {
    const items = (await listPublicHistory(context, { page: 1, componentId: null })).items;
    const byTitle = (title: string) => items.find((item) => titles([item])[0]!.slice(2) === title)!;
    const upgrade = byTitle('Database upgrade');
    expect(upgrade.kind === 'maintenance' && upgrade.summary.components.map((item) => item.name)).toEqual(['Website']);
    const patching = byTitle('Backend patching');
    expect(patching.kind === 'maintenance' && patching.summary.components).toEqual([]);
    const apiErrors = byTitle('API errors');
    expect(apiErrors.kind === 'incident' && apiErrors.summary.components.map((item) => item.name)).toEqual(['API']);
    expect(apiErrors.kind === 'incident' && apiErrors.summary.latestUpdate?.body).toBe('API errors: resolved.');
  });

  it('filters by a visible component, both kinds; a hidden or unknown component finds nothing', async () => {
    const forApi = await listPublicHistory(context, { page: 1, componentId: api.id });
    expect(titles(forApi.items)).toEqual(['i:Still open', 'm:Started early', 'm:API migration', 'i:API errors']);
    expect(forApi).toMatchObject({ total: 4, pageCount: 1 });

    const forWeb = await listPublicHistory(context, { page: 1, componentId: web.id });
    expect(titles(forWeb.items)).toEqual(['i:Website slow', 'm:Database upgrade']);
    expect(forWeb.total).toBe(2);

    for (const componentId of [secret.id, 'nosuchcomponent']) {
      expect(await listPublicHistory(context, { page: 1, componentId })).toEqual({ items: [], page: 1, pageCount: 1, total: 0 });
    }
  });

  it('pages 20 at a time with an exact total, across both kinds', async () => {
    // 12 incidents and 12 maintenances, interleaved over March 2–25, after everything above.
    for (let index = 0; index < 12; index += 1) {
      const base = new Date(`2026-03-${String(index * 2 + 2).padStart(2, '0')}T06:00:00.000Z`);
      await incidentAt(base.toISOString(), `Later incident ${index}`, index % 2 === 0 ? [web.id] : []);
      await backfillAt(new Date(base.getTime() + DAY).toISOString(), `Later maintenance ${index}`, index % 3 === 0 ? [web.id] : []);
    }
    // 9 items from before + 24 = 33: pages of 20 and 13.
    expect(HISTORY_PAGE_SIZE).toBe(20);
    const first = await listPublicHistory(context, { page: 1, componentId: null });
    const second = await listPublicHistory(context, { page: 2, componentId: null });
    expect(first).toMatchObject({ page: 1, pageCount: 2, total: 33 });
    expect(second).toMatchObject({ page: 2, pageCount: 2, total: 33 });
    expect(first.items).toHaveLength(20);
    expect(second.items).toHaveLength(13);

    const all = [...first.items, ...second.items];
    const times = all.map((item) => historyTimeOf(item).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(titles(all)).size).toBe(33);
    // The boundary falls inside the March run, newest first on both sides of it.
    expect(titles(first.items).slice(0, 3)).toEqual(['m:Later maintenance 11', 'i:Later incident 11', 'm:Later maintenance 10']);
    expect(titles(first.items).slice(-2)).toEqual(['m:Later maintenance 2', 'i:Later incident 2']);
    expect(titles(second.items).slice(0, 5)).toEqual([
      'm:Later maintenance 1',
      'i:Later incident 1',
      'm:Later maintenance 0',
      'i:Later incident 0',
      'i:Still open',
    ]);
    expect(titles(second.items).at(-1)).toBe('i:API errors');

    // Past the last page: nothing, but the total still tells how much there is.
    expect(await listPublicHistory(context, { page: 3, componentId: null })).toEqual({ items: [], page: 3, pageCount: 2, total: 33 });

    // The filter counts exactly too: 2 from before, 6 later incidents and 4 later maintenances on the website.
    const forWeb = await allPages(web.id);
    expect(forWeb).toHaveLength(12);
    expect((await listPublicHistory(context, { page: 1, componentId: web.id })).total).toBe(12);
    expect(forWeb.every((item) => item.summary.components.some((ref) => ref.id === web.id))).toBe(true);
  });
});

describe('maintenance on the public snapshot', () => {
  let upcomingSoon: string;
  let upcomingLater: string;

  it('announces scheduled windows within the page’s announcement days, soonest first', async () => {
    clock.set('2026-04-01T12:00:00.000Z');
    expectOk(await updatePageSettings(context, testActor, { name: 'Herald', timeZone: 'UTC', upcomingMaintenanceDays: 3 }));
    upcomingLater = (await scheduleAt(new Date('2026-04-03T22:00:00.000Z'), 'In two and a half days', [api.id, secret.id])).id;
    upcomingSoon = (await scheduleAt(new Date('2026-04-02T02:00:00.000Z'), 'Tomorrow night', [web.id])).id;
    const farAway = await scheduleAt(new Date('2026-04-05T02:00:00.000Z'), 'In four days', [web.id]);
    const cancelled = await scheduleAt(new Date('2026-04-02T04:00:00.000Z'), 'Cancelled soon', [web.id]);
    clock.advance(MINUTE);
    expectOk(await cancelMaintenance(context, testActor, cancelled.id, {}));

    let snapshot = await getPublicSnapshot(context);
    // "Next month" from the first test was scheduled for March 20 and never started here (no worker runs).
    const upcoming = snapshot.upcomingMaintenances.filter((item) => item.maintenance.scheduledFor >= new Date('2026-04-01T00:00:00.000Z'));
    expect(upcoming.map((item) => item.maintenance.title)).toEqual(['Tomorrow night', 'In two and a half days']);
    expect(upcoming[1]!.components.map((item) => item.name)).toEqual(['API']);
    expect(snapshot.upcomingMaintenances.map((item) => item.maintenance.id)).not.toContain(farAway.id);

    expectOk(await updatePageSettings(context, testActor, { name: 'Herald', timeZone: 'UTC', upcomingMaintenanceDays: 7 }));
    snapshot = await getPublicSnapshot(context);
    const ids = snapshot.upcomingMaintenances.map((item) => item.maintenance.id);
    expect(ids).toContain(farAway.id);
    expect(ids).not.toContain(cancelled.id);
    expect(ids.indexOf(upcomingSoon)).toBeLessThan(ids.indexOf(upcomingLater));
    expect(ids.indexOf(upcomingLater)).toBeLessThan(ids.indexOf(farAway.id));
  });

  it('lists windows in progress or verifying, with their latest update, and the page says so', async () => {
    const before = await getPublicSnapshot(context);
    const alreadyActive = before.activeMaintenances.map((item) => item.maintenance.id);

    clock.set('2026-04-02T02:00:00.000Z');
    expectOk(await startMaintenanceNow(context, testActor, upcomingSoon, {}));
    let snapshot = await getPublicSnapshot(context);
    expect(snapshot.upcomingMaintenances.map((item) => item.maintenance.id)).not.toContain(upcomingSoon);
    const active = snapshot.activeMaintenances.find((item) => item.maintenance.id === upcomingSoon)!;
    expect(active.maintenance.status).toBe('in_progress');
    expect(active.components).toEqual([{ id: web.id, name: 'Website', status: 'under_maintenance', archived: false }]);
    expect(snapshot.activeMaintenances.map((item) => item.maintenance.id).sort()).toEqual([...alreadyActive, upcomingSoon].sort());

    clock.advance(HOUR);
    expectOk(await markMaintenanceVerifying(context, testActor, upcomingSoon, { message: 'Checking the website.' }));
    snapshot = await getPublicSnapshot(context);
    expect(snapshot.activeMaintenances.find((item) => item.maintenance.id === upcomingSoon)!.maintenance.status).toBe('verifying');
    const latest = await latestMaintenanceUpdates(context, [upcomingSoon]);
    expect(latest.get(upcomingSoon)).toMatchObject({ status: 'verifying', body: 'Checking the website.' });

    clock.advance(HOUR);
    expectOk(await completeMaintenance(context, testActor, upcomingSoon, {}));
    snapshot = await getPublicSnapshot(context);
    expect(snapshot.activeMaintenances.map((item) => item.maintenance.id)).not.toContain(upcomingSoon);
    expect((await listPublicHistory(context, { page: 1, componentId: null })).items[0]).toMatchObject({
      kind: 'maintenance',
      summary: { maintenance: { id: upcomingSoon } },
    });
  });
});
