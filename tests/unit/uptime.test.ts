import { describe, expect, it } from 'vitest';
import type { ComponentStatus } from '../../src/lib/domain/statuses';
import {
  dailyUptime,
  downtimeWeight,
  formatUptime,
  uptimePercentage,
  type DayUptime,
  type StatusInterval,
} from '../../src/lib/domain/uptime';

const HOUR_S = 3600;
const DAY_S = 86_400;
const NOW = new Date('2026-03-10T12:00:00Z');
/** Long before any window used here, so the component is observed on every day. */
const LONG_AGO = new Date('2025-01-01T00:00:00Z');

function interval(status: ComponentStatus, start: string, end: string | null): StatusInterval {
  return { status, start: new Date(start), end: end === null ? null : new Date(end) };
}

function days(options: { intervals?: StatusInterval[]; existsSince?: Date; now?: Date; days?: number }): Map<string, DayUptime> {
  const result = dailyUptime({
    intervals: options.intervals ?? [],
    existsSince: options.existsSince ?? LONG_AGO,
    now: options.now ?? NOW,
    days: options.days ?? 7,
  });
  return new Map(result.map((day) => [day.date, day]));
}

function day(map: Map<string, DayUptime>, date: string): DayUptime {
  const found = map.get(date);
  if (!found) throw new Error(`no entry for ${date}`);
  return found;
}

describe('downtimeWeight', () => {
  it.each<[ComponentStatus, number]>([
    ['major_outage', 1],
    ['partial_outage', 0.5],
    ['degraded_performance', 0],
    ['under_maintenance', 0],
    ['operational', 0],
  ])('a second of %s counts as %d seconds of downtime', (status, weight) => {
    expect(downtimeWeight(status)).toBe(weight);
  });
});

