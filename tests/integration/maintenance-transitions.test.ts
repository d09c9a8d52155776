/**
 * A maintenance window's life on the clock: scheduling queues its reminder, start and end jobs
 * (each due at its instant and carrying the schedule version); the start and the end move the
 * window and its components exactly once, on time, across a restart; incidents during the window
 * keep their say; staff reschedule, cancel, start early, extend, verify and complete early.
 * The clock is a FakeClock and the transition handler is called directly at chosen moments with
 * the job data read from pg-boss's table, as a worker would run it.
 */
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentStatus } from '../../src/lib/domain/statuses';
import {
  auditLog,
  component,
  maintenance,
  maintenanceUpdate,
  type ComponentRow,
  type IncidentRow,
  type MaintenanceRow,
} from '../../src/lib/server/db/schema';
import { startJobQueue, type StartedQueue } from '../../src/lib/server/jobs/queue';
import { createComponent, setComponentStatus } from '../../src/lib/server/services/components/catalog';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { runMaintenanceTransition } from '../../src/lib/server/jobs/handlers/maintenance-transition';
import { getPublicMaintenance } from '../../src/lib/server/services/maintenance/maintenance-queries';
import {
  cancelMaintenance,
  completeMaintenance,
  extendMaintenance,
  markMaintenanceVerifying,
  startMaintenanceNow,
} from '../../src/lib/server/services/maintenance/maintenance-action-commands';
import { scheduleMaintenance, updateMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { getPublicSnapshot, type PublicSnapshot } from '../../src/lib/server/services/public/public-snapshot';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { testQueueSettings } from '../support/database';
import { DAY, expectOk, HOUR, intervalsOf, MINUTE, testActor } from '../support/factories';
import { transitionJobs, waitingTransition, waitingTransitions } from '../support/maintenance-jobs';
import { useTestContext } from '../support/test-database';

const PAGE = 'Acme Cloud';
/** Each test has a day of its own, from 08:00 UTC; windows run 10:00–12:00 UTC by default. */
const BASE = new Date('2026-03-02T08:00:00.000Z');

const { clock, handle, context } = useTestContext({ start: BASE });
/** The job queue started after the simulated restart (the first one is closed then). */
let restarted: StartedQueue | undefined;

beforeAll(async () => {
  expectOk(await updatePageSettings(context, testActor, { name: PAGE, description: '', timeZone: 'UTC' }));
});

afterAll(async () => {
  await restarted?.stop();
});

let days = 0;
let names = 0;

/** Moves the clock to 08:00 UTC of a fresh day and returns that day's midnight. */
function newDay(): Date {
  days += 1;
  const midnight = new Date(Date.UTC(2026, 2, 2) + days * 2 * DAY);
  clock.set(new Date(midnight.getTime() + 8 * HOUR));
  return midnight;
}

/** 'YYYY-MM-DDTHH:mm' in UTC, as the form posts it with timeZone UTC. */
const local = (time: Date) => time.toISOString().slice(0, 16);
const iso = (time: Date) => time.toISOString();

async function newComponent(label: string): Promise<ComponentRow> {
  return expectOk(await createComponent(context, testActor, { name: `${label} ${++names}` }));
}

async function statusOf(componentId: string): Promise<ComponentStatus> {
  const [row] = await handle.db.select({ status: component.status }).from(component).where(eq(component.id, componentId));
  return row!.status;
}

async function statusesOf(items: ComponentRow[]): Promise<ComponentStatus[]> {
  return Promise.all(items.map((item) => statusOf(item.id)));
}

async function reload(row: MaintenanceRow): Promise<MaintenanceRow> {
  const [fresh] = await handle.db.select().from(maintenance).where(eq(maintenance.id, row.id));
  return fresh!;
}

async function updatesOf(row: MaintenanceRow) {
  return handle.db
    .select()
    .from(maintenanceUpdate)
    .where(eq(maintenanceUpdate.maintenanceId, row.id))
    .orderBy(asc(maintenanceUpdate.createdAt), asc(maintenanceUpdate.id));
}

async function auditActions(entityId: string): Promise<{ action: string; actor: string }[]> {
  const rows = await handle.db.select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(asc(auditLog.id));
  return rows.map((row) => ({ action: row.action, actor: row.actorLabel }));
}

interface WindowOptions {
  components: ComponentRow[];
  start: Date;
  end: Date;
  title?: string;
  setsUnderMaintenance?: boolean;
  /** Subscriber email (nobody subscribes here); the reminder job exists only when it is on. */
  notify?: boolean;
}

async function schedule(options: WindowOptions): Promise<MaintenanceRow> {
  const [row] = expectOk(
    await scheduleMaintenance(context, testActor, {
      title: options.title ?? `Database upgrade ${++names}`,
      description: 'We are upgrading the primary database.',
      components: options.components.map((item) => item.id),
      startsAt: local(options.start),
      endsAt: local(options.end),
      timeZone: 'UTC',
      ...(options.setsUnderMaintenance === undefined ? {} : { setsUnderMaintenance: options.setsUnderMaintenance }),
      notifySubscribers: options.notify ?? false,
    }),
  );
  return row!;
}

/** A window of `components` on a fresh day, 10:00–12:00 UTC, scheduled at 08:00. */
async function scheduleToday(components: ComponentRow[], options: { notify?: boolean } = {}) {
  const day = newDay();
  const start = new Date(day.getTime() + 10 * HOUR);
  const end = new Date(day.getTime() + 12 * HOUR);
  const row = await schedule({ components, start, end, ...options });
  return { row, start, end, day };
}

/** Runs the waiting job of a transition at `at` on the clock, as a worker taking it then would. */
async function runWaiting(row: MaintenanceRow, transition: 'reminder' | 'start' | 'end', at?: Date, on: ServiceContext = context) {
  const job = await waitingTransition(handle, row.id, transition);
  clock.set(at ?? job.startAfter);
  return runMaintenanceTransition(on, job.data);
}

async function declareOn(componentId: string, status: 'degraded_performance' | 'partial_outage' | 'major_outage'): Promise<IncidentRow> {
  return expectOk(
    await declareIncident(context, testActor, {
      title: `Incident ${++names}`,
      severity: 'high',
      status: 'investigating',
      message: 'We are looking into it.',
      components: [{ componentId, status }],
      notifySubscribers: false,
    }),
  );
}

async function resolve(incidentId: string) {
  return expectOk(
    await postIncidentUpdate(context, testActor, incidentId, { status: 'resolved', message: 'Fixed.', notifySubscribers: false }),
  );
}

function publicStatusOf(snapshot: PublicSnapshot, componentId: string): ComponentStatus | undefined {
  return [...snapshot.ungrouped, ...snapshot.groups.flatMap((group) => group.components)].find((item) => item.id === componentId)?.status;
}

describe('an automatic window, on time', () => {
  let api: ComponentRow;
  let dashboard: ComponentRow;
  let row: MaintenanceRow;
  let start: Date;
  let end: Date;

  it('queues the reminder an hour before the start, the start and the end, each with the schedule version', async () => {
    api = await newComponent('API');
    dashboard = await newComponent('Dashboard');
    ({ row, start, end } = await scheduleToday([api, dashboard], { notify: true }));

    expect(row.status).toBe('scheduled');
    expect(row.scheduleVersion).toBe(1);
    expect(await waitingTransitions(handle, row.id)).toEqual([
      { transition: 'reminder', at: iso(new Date(start.getTime() - 60 * MINUTE)), version: 1 },
      { transition: 'start', at: iso(start), version: 1 },
      { transition: 'end', at: iso(end), version: 1 },
    ]);
    expect((await transitionJobs(handle, row.id)).map((job) => job.data)).toEqual([
      { maintenanceId: row.id, transition: 'reminder', version: 1 },
      { maintenanceId: row.id, transition: 'start', version: 1 },
      { maintenanceId: row.id, transition: 'end', version: 1 },
    ]);
    expect(await auditActions(row.id)).toEqual([{ action: 'maintenance.schedule', actor: 'test-suite' }]);

    const snapshot = await getPublicSnapshot(context);
    expect(snapshot.upcomingMaintenances.map((item) => item.maintenance.id)).toEqual([row.id]);
    expect(snapshot.activeMaintenances).toEqual([]);
    expect(snapshot.status.description).toBe('All Systems Operational');
  });

  it('changes nothing a minute before the start', async () => {
    const job = await waitingTransition(handle, row.id, 'start');
    clock.set(new Date(start.getTime() - MINUTE));
    // A worker only takes the job once it is due; this is the state just before.
    expect((await reload(row)).status).toBe('scheduled');
    expect(await statusesOf([api, dashboard])).toEqual(['operational', 'operational']);
    expect(job.startAfter).toEqual(start);
  });

  it('starts at the start time: in progress, components under maintenance, and the page says so', async () => {
    expect(await runWaiting(row, 'start')).toBe('done');
    const fresh = await reload(row);
    expect(fresh.status).toBe('in_progress');
    expect(fresh.startedAt).toEqual(start);
    expect(await statusesOf([api, dashboard])).toEqual(['under_maintenance', 'under_maintenance']);

    const snapshot = await getPublicSnapshot(context);
    expect(snapshot.status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });
    expect(publicStatusOf(snapshot, api.id)).toBe('under_maintenance');
    expect(snapshot.activeMaintenances.map((item) => item.maintenance.id)).toEqual([row.id]);
    expect(snapshot.upcomingMaintenances).toEqual([]);

    // The reminder and the start are done with; only the end waits.
    expect(await waitingTransitions(handle, row.id)).toEqual([{ transition: 'end', at: iso(end), version: 1 }]);
    expect((await updatesOf(row)).map((item) => item.status)).toEqual(['scheduled', 'in_progress']);
    expect(await auditActions(row.id)).toEqual([
      { action: 'maintenance.schedule', actor: 'test-suite' },
      { action: 'maintenance.start', actor: 'system' },
    ]);
  });

  it('starts exactly once: the same start job again, or one of an older version, changes nothing', async () => {
    const intervalsBefore = (await intervalsOf(handle.db, api.id)).length;
    clock.set(new Date(start.getTime() + 5 * MINUTE));
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'start', version: 1 })).toBe('skipped');
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'start', version: 0 })).toBe('skipped');
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'end', version: 0 })).toBe('skipped');
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'reminder', version: 1 })).toBe('skipped');

    expect((await reload(row)).status).toBe('in_progress');
    expect((await reload(row)).startedAt).toEqual(start);
    expect((await intervalsOf(handle.db, api.id)).length).toBe(intervalsBefore);
    expect((await updatesOf(row)).map((item) => item.status)).toEqual(['scheduled', 'in_progress']);
    expect((await auditActions(row.id)).map((item) => item.action)).toEqual(['maintenance.schedule', 'maintenance.start']);
  });

  it('ends at the end time: completed, components back to operational, no job left', async () => {
    expect(await runWaiting(row, 'end')).toBe('done');
    const fresh = await reload(row);
    expect(fresh.status).toBe('completed');
    expect(fresh.completedAt).toEqual(end);
    expect(await statusesOf([api, dashboard])).toEqual(['operational', 'operational']);
    expect(await transitionJobs(handle, row.id)).toEqual([]);

    const snapshot = await getPublicSnapshot(context);
    expect(snapshot.status.description).toBe('All Systems Operational');
    expect(snapshot.activeMaintenances).toEqual([]);
    expect((await updatesOf(row)).map((item) => item.status)).toEqual(['scheduled', 'in_progress', 'completed']);
    expect(await auditActions(row.id)).toEqual([
      { action: 'maintenance.schedule', actor: 'test-suite' },
      { action: 'maintenance.start', actor: 'system' },
      { action: 'maintenance.complete', actor: 'system' },
    ]);

    // The component's history: operational, under maintenance during the window, operational again.
    const intervals = await intervalsOf(handle.db, api.id);
    const window = intervals.filter((item) => item.status === 'under_maintenance');
    expect(window.map((item) => [iso(item.startedAt), item.endedAt && iso(item.endedAt), item.maintenanceId])).toEqual([
      [iso(start), iso(end), row.id],
    ]);
    expect(intervals.at(-1)).toMatchObject({ status: 'operational', endedAt: null, maintenanceId: null, incidentId: null });
  });

  it('ends exactly once: the end job again changes nothing', async () => {
    clock.set(new Date(end.getTime() + MINUTE));
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'end', version: 1 })).toBe('skipped');
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'start', version: 1 })).toBe('skipped');
    expect((await reload(row)).completedAt).toEqual(end);
    expect((await updatesOf(row)).map((item) => item.status)).toEqual(['scheduled', 'in_progress', 'completed']);
    expect(await statusesOf([api, dashboard])).toEqual(['operational', 'operational']);
  });
});

