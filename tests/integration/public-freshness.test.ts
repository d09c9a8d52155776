/**
 * The public snapshot names the next moment its page changes with time alone, which the edge
 * renders again at (tests/integration/public-edge.test.ts): a maintenance entering the
 * announcement horizon, a countdown's next minute, a start, an end, a day boundary.
 */
import { describe, expect, it } from 'vitest';
import type { MaintenanceRow } from '../../src/lib/server/db/schema';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { getPublicSnapshot } from '../../src/lib/server/services/public/public-snapshot';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { DAY, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, context } = useTestContext({ start: '2026-03-01T10:00:20.000Z' });

async function schedule(start: Date): Promise<MaintenanceRow> {
  const component = expectOk(await createComponent(context, testActor, { name: `Database ${start.toISOString()}` }));
  const [row] = expectOk(
    await scheduleMaintenance(context, testActor, {
      title: 'Database upgrade',
      description: 'A new major version.',
      components: [component.id],
      startsAt: start.toISOString().slice(0, 16),
      endsAt: new Date(start.getTime() + 2 * HOUR).toISOString().slice(0, 16),
      timeZone: 'UTC',
      notifySubscribers: false,
    }),
  );
  return row!;
}

describe('the snapshot says until when it holds', () => {
  it('until a maintenance beyond the horizon enters it, then minute by minute of its countdown', async () => {
    expectOk(await updatePageSettings(context, testActor, { name: 'Acme', timeZone: 'UTC', upcomingMaintenanceDays: 7 }));
    // Starts 7 days and 40 seconds from now: it enters the 7-day horizon in 40 s.
    const row = await schedule(new Date(clock.now().getTime() + 7 * DAY + 40_000));
    let snapshot = await getPublicSnapshot(context);
    expect(snapshot.upcomingMaintenances.map((item) => item.maintenance.id)).not.toContain(row.id);
    expect(snapshot.freshUntil.toISOString()).toBe(new Date(row.scheduledFor.getTime() - 7 * DAY).toISOString());

    clock.set(snapshot.freshUntil);
    snapshot = await getPublicSnapshot(context);
    expect(snapshot.upcomingMaintenances.map((item) => item.maintenance.id)).toContain(row.id);
    // Now it counts down, in minutes rounded to the nearest: 7 d exactly becomes 7 d less a minute half a minute on.
    expect(snapshot.freshUntil.getTime() - clock.now().getTime()).toBe(MINUTE / 2 + 1);
  });

  it('at the UTC day boundary of the uptime bars, and at midnight in the page zone', async () => {
    expectOk(await updatePageSettings(context, testActor, { name: 'Acme', timeZone: 'Asia/Kolkata', upcomingMaintenanceDays: 7 }));
    clock.set('2026-03-09T23:59:45.000Z');
    expect((await getPublicSnapshot(context)).freshUntil.toISOString()).toBe('2026-03-10T00:00:00.000Z');
    // Kolkata is UTC+5:30: its midnight is 18:30 UTC.
    clock.set('2026-03-10T18:29:30.000Z');
    expect((await getPublicSnapshot(context)).freshUntil.toISOString()).toBe('2026-03-10T18:30:00.000Z');
  });
});