describe('dailyUptime', () => {
  describe('window', () => {
    it('returns 90 UTC days, oldest first, the last one today', () => {
      const result = dailyUptime({ intervals: [], existsSince: LONG_AGO, now: NOW, days: 90 });
      expect(result).toHaveLength(90);
      expect(result[0]!.date).toBe('2025-12-11');
      expect(result.at(-1)!.date).toBe('2026-03-10');
      for (let i = 1; i < result.length; i += 1) {
        const previous = Date.parse(`${result[i - 1]!.date}T00:00:00Z`);
        const current = Date.parse(`${result[i]!.date}T00:00:00Z`);
        expect(current - previous).toBe(DAY_S * 1000);
      }
    });

    it('uses the UTC calendar day even when now is just after UTC midnight', () => {
      const result = dailyUptime({ intervals: [], existsSince: LONG_AGO, now: new Date('2026-03-10T00:30:00Z'), days: 2 });
      expect(result.map((d) => d.date)).toEqual(['2026-03-09', '2026-03-10']);
      expect(result[1]!.observedSeconds).toBe(30 * 60);
    });

    it('crosses month and year boundaries (no leap day in 2026)', () => {
      const result = dailyUptime({ intervals: [], existsSince: LONG_AGO, now: new Date('2026-03-01T08:00:00Z'), days: 2 });
      expect(result.map((d) => d.date)).toEqual(['2026-02-28', '2026-03-01']);
      const newYear = dailyUptime({ intervals: [], existsSince: LONG_AGO, now: new Date('2026-01-01T08:00:00Z'), days: 2 });
      expect(newYear.map((d) => d.date)).toEqual(['2025-12-31', '2026-01-01']);
    });

    it('a single-day window is just today', () => {
      const result = dailyUptime({ intervals: [], existsSince: LONG_AGO, now: NOW, days: 1 });
      expect(result.map((d) => d.date)).toEqual(['2026-03-10']);
    });
  });

  it('with no intervals every past day is fully observed at 100 % and operational', () => {
    const result = dailyUptime({ intervals: [], existsSince: LONG_AGO, now: NOW, days: 90 });
    for (const entry of result.slice(0, -1)) {
      expect(entry).toEqual({ date: entry.date, observedSeconds: DAY_S, downSeconds: 0, uptime: 100, worstStatus: 'operational' });
    }
  });

  it('today is observed only until now', () => {
    const today = day(days({}), '2026-03-10');
    expect(today.observedSeconds).toBe(12 * HOUR_S);
    expect(today.uptime).toBe(100);
  });

  it('a major outage counts fully as down', () => {
    const result = days({ intervals: [interval('major_outage', '2026-03-08T06:00:00Z', '2026-03-08T12:00:00Z')] });
    const entry = day(result, '2026-03-08');
    expect(entry.downSeconds).toBe(6 * HOUR_S);
    expect(entry.uptime).toBe(75);
    expect(entry.worstStatus).toBe('major_outage');
  });

  it('a partial outage counts as half down', () => {
    const result = days({ intervals: [interval('partial_outage', '2026-03-08T00:00:00Z', '2026-03-08T12:00:00Z')] });
    const entry = day(result, '2026-03-08');
    expect(entry.downSeconds).toBe(6 * HOUR_S);
    expect(entry.uptime).toBe(75);
    expect(entry.worstStatus).toBe('partial_outage');
  });

  it.each<ComponentStatus>(['degraded_performance', 'under_maintenance'])(
    '%s does not count as down but shows as the worst status of the day',
    (status) => {
      const result = days({ intervals: [interval(status, '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z')] });
      const entry = day(result, '2026-03-08');
      expect(entry.downSeconds).toBe(0);
      expect(entry.uptime).toBe(100);
      expect(entry.worstStatus).toBe(status);
    },
  );

  it('an interval across midnight is split between the two UTC days', () => {
    const result = days({ intervals: [interval('major_outage', '2026-03-08T22:00:00Z', '2026-03-09T03:00:00Z')] });
    const before = day(result, '2026-03-08');
    const after = day(result, '2026-03-09');
    expect(before.downSeconds).toBe(2 * HOUR_S);
    expect(after.downSeconds).toBe(3 * HOUR_S);
    expect(before.uptime).toBeCloseTo((1 - 2 / 24) * 100, 10);
    expect(after.uptime).toBeCloseTo((1 - 3 / 24) * 100, 10);
    expect(before.worstStatus).toBe('major_outage');
    expect(after.worstStatus).toBe('major_outage');
    expect(day(result, '2026-03-07').downSeconds).toBe(0);
    expect(day(result, '2026-03-10').downSeconds).toBe(0);
  });

  it('an interval ending exactly at midnight does not touch the next day, one starting at midnight not the previous', () => {
    const result = days({
      intervals: [
        interval('major_outage', '2026-03-06T20:00:00Z', '2026-03-07T00:00:00Z'),
        interval('partial_outage', '2026-03-08T00:00:00Z', '2026-03-08T04:00:00Z'),
      ],
    });
    expect(day(result, '2026-03-06').downSeconds).toBe(4 * HOUR_S);
    expect(day(result, '2026-03-07')).toMatchObject({ downSeconds: 0, uptime: 100, worstStatus: 'operational' });
    expect(day(result, '2026-03-08').downSeconds).toBe(2 * HOUR_S);
  });

  it('an open interval (end null) runs until now and no further', () => {
    const result = days({ intervals: [interval('major_outage', '2026-03-10T10:00:00Z', null)] });
    const today = day(result, '2026-03-10');
    expect(today.observedSeconds).toBe(12 * HOUR_S);
    expect(today.downSeconds).toBe(2 * HOUR_S);
    expect(today.uptime).toBeCloseTo((1 - 2 / 12) * 100, 10);
    expect(today.worstStatus).toBe('major_outage');
  });

  it('an interval recorded as ending after now only counts until now', () => {
    const result = days({ intervals: [interval('major_outage', '2026-03-10T11:00:00Z', '2026-03-10T18:00:00Z')] });
    expect(day(result, '2026-03-10').downSeconds).toBe(HOUR_S);
  });

  it('an interval starting after now is not counted at all', () => {
    const result = days({ intervals: [interval('major_outage', '2026-03-10T13:00:00Z', null)] });
    expect(day(result, '2026-03-10')).toMatchObject({ downSeconds: 0, uptime: 100, worstStatus: 'operational' });
  });

  it('a backfilled open interval that started days ago covers every day up to now', () => {
    const result = days({ intervals: [interval('major_outage', '2026-03-07T18:00:00Z', null)] });
    expect(day(result, '2026-03-06')).toMatchObject({ downSeconds: 0, uptime: 100, worstStatus: 'operational' });
    expect(day(result, '2026-03-07')).toMatchObject({ downSeconds: 6 * HOUR_S, uptime: 75, worstStatus: 'major_outage' });
    expect(day(result, '2026-03-08')).toMatchObject({ downSeconds: DAY_S, uptime: 0 });
    expect(day(result, '2026-03-09')).toMatchObject({ downSeconds: DAY_S, uptime: 0 });
    expect(day(result, '2026-03-10')).toMatchObject({ observedSeconds: 12 * HOUR_S, downSeconds: 12 * HOUR_S, uptime: 0 });
  });

  it('a backfilled closed interval that started before the window only counts inside it', () => {
    const result = dailyUptime({
      intervals: [interval('partial_outage', '2026-02-01T00:00:00Z', '2026-03-05T12:00:00Z')],
      existsSince: LONG_AGO,
      now: NOW,
      days: 7,
    });
    expect(result[0]!.date).toBe('2026-03-04');
    expect(result[0]).toMatchObject({ downSeconds: DAY_S / 2, uptime: 50 });
    expect(result[1]).toMatchObject({ date: '2026-03-05', downSeconds: 6 * HOUR_S, uptime: 75 });
    expect(result[2]).toMatchObject({ date: '2026-03-06', downSeconds: 0, uptime: 100 });
  });

  describe('a component created mid-window', () => {
    const existsSince = new Date('2026-03-05T06:00:00Z');

    it('has null uptime, nothing observed and operational on the days before it existed', () => {
      const result = days({ existsSince, days: 10 });
      for (const date of ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']) {
        expect(day(result, date)).toEqual({ date, observedSeconds: 0, downSeconds: 0, uptime: null, worstStatus: 'operational' });
      }
    });

    it('observes its creation day only from the moment of creation', () => {
      const result = days({ existsSince, days: 10 });
      expect(day(result, '2026-03-05')).toMatchObject({ observedSeconds: 18 * HOUR_S, uptime: 100 });
      expect(day(result, '2026-03-06')).toMatchObject({ observedSeconds: DAY_S, uptime: 100 });
    });

    it('measures an outage on the creation day against the observed part of the day only', () => {
      const result = days({ existsSince, days: 10, intervals: [interval('major_outage', '2026-03-05T06:00:00Z', '2026-03-05T15:00:00Z')] });
      expect(day(result, '2026-03-05')).toMatchObject({ observedSeconds: 18 * HOUR_S, downSeconds: 9 * HOUR_S, uptime: 50 });
    });

    it('ignores intervals, or the parts of them, from before it existed', () => {
      const result = days({
        existsSince,
        days: 10,
        intervals: [
          interval('major_outage', '2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z'),
          interval('major_outage', '2026-03-05T00:00:00Z', '2026-03-05T09:00:00Z'),
        ],
      });
      expect(day(result, '2026-03-02')).toMatchObject({ uptime: null, downSeconds: 0, worstStatus: 'operational' });
      expect(day(result, '2026-03-05')).toMatchObject({ downSeconds: 3 * HOUR_S });
      expect(day(result, '2026-03-05').uptime).toBeCloseTo((1 - 3 / 18) * 100, 10);
    });

    it('a component created today after midnight is observed from creation until now', () => {
      const result = days({ existsSince: new Date('2026-03-10T09:00:00Z') });
      expect(day(result, '2026-03-09').uptime).toBeNull();
      expect(day(result, '2026-03-10')).toMatchObject({ observedSeconds: 3 * HOUR_S, uptime: 100 });
    });

    it('a component created exactly now has nothing observed today (uptime null)', () => {
      const result = days({ existsSince: NOW });
      expect(day(result, '2026-03-10')).toMatchObject({ observedSeconds: 0, uptime: null });
    });
  });

  describe('worstStatus per day', () => {
    const result = days({
      intervals: [
        interval('degraded_performance', '2026-03-08T01:00:00Z', '2026-03-08T02:00:00Z'),
        interval('major_outage', '2026-03-08T02:00:00Z', '2026-03-08T02:10:00Z'),
        interval('partial_outage', '2026-03-08T02:10:00Z', '2026-03-08T03:00:00Z'),
        interval('operational', '2026-03-08T03:00:00Z', '2026-03-09T05:00:00Z'),
        interval('under_maintenance', '2026-03-09T05:00:00Z', '2026-03-09T06:00:00Z'),
        interval('degraded_performance', '2026-03-09T06:00:00Z', '2026-03-09T07:00:00Z'),
        interval('operational', '2026-03-09T07:00:00Z', null),
      ],
    });

    it('is the worst status seen that day, however brief', () => {
      expect(day(result, '2026-03-08').worstStatus).toBe('major_outage');
    });

    it('ranks degraded above maintenance', () => {
      expect(day(result, '2026-03-09').worstStatus).toBe('degraded_performance');
    });

    it('is operational on a day spent entirely operational', () => {
      expect(day(result, '2026-03-10').worstStatus).toBe('operational');
      expect(day(result, '2026-03-07').worstStatus).toBe('operational');
    });

    it('sums downtime of several intervals in one day with their weights', () => {
      // 10 min major (600 s) + 50 min partial (3000 s / 2).
      expect(day(result, '2026-03-08').downSeconds).toBe(600 + 1500);
      expect(day(result, '2026-03-09').downSeconds).toBe(0);
    });
  });
});