describe('the statuses components return to', () => {
  it('restores a status set by hand before the window (degraded performance), and operational', async () => {
    const slow = await newComponent('Search');
    const fine = await newComponent('Web');
    const day = newDay();
    expectOk(await setComponentStatus(context, testActor, slow.id, { status: 'degraded_performance' }));
    const row = await schedule({
      components: [slow, fine],
      start: new Date(day.getTime() + 10 * HOUR),
      end: new Date(day.getTime() + 12 * HOUR),
    });

    await runWaiting(row, 'start');
    expect(await statusesOf([slow, fine])).toEqual(['under_maintenance', 'under_maintenance']);
    await runWaiting(row, 'end');
    expect(await statusesOf([slow, fine])).toEqual(['degraded_performance', 'operational']);
  });

  it('leaves the components alone when the window does not set them under maintenance', async () => {
    const quiet = await newComponent('Billing');
    const day = newDay();
    const row = await schedule({
      components: [quiet],
      start: new Date(day.getTime() + 10 * HOUR),
      end: new Date(day.getTime() + 12 * HOUR),
      setsUnderMaintenance: false,
    });
    await runWaiting(row, 'start');
    expect((await reload(row)).status).toBe('in_progress');
    expect(await statusOf(quiet.id)).toBe('operational');
    await runWaiting(row, 'end');
    expect((await reload(row)).status).toBe('completed');
    expect(await statusOf(quiet.id)).toBe('operational');
  });

  it('does not take over a component an open incident holds at the start', async () => {
    const held = await newComponent('Queue');
    const free = await newComponent('Cache');
    const day = newDay();
    const outage = await declareOn(held.id, 'partial_outage');
    const row = await schedule({
      components: [held, free],
      start: new Date(day.getTime() + 10 * HOUR),
      end: new Date(day.getTime() + 12 * HOUR),
    });

    await runWaiting(row, 'start');
    expect(await statusesOf([held, free])).toEqual(['partial_outage', 'under_maintenance']);
    const snapshot = await getPublicSnapshot(context);
    expect(publicStatusOf(snapshot, held.id)).toBe('partial_outage');

    await runWaiting(row, 'end');
    expect(await statusesOf([held, free])).toEqual(['partial_outage', 'operational']);
    expect((await reload(row)).status).toBe('completed');
    // The incident still holds it, and resolving it brings it back.
    clock.advance(MINUTE);
    await resolve(outage.id);
    expect(await statusOf(held.id)).toBe('operational');
  });

  it('keeps the status of an incident declared during the window (major outage) at the end', async () => {
    const db = await newComponent('Database');
    const { row, start } = await scheduleToday([db]);
    await runWaiting(row, 'start');
    expect(await statusOf(db.id)).toBe('under_maintenance');

    clock.set(new Date(start.getTime() + 30 * MINUTE));
    const outage = await declareOn(db.id, 'major_outage');
    expect(await statusOf(db.id)).toBe('major_outage');

    await runWaiting(row, 'end');
    expect((await reload(row)).status).toBe('completed');
    expect(await statusOf(db.id)).toBe('major_outage');
    expect((await getPublicSnapshot(context)).activeMaintenances.map((item) => item.maintenance.id)).not.toContain(row.id);

    // Resolved after the window: nothing to hand back to, so operational.
    clock.advance(10 * MINUTE);
    await resolve(outage.id);
    expect(await statusOf(db.id)).toBe('operational');
  });

  it('hands a component back to the window when an incident declared during it resolves, then returns it to operational', async () => {
    const storage = await newComponent('Storage');
    const { row, start } = await scheduleToday([storage]);
    await runWaiting(row, 'start');

    clock.set(new Date(start.getTime() + 20 * MINUTE));
    const outage = await declareOn(storage.id, 'major_outage');
    clock.set(new Date(start.getTime() + 40 * MINUTE));
    await resolve(outage.id);
    expect(await statusOf(storage.id)).toBe('under_maintenance');

    await runWaiting(row, 'end');
    expect(await statusOf(storage.id)).toBe('operational');
  });

  it('hands a component back to the window when an incident that began before it resolves during it, then returns it to operational', async () => {
    const mail = await newComponent('Mail');
    const day = newDay();
    const outage = await declareOn(mail.id, 'degraded_performance');
    const start = new Date(day.getTime() + 10 * HOUR);
    const row = await schedule({ components: [mail], start, end: new Date(day.getTime() + 12 * HOUR) });
    await runWaiting(row, 'start');
    expect(await statusOf(mail.id)).toBe('degraded_performance');

    clock.set(new Date(start.getTime() + 30 * MINUTE));
    await resolve(outage.id);
    expect(await statusOf(mail.id)).toBe('under_maintenance');

    await runWaiting(row, 'end');
    expect(await statusOf(mail.id)).toBe('operational');
  });
});

