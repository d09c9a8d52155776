/**
 * Bad maintenance input is refused, names the field at fault and changes nothing (no row, no
 * update, no audit entry, no job); a recurring window creates its occurrences, each with its
 * jobs, at the same local time across a daylight-saving change; an action in the wrong status is
 * a conflict; an unknown maintenance is not found.
 */
import { asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { utcToZonedTime } from '../../src/lib/domain/recurrence';
import {
  auditLog,
  maintenance,
  maintenanceComponent,
  maintenanceSeries,
  maintenanceUpdate,
  notification,
  type ComponentRow,
  type MaintenanceRow,
} from '../../src/lib/server/db/schema';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import type { scheduleMaintenanceInput } from '../../src/lib/server/services/maintenance/maintenance-input';
import { runMaintenanceTransition } from '../../src/lib/server/jobs/handlers/maintenance-transition';
import {
  cancelMaintenance,
  completeMaintenance,
  extendMaintenance,
  markMaintenanceVerifying,
  postMaintenanceUpdate,
  startMaintenanceNow,
} from '../../src/lib/server/services/maintenance/maintenance-action-commands';
import { scheduleMaintenance, updateMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { countRows, expectFailure, expectInvalid, expectOk, testActor } from '../support/factories';
import { transitionJobs } from '../support/maintenance-jobs';
import { useTestContext } from '../support/test-database';

/** "Now" for every test: Tuesday 10 March 2026, 12:00 UTC (Paris is on CET, UTC+1, until 29 March). */
const NOW = new Date('2026-03-10T12:00:00.000Z');

const { clock, handle, context } = useTestContext({ start: NOW });
let api: ComponentRow;
let worker: ComponentRow;

beforeAll(async () => {
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  worker = expectOk(await createComponent(context, testActor, { name: 'Worker' }));
});

beforeEach(() => {
  clock.set(NOW);
});

type ScheduleInput = z.input<typeof scheduleMaintenanceInput>;

/** A valid one-off window tomorrow, 02:00–04:00 in Paris, changed by `changes`. */
function input(changes: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    title: 'Database upgrade',
    description: 'We are upgrading the primary database.',
    components: [api.id],
    startsAt: '2026-03-11T02:00',
    endsAt: '2026-03-11T04:00',
    timeZone: 'Europe/Paris',
    ...changes,
  };
}

async function pgbossJobCount(): Promise<number> {
  const { rows } = await handle.executor.executeSql(
    "select count(*)::int as count from pgboss.job where name = 'maintenance-transition'",
    [],
  );
  return Number((rows[0] as { count: number | string }).count);
}

/** Everything a maintenance write could have changed. */
async function footprint() {
  return {
    maintenances: await countRows(handle.db, maintenance),
    components: await countRows(handle.db, maintenanceComponent),
    series: await countRows(handle.db, maintenanceSeries),
    updates: await countRows(handle.db, maintenanceUpdate),
    notifications: await countRows(handle.db, notification),
    audit: await countRows(handle.db, auditLog),
    jobs: await pgbossJobCount(),
  };
}

/** Schedules with `changes` and expects it refused: returns the field errors, checking nothing changed. */
async function refused(changes: Partial<ScheduleInput>): Promise<Record<string, string>> {
  const before = await footprint();
  const errors = expectInvalid(await scheduleMaintenance(context, testActor, input(changes)));
  expect(await footprint()).toEqual(before);
  return errors;
}

describe('scheduling refuses bad input and changes nothing', () => {
  it('an end before the start, or equal to it', async () => {
    expect(Object.keys(await refused({ endsAt: '2026-03-11T01:00' }))).toEqual(['endsAt']);
    expect((await refused({ endsAt: '2026-03-11T01:00' })).endsAt).toBe('The end must be after the start.');
    expect(Object.keys(await refused({ endsAt: '2026-03-11T02:00' }))).toEqual(['endsAt']);
  });

  it('a start in the past without backfill', async () => {
    const errors = await refused({ startsAt: '2026-03-10T11:00', endsAt: '2026-03-10T14:00' });
    expect(Object.keys(errors)).toEqual(['startsAt']);
    expect(errors.startsAt).toContain('Backfill');
  });

  it('a backfill whose end is in the future', async () => {
    const errors = await refused({ startsAt: '2026-03-10T10:00', endsAt: '2026-03-10T14:00', backfill: true });
    expect(Object.keys(errors)).toEqual(['endsAt']);
  });

  it('an unknown component, named by its position', async () => {
    expect(await refused({ components: [api.id, 'nosuchcomponent'] })).toEqual({ 'components.1': 'That component does not exist.' });
    expect(Object.keys(await refused({ components: ['nosuchcomponent', worker.id] }))).toEqual(['components.0']);
    expect(Object.keys(await refused({ components: ['Not An Id!'] }))).toEqual(['components.0']);
  });

  it('a component listed twice', async () => {
    expect(Object.keys(await refused({ components: [api.id, api.id] }))).toEqual(['components']);
  });

  it('an unknown time zone', async () => {
    const errors = await refused({ timeZone: 'Mars/Olympus_Mons' });
    expect(Object.keys(errors)).toEqual(['timeZone']);
  });

  it.each([['2026-03-11 02:00'], ['2026-02-30T02:00'], ['2026-03-11T24:00'], ['tomorrow'], ['']])(
    'a malformed start %j',
    async (startsAt) => {
      expect(Object.keys(await refused({ startsAt }))).toEqual(['startsAt']);
    },
  );

  it('a malformed end', async () => {
    expect(Object.keys(await refused({ endsAt: '2026-03-11T4:00' }))).toEqual(['endsAt']);
  });

  it('a missing title', async () => {
    expect(Object.keys(await refused({ title: '   ' }))).toEqual(['title']);
  });

  it('a weekly recurrence with no weekdays', async () => {
    const errors = await refused({ recurrence: 'weekly', weekdays: [], occurrences: 4 });
    expect(Object.keys(errors)).toEqual(['weekdays']);
  });

  it('a weekday outside Monday–Sunday', async () => {
    expect(Object.keys(await refused({ recurrence: 'weekly', weekdays: [8], occurrences: 4 }))).toEqual(['weekdays.0']);
  });

  it('a monthly recurrence without its day', async () => {
    const errors = await refused({ recurrence: 'monthly', occurrences: 4 });
    expect(Object.keys(errors)).toEqual(['dayOfMonth']);
  });

  it('a recurrence without a count or an end date', async () => {
    expect(Object.keys(await refused({ recurrence: 'weekly', weekdays: [2] }))).toEqual(['occurrences']);
    expect(Object.keys(await refused({ recurrence: 'weekly', weekdays: [2], recurrenceEnd: 'until' }))).toEqual(['until']);
  });

  it('a recurrence of more than 500 occurrences, by end date or by count', async () => {
    const byDate = await refused({ recurrence: 'weekly', weekdays: [1, 2, 3, 4, 5, 6, 7], recurrenceEnd: 'until', until: '2031-03-11' });
    expect(Object.keys(byDate)).toEqual(['until']);
    expect(byDate.until).toContain('500');

    const byCount = await refused({ recurrence: 'weekly', weekdays: [3], recurrenceEnd: 'count', occurrences: 501 });
    expect(Object.keys(byCount)).toEqual(['occurrences']);
    expect(byCount.occurrences).toContain('500');
  });

  it('a backfill that repeats', async () => {
    const errors = await refused({
      startsAt: '2026-03-09T02:00',
      endsAt: '2026-03-09T04:00',
      backfill: true,
      recurrence: 'weekly',
      weekdays: [1],
      occurrences: 2,
    });
    expect(Object.keys(errors)).toEqual(['recurrence']);
  });
});

describe('a recurring window', () => {
  it('creates each occurrence of a weekly series at 09:00 Paris time across the change to summer time, each with its jobs', async () => {
    const before = await footprint();
    const rows = expectOk(
      await scheduleMaintenance(
        context,
        testActor,
        input({
          title: 'Weekly patching',
          components: [api.id, worker.id],
          startsAt: '2026-03-17T09:00',
          endsAt: '2026-03-17T10:30',
          recurrence: 'weekly',
          weekdays: [2],
          recurrenceEnd: 'count',
          occurrences: 4,
        }),
      ),
    );
    expect(rows).toHaveLength(4);
    // 29 March 2026: Paris moves from UTC+1 to UTC+2, so the UTC start moves an hour earlier.
    expect(rows.map((row) => row.scheduledFor.toISOString())).toEqual([
      '2026-03-17T08:00:00.000Z',
      '2026-03-24T08:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
      '2026-04-07T07:00:00.000Z',
    ]);
    expect(rows.map((row) => utcToZonedTime(row.scheduledFor, 'Europe/Paris'))).toEqual([
      '2026-03-17T09:00',
      '2026-03-24T09:00',
      '2026-03-31T09:00',
      '2026-04-07T09:00',
    ]);
    expect(rows.every((row) => row.scheduledUntil.getTime() - row.scheduledFor.getTime() === 90 * 60_000)).toBe(true);
    expect(rows.every((row) => row.status === 'scheduled' && row.seriesId !== null && row.seriesId === rows[0]!.seriesId)).toBe(true);
    expect(new Set(rows.map((row) => row.id)).size).toBe(4);

    const [series] = await handle.db.select().from(maintenanceSeries).where(eq(maintenanceSeries.id, rows[0]!.seriesId!));
    expect(series).toMatchObject({ rule: { frequency: 'weekly', weekdays: [2] }, end: { count: 4 } });

    for (const row of rows) {
      const jobs = await transitionJobs(handle, row.id);
      expect(jobs.map((job) => [job.data.transition, job.startAfter.toISOString(), job.data.version])).toEqual([
        ['reminder', new Date(row.scheduledFor.getTime() - 3_600_000).toISOString(), 1],
        ['start', row.scheduledFor.toISOString(), 1],
        ['end', row.scheduledUntil.toISOString(), 1],
      ]);
      const components = await handle.db
        .select()
        .from(maintenanceComponent)
        .where(eq(maintenanceComponent.maintenanceId, row.id))
        .orderBy(asc(maintenanceComponent.componentId));
      expect(components.map((item) => item.componentId).sort()).toEqual([api.id, worker.id].sort());
    }
    const after = await footprint();
    expect(after.maintenances - before.maintenances).toBe(4);
    expect(after.series - before.series).toBe(1);
    expect(after.jobs - before.jobs).toBe(12);
    // One audit entry for the whole series.
    expect(after.audit - before.audit).toBe(1);
  });

  it('creates a monthly series on the 31st, on the last day of shorter months, until a date', async () => {
    const rows = expectOk(
      await scheduleMaintenance(
        context,
        testActor,
        input({
          title: 'Monthly failover test',
          startsAt: '2026-03-31T22:00',
          endsAt: '2026-03-31T23:00',
          recurrence: 'monthly',
          dayOfMonth: 31,
          recurrenceEnd: 'until',
          until: '2026-06-30',
        }),
      ),
    );
    expect(rows.map((row) => utcToZonedTime(row.scheduledFor, 'Europe/Paris'))).toEqual([
      '2026-03-31T22:00',
      '2026-04-30T22:00',
      '2026-05-31T22:00',
      '2026-06-30T22:00',
    ]);
  });

  it('accepts exactly 500 occurrences', async () => {
    const rows = expectOk(
      await scheduleMaintenance(
        context,
        testActor,
        input({
          title: 'Nightly vacuum',
          components: [],
          startsAt: '2026-03-12T03:00',
          endsAt: '2026-03-12T03:15',
          recurrence: 'weekly',
          weekdays: [1, 2, 3, 4, 5, 6, 7],
          occurrences: 500,
          notifySubscribers: false,
        }),
      ),
    );
    expect(rows).toHaveLength(500);
  });
});

describe('actions in the wrong status', () => {
  let scheduled: MaintenanceRow;
  let completed: MaintenanceRow;

  beforeAll(async () => {
    clock.set(NOW);
    scheduled = expectOk(
      await scheduleMaintenance(
        context,
        testActor,
        input({ title: 'Still scheduled', startsAt: '2026-04-20T02:00', endsAt: '2026-04-20T04:00' }),
      ),
    )[0]!;
    completed = expectOk(
      await scheduleMaintenance(
        context,
        testActor,
        input({ title: 'Already over', startsAt: '2026-03-01T02:00', endsAt: '2026-03-01T04:00', backfill: true }),
      ),
    )[0]!;
  });

  async function stateOf(row: MaintenanceRow) {
    const [fresh] = await handle.db.select().from(maintenance).where(eq(maintenance.id, row.id));
    return { row: fresh, footprint: await footprint(), jobs: await transitionJobs(handle, row.id) };
  }

  it('refuses to complete, verify or extend a window that has not started, and changes nothing', async () => {
    const before = await stateOf(scheduled);
    expectFailure(await completeMaintenance(context, testActor, scheduled.id, {}), 'conflict');
    expectFailure(await markMaintenanceVerifying(context, testActor, scheduled.id, {}), 'conflict');
    expectFailure(
      await extendMaintenance(context, testActor, scheduled.id, { endsAt: '2026-04-20T06:00', timeZone: 'Europe/Paris' }),
      'conflict',
    );
    expect(await stateOf(scheduled)).toEqual(before);
  });

  it('refuses to start, cancel, complete, post to or reschedule a completed window, and changes nothing', async () => {
    const before = await stateOf(completed);
    const failure = expectFailure(await startMaintenanceNow(context, testActor, completed.id, {}), 'conflict');
    expect(failure.message).toContain('completed');
    expectFailure(await cancelMaintenance(context, testActor, completed.id, {}), 'conflict');
    expectFailure(await completeMaintenance(context, testActor, completed.id, {}), 'conflict');
    expectFailure(await postMaintenanceUpdate(context, testActor, completed.id, { message: 'Too late.' }), 'conflict');
    expectFailure(
      await updateMaintenance(context, testActor, completed.id, {
        title: 'Moved',
        description: 'x',
        components: [api.id],
        startsAt: '2026-04-01T02:00',
        endsAt: '2026-04-01T04:00',
        timeZone: 'Europe/Paris',
      }),
      'conflict',
    );
    expect(await stateOf(completed)).toEqual(before);
  });

  it('refuses to start a window that has been cancelled', async () => {
    const [row] = expectOk(
      await scheduleMaintenance(
        context,
        testActor,
        input({ title: 'Called off', startsAt: '2026-04-21T02:00', endsAt: '2026-04-21T04:00' }),
      ),
    );
    expectOk(await cancelMaintenance(context, testActor, row!.id, {}));
    const before = await stateOf(row!);
    expectFailure(await startMaintenanceNow(context, testActor, row!.id, {}), 'conflict');
    expectFailure(await cancelMaintenance(context, testActor, row!.id, {}), 'conflict');
    expect(await stateOf(row!)).toEqual(before);
  });

  it('refuses a reschedule into the past and an extension to an end already passed', async () => {
    const before = await stateOf(scheduled);
    const errors = expectInvalid(
      await updateMaintenance(context, testActor, scheduled.id, {
        title: scheduled.title,
        description: scheduled.description,
        components: [api.id],
        startsAt: '2026-03-09T02:00',
        endsAt: '2026-03-09T04:00',
        timeZone: 'Europe/Paris',
      }),
    );
    expect(Object.keys(errors)).toEqual(['startsAt']);
    expect(
      Object.keys(
        expectInvalid(
          await updateMaintenance(context, testActor, scheduled.id, {
            ...input(),
            startsAt: '2026-04-20T05:00',
            endsAt: '2026-04-20T04:00',
          }),
        ),
      ),
    ).toEqual(['endsAt']);
    expect(await stateOf(scheduled)).toEqual(before);

    // Started now, it cannot be extended to an end before now.
    const started = expectOk(await startMaintenanceNow(context, testActor, scheduled.id, {}));
    const during = await stateOf(started);
    expect(
      Object.keys(
        expectInvalid(await extendMaintenance(context, testActor, started.id, { endsAt: '2026-03-10T12:30', timeZone: 'Europe/Paris' })),
      ),
    ).toEqual(['endsAt']);
    expect(await stateOf(started)).toEqual(during);
  });
});

describe('an unknown maintenance', () => {
  it('is not found by any action, and nothing changes', async () => {
    const before = await footprint();
    const id = 'nosuchmaintenance';
    expectFailure(await startMaintenanceNow(context, testActor, id, {}), 'not_found');
    expectFailure(await completeMaintenance(context, testActor, id, {}), 'not_found');
    expectFailure(await cancelMaintenance(context, testActor, id, {}), 'not_found');
    expectFailure(await markMaintenanceVerifying(context, testActor, id, {}), 'not_found');
    expectFailure(await extendMaintenance(context, testActor, id, { endsAt: '2026-04-20T06:00', timeZone: 'Europe/Paris' }), 'not_found');
    expectFailure(await postMaintenanceUpdate(context, testActor, id, { message: 'Hello?' }), 'not_found');
    expectFailure(await updateMaintenance(context, testActor, id, input()), 'not_found');
    expect(await runMaintenanceTransition(context, { maintenanceId: id, transition: 'start', version: 1 })).toBe('skipped');
    expect(await footprint()).toEqual(before);
  });
});