describe('uptimePercentage', () => {
  const entry = (observedSeconds: number, downSeconds: number): DayUptime => ({
    date: '2026-03-10',
    observedSeconds,
    downSeconds,
    uptime: observedSeconds > 0 ? (1 - downSeconds / observedSeconds) * 100 : null,
    worstStatus: 'operational',
  });

  it('weights each day by its observed seconds, not by a plain mean of daily percentages', () => {
    // A full day at 100 % and half a day at 0 %: 1/3 of the observed time was down, not 1/2.
    const result = uptimePercentage([entry(DAY_S, 0), entry(DAY_S / 2, DAY_S / 2)]);
    expect(result).toBeCloseTo((2 / 3) * 100, 10);
  });

  it('ignores unobserved days (before the component existed)', () => {
    expect(uptimePercentage([entry(0, 0), entry(0, 0), entry(DAY_S, DAY_S / 4)])).toBe(75);
  });

  it('is null when nothing was observed, or for no days at all', () => {
    expect(uptimePercentage([entry(0, 0), entry(0, 0)])).toBeNull();
    expect(uptimePercentage([])).toBeNull();
  });

  it('is 100 with no downtime', () => {
    expect(uptimePercentage([entry(DAY_S, 0), entry(HOUR_S, 0)])).toBe(100);
  });

  it('over a 90-day window counts a partial today and a mid-window creation correctly', () => {
    const result = dailyUptime({
      intervals: [interval('major_outage', '2026-03-10T06:00:00Z', '2026-03-10T12:00:00Z')],
      existsSince: new Date('2026-03-09T00:00:00Z'),
      now: NOW,
      days: 90,
    });
    // Observed: all of 03-09 (24 h) + 03-10 until noon (12 h) = 36 h; down 6 h.
    expect(uptimePercentage(result)).toBeCloseTo((1 - 6 / 36) * 100, 10);
  });
});