describe('rescheduling', () => {
  it('moves the jobs to the new times with the next version; the old jobs do nothing; an update says so', async () => {
    const cdn = await newComponent('CDN');
    const { row, start, end } = await scheduleToday([cdn], { notify: true });
    // Far from every other test's day: a Tuesday in June.
    const newStart = new Date('2026-06-16T14:00:00.000Z');
    const newEnd = new Date('2026-06-16T16:00:00.000Z');
    const oldStart = await waitingTransition(handle, row.id, 'start');
    const oldReminder = await waitingTransition(handle, row.id, 'reminder');

    clock.advance(MINUTE);
    const moved = expectOk(
      await updateMaintenance(context, testActor, row.id, {
        title: row.title,
        description: row.description,
        components: [cdn.id],
        startsAt: local(newStart),
        endsAt: local(newEnd),
        timeZone: 'UTC',
      }),
    );
    expect(moved.scheduleVersion).toBe(2);
    expect(moved.scheduledFor).toEqual(newStart);
    expect(moved.scheduledUntil).toEqual(newEnd);
    expect(await waitingTransitions(handle, row.id)).toEqual([
      { transition: 'reminder', at: iso(new Date(newStart.getTime() - HOUR)), version: 2 },
      { transition: 'start', at: iso(newStart), version: 2 },
      { transition: 'end', at: iso(newEnd), version: 2 },
    ]);
    expect((await transitionJobs(handle, row.id)).some((job) => job.data.version === 1)).toBe(false);

    const [, rescheduled] = await updatesOf(row);
    expect(rescheduled?.body).toBe('Rescheduled to Tue 16 Jun 2026, 14:00–16:00 UTC.');
    expect(rescheduled?.status).toBe('scheduled');
    expect(await auditActions(row.id)).toEqual([
      { action: 'maintenance.schedule', actor: 'test-suite' },
      { action: 'maintenance.reschedule', actor: 'test-suite' },
    ]);

    // A worker had already taken the old jobs: when they run at the old times, nothing happens.
    clock.set(oldReminder.startAfter);
    expect(await runMaintenanceTransition(context, oldReminder.data)).toBe('skipped');
    clock.set(start);
    expect(await runMaintenanceTransition(context, oldStart.data)).toBe('skipped');
    clock.set(end);
    expect(await runMaintenanceTransition(context, { ...oldStart.data, transition: 'end' })).toBe('skipped');
    expect((await reload(row)).status).toBe('scheduled');
    expect(await statusOf(cdn.id)).toBe('operational');

    // The new jobs run at the new times.
    expect(await runWaiting(row, 'start')).toBe('done');
    expect(await statusOf(cdn.id)).toBe('under_maintenance');
    expect((await reload(row)).startedAt).toEqual(newStart);
    expect(await runWaiting(row, 'end')).toBe('done');
    expect(await statusOf(cdn.id)).toBe('operational');
    expect((await reload(row)).completedAt).toEqual(newEnd);
  });

  it('keeps the version and the jobs when an edit leaves the times alone', async () => {
    const dns = await newComponent('DNS');
    const { row, start, end } = await scheduleToday([dns], { notify: true });
    clock.advance(MINUTE);
    const edited = expectOk(
      await updateMaintenance(context, testActor, row.id, {
        title: 'A clearer title',
        description: row.description,
        components: [dns.id],
        startsAt: local(start),
        endsAt: local(end),
        timeZone: 'UTC',
      }),
    );
    expect(edited.scheduleVersion).toBe(1);
    expect(edited.title).toBe('A clearer title');
    expect((await waitingTransitions(handle, row.id)).map((job) => [job.transition, job.version])).toEqual([
      ['reminder', 1],
      ['start', 1],
      ['end', 1],
    ]);
    expect((await updatesOf(row)).map((item) => item.body.startsWith('Rescheduled'))).toEqual([false]);
    expect((await auditActions(row.id)).map((item) => item.action)).toEqual(['maintenance.schedule', 'maintenance.edit']);
  });
});

describe('cancelling', () => {
  it('removes every job of a scheduled window, which then never starts', async () => {
    const auth = await newComponent('Auth');
    const { row, start } = await scheduleToday([auth]);
    const oldStart = await waitingTransition(handle, row.id, 'start');
    clock.advance(MINUTE);
    const cancelled = expectOk(await cancelMaintenance(context, testActor, row.id, {}));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelledAt).toEqual(clock.now());
    expect(await transitionJobs(handle, row.id)).toEqual([]);
    const updates = await updatesOf(row);
    expect(updates.map((item) => item.status)).toEqual(['scheduled', 'cancelled']);
    expect(updates[1]!.body).toBe('This scheduled maintenance has been cancelled.');
    expect((await auditActions(row.id)).map((item) => item.action)).toEqual(['maintenance.schedule', 'maintenance.cancel']);

    clock.set(start);
    expect(await runMaintenanceTransition(context, oldStart.data)).toBe('skipped');
    expect(await statusOf(auth.id)).toBe('operational');
    expect((await reload(row)).status).toBe('cancelled');
  });

  it('restores the components of a window in progress', async () => {
    const search = await newComponent('Search');
    const { row, start } = await scheduleToday([search]);
    await runWaiting(row, 'start');
    expect(await statusOf(search.id)).toBe('under_maintenance');

    clock.set(new Date(start.getTime() + 15 * MINUTE));
    expectOk(await cancelMaintenance(context, testActor, row.id, { message: 'We stopped: the upgrade is postponed.' }));
    expect((await reload(row)).status).toBe('cancelled');
    expect(await statusOf(search.id)).toBe('operational');
    expect(await transitionJobs(handle, row.id)).toEqual([]);
    expect((await updatesOf(row)).at(-1)?.body).toBe('We stopped: the upgrade is postponed.');
    expect((await getPublicSnapshot(context)).activeMaintenances.map((item) => item.maintenance.id)).not.toContain(row.id);
  });
});