describe('formatUptime', () => {
  it('shows "No data" for null', () => {
    expect(formatUptime(null)).toBe('No data');
  });

  it.each<[number, string]>([
    [100, '100.00 %'],
    [0, '0.00 %'],
    [50, '50.00 %'],
    [99.9, '99.90 %'],
    [12.345, '12.34 %'],
  ])('shows %s with two decimals as "%s", truncating rather than rounding', (percentage, expected) => {
    expect(formatUptime(percentage)).toBe(expected);
  });

  it.each<[number, string]>([
    [99.999, '99.99 %'],
    [99.995, '99.99 %'],
    [99.9999999, '99.99 %'],
    [100 - 1e-12, '99.99 %'],
  ])('never rounds %s up to 100.00 while there was downtime (shows "%s")', (percentage, expected) => {
    expect(formatUptime(percentage)).toBe(expected);
  });

  it('a single millisecond of partial outage in 90 days is not shown as 100.00 %', () => {
    const observed = 90 * DAY_S;
    expect(
      formatUptime(
        uptimePercentage([
          { date: '2026-03-10', observedSeconds: observed, downSeconds: 0.0005, uptime: null, worstStatus: 'partial_outage' },
        ]),
      ),
    ).toBe('99.99 %');
  });

  it('shows every exact two-decimal percentage as itself (no floating-point loss: 0.29 is not 0.28)', () => {
    for (let hundredths = 0; hundredths <= 10_000; hundredths += 1) {
      const percentage = hundredths / 100;
      expect(formatUptime(percentage)).toBe(`${percentage.toFixed(2)} %`);
    }
  });

  it('a day that was exactly 34 % down shows 66.00 %, not 65.99 %', () => {
    // 29 376 s of 86 400 s is exactly 34 %; (1 - 0.34) * 100 is 65.99999999999999 in floating point.
    const [entry] = dailyUptime({
      intervals: [interval('major_outage', '2026-03-09T00:00:00Z', '2026-03-09T08:09:36Z')],
      existsSince: LONG_AGO,
      now: NOW,
      days: 2,
    });
    expect(entry!.downSeconds).toBe(29_376);
    expect(formatUptime(entry!.uptime)).toBe('66.00 %');
  });
});