describe('staff actions during the window', () => {
  let gateway: ComponentRow;
  let row: MaintenanceRow;
  let start: Date;
  let end: Date;
  let newEnd: Date;

  it('starts early: in progress now, the reminder and start jobs gone, the end job kept', async () => {
    gateway = await newComponent('Gateway');
    ({ row, start, end } = await scheduleToday([gateway]));
    clock.set(new Date(start.getTime() - 30 * MINUTE));
    const started = expectOk(await startMaintenanceNow(context, testActor, row.id, {}));
    expect(started.status).toBe('in_progress');
    expect(started.startedAt).toEqual(clock.now());
    expect(await statusOf(gateway.id)).toBe('under_maintenance');
    expect(await waitingTransitions(handle, row.id)).toEqual([{ transition: 'end', at: iso(end), version: 1 }]);

    // The start job, had a worker taken it already, does nothing.
    clock.set(start);
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'start', version: 1 })).toBe('skipped');
    expect((await updatesOf(row)).map((item) => item.status)).toEqual(['scheduled', 'in_progress']);
  });

  it('extends: the end job moves to the new end with the next version, and the old end does nothing', async () => {
    newEnd = new Date(end.getTime() + 90 * MINUTE);
    clock.set(new Date(start.getTime() + HOUR));
    const extended = expectOk(await extendMaintenance(context, testActor, row.id, { endsAt: local(newEnd), timeZone: 'UTC' }));
    expect(extended.scheduledUntil).toEqual(newEnd);
    expect(extended.scheduleVersion).toBe(2);
    expect(await waitingTransitions(handle, row.id)).toEqual([{ transition: 'end', at: iso(newEnd), version: 2 }]);
    expect((await updatesOf(row)).at(-1)?.status).toBe('in_progress');

    clock.set(end);
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'end', version: 1 })).toBe('skipped');
    expect((await reload(row)).status).toBe('in_progress');
    expect(await statusOf(gateway.id)).toBe('under_maintenance');
  });

  it('marks it verifying, still under maintenance', async () => {
    clock.set(new Date(end.getTime() + 30 * MINUTE));
    const verifying = expectOk(await markMaintenanceVerifying(context, testActor, row.id, {}));
    expect(verifying.status).toBe('verifying');
    expect(await statusOf(gateway.id)).toBe('under_maintenance');
    const active = (await getPublicSnapshot(context)).activeMaintenances.find((item) => item.maintenance.id === row.id);
    expect(active?.maintenance.status).toBe('verifying');
    expect((await updatesOf(row)).at(-1)?.status).toBe('verifying');
  });

  it('completes early: completed now, components restored, the end job dropped', async () => {
    clock.set(new Date(newEnd.getTime() - 20 * MINUTE));
    const completed = expectOk(await completeMaintenance(context, testActor, row.id, { message: 'Done ahead of time.' }));
    expect(completed.status).toBe('completed');
    expect(completed.completedAt).toEqual(clock.now());
    expect(await statusOf(gateway.id)).toBe('operational');
    expect(await transitionJobs(handle, row.id)).toEqual([]);

    clock.set(newEnd);
    expect(await runMaintenanceTransition(context, { maintenanceId: row.id, transition: 'end', version: 2 })).toBe('skipped');
    expect((await reload(row)).completedAt).toEqual(new Date(newEnd.getTime() - 20 * MINUTE));
    expect((await updatesOf(row)).map((item) => item.status)).toEqual([
      'scheduled',
      'in_progress',
      'in_progress',
      'verifying',
      'completed',
    ]);
    expect(await auditActions(row.id)).toEqual([
      { action: 'maintenance.schedule', actor: 'test-suite' },
      { action: 'maintenance.start', actor: 'test-suite' },
      { action: 'maintenance.extend', actor: 'test-suite' },
      { action: 'maintenance.verify', actor: 'test-suite' },
      { action: 'maintenance.complete', actor: 'test-suite' },
    ]);
  });
});

describe('after downtime', () => {
  it('starts and completes once when the end job arrives while the window is still scheduled', async () => {
    const reports = await newComponent('Reports');
    const { row, end } = await scheduleToday([reports]);
    const startJob = await waitingTransition(handle, row.id, 'start');

    // Herald was down across the whole window: both jobs are due; the end happens to run first.
    expect(await runWaiting(row, 'end', new Date(end.getTime() + 20 * MINUTE))).toBe('done');
    const fresh = await reload(row);
    expect(fresh.status).toBe('completed');
    expect(fresh.startedAt).toEqual(clock.now());
    expect(fresh.completedAt).toEqual(clock.now());
    expect(await statusOf(reports.id)).toBe('operational');
    expect(await transitionJobs(handle, row.id)).toEqual([]);

    expect(await runMaintenanceTransition(context, startJob.data)).toBe('skipped');
    expect(await runMaintenanceTransition(context, { ...startJob.data, transition: 'end' })).toBe('skipped');
    expect((await reload(row)).status).toBe('completed');
    expect((await updatesOf(row)).map((item) => item.status).sort()).toEqual(['completed', 'in_progress', 'scheduled']);
    expect((await auditActions(row.id)).map((item) => item.action)).toEqual([
      'maintenance.schedule',
      'maintenance.start',
      'maintenance.complete',
    ]);
  });

  it('lists "completed" above "in progress" on the public page of a window started and completed at once', async () => {
    // Both updates carry the same instant; the page must still show them in the order they happened.
    // Several windows, because a wrong tie-break (random ids) would pass one by chance half the time.
    const timelines: string[][] = [];
    for (let index = 0; index < 6; index += 1) {
      const { row, end } = await scheduleToday([]);
      await runWaiting(row, 'end', new Date(end.getTime() + 5 * MINUTE));
      const detail = await getPublicMaintenance(context, row.id);
      timelines.push(detail!.updates.map((item) => item.status));
    }
    expect(timelines).toEqual(Array.from({ length: 6 }, () => ['completed', 'in_progress', 'scheduled']));
  });
});

describe('a restart during the window', () => {
  it('completes the window once from the end job still queued when the new job queue runs it', async () => {
    const payments = await newComponent('Payments');
    const { row, start, end } = await scheduleToday([payments]);
    await runWaiting(row, 'start');
    expect(await statusOf(payments.id)).toBe('under_maintenance');

    // Herald stops mid-window…
    clock.set(new Date(start.getTime() + 45 * MINUTE));
    await handle.jobs.stop();
    // …and comes back with a fresh job queue on the same database.
    restarted = await startJobQueue(handle, testQueueSettings, { maintenance: false });
    Object.assign(context, { queue: restarted.queue });

    const endJob = await waitingTransition(handle, row.id, 'end');
    expect(endJob.data).toEqual({ maintenanceId: row.id, transition: 'end', version: 1 });
    expect(endJob.startAfter).toEqual(end);
    expect((await reload(row)).status).toBe('in_progress');
    expect(await statusOf(payments.id)).toBe('under_maintenance');

    clock.set(end);
    expect(await runMaintenanceTransition(context, endJob.data)).toBe('done');
    // Delivered twice (a worker died after running it, before pg-boss heard): the second does nothing.
    expect(await runMaintenanceTransition(context, endJob.data)).toBe('skipped');
    expect((await reload(row)).status).toBe('completed');
    expect((await reload(row)).completedAt).toEqual(end);
    expect(await statusOf(payments.id)).toBe('operational');
    expect((await updatesOf(row)).map((item) => item.status)).toEqual(['scheduled', 'in_progress', 'completed']);

    // The new queue serves the next window as the old one did.
    const next = await scheduleToday([payments], { notify: true });
    expect((await waitingTransitions(handle, next.row.id)).map((job) => job.transition)).toEqual(['reminder', 'start', 'end']);
  });
});
