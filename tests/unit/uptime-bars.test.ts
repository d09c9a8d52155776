import { describe, expect, it } from 'vitest';
import { dailyUptime, type DayUptime, type StatusInterval } from '../../src/lib/domain/uptime';
import {
  DAY_WIDTH,
  UPTIME_WINDOWS,
  barStyle,
  barSummary,
  barWindows,
  codedDay,
  dayCodes,
  dayTone,
  describeDay,
  isEventful,
  tonePaths,
} from '../../src/lib/domain/uptime-bars';

const NOW = new Date('2026-03-10T12:00:00Z');
const LONG_AGO = new Date('2025-01-01T00:00:00Z');

function ninetyDays(intervals: StatusInterval[] = [], existsSince = LONG_AGO): DayUptime[] {
  return dailyUptime({ intervals, existsSince, now: NOW, days: 90 });
}

function quiet(date: string): DayUptime {
  return { date, observedSeconds: 86_400, downSeconds: 0, uptime: 100, worstStatus: 'operational' };
}

/** The bars of a path: the x of each `M<x> 0h8v1h-8z`. */
function barsOf(d: string): number[] {
  return [...d.matchAll(/M(\d+) 0h8v1h-8z/g)].map((match) => Number(match[1]));
}

const outage: StatusInterval = { status: 'major_outage', start: new Date('2026-03-08T10:00:00Z'), end: new Date('2026-03-08T11:12:00Z') };
const slow: StatusInterval = {
  status: 'degraded_performance',
  start: new Date('2026-02-01T00:00:00Z'),
  end: new Date('2026-02-01T06:00:00Z'),
};

describe('tonePaths', () => {
  it('draws all the days of one tone as one path, a bar per day at x = 10 · index', () => {
    const paths = tonePaths(ninetyDays([outage, slow]));
    expect(paths.map((path) => path.tone)).toEqual(['ok', 'degraded', 'major']);
    const [ok, degraded, major] = paths.map((path) => barsOf(path.d));
    expect(ok).toHaveLength(88);
    expect(degraded).toEqual([52 * DAY_WIDTH]); // 2026-02-01 is day 52 of 90 (2025-12-11 is day 0)
    expect(major).toEqual([87 * DAY_WIDTH]);
    // Every day has exactly one bar and nothing else is in the paths.
    expect([...ok!, ...degraded!, ...major!].sort((a, b) => a - b)).toEqual(Array.from({ length: 90 }, (_, i) => i * DAY_WIDTH));
    for (const path of paths) expect(path.d).toMatch(/^(M\d+ 0h8v1h-8z)+$/);
  });

  it('draws the days before the component existed in the none tone', () => {
    const paths = tonePaths(ninetyDays([], new Date('2026-03-01T09:00:00Z')));
    expect(paths.map((path) => path.tone)).toEqual(['none', 'ok']);
    expect(barsOf(paths[0]!.d)).toHaveLength(80);
    expect(barsOf(paths[1]!.d)).toEqual(Array.from({ length: 10 }, (_, i) => (80 + i) * DAY_WIDTH));
  });

  it('has no paths for no days', () => {
    expect(tonePaths([])).toEqual([]);
  });
});

describe('days in words', () => {
  it('describes a day by its uptime and worst status', () => {
    const days = ninetyDays([outage]);
    expect(describeDay(days.at(-3)!)).toBe('2026-03-08: 95.00 %, major outage');
    expect(describeDay(days.at(-1)!)).toBe('2026-03-10: 100.00 %');
    expect(describeDay({ date: '2026-03-01', uptime: null, worstStatus: 'operational' })).toBe('2026-03-01: no data');
  });

  it('calls a day eventful when anything but operational was seen, degraded and maintenance included', () => {
    const days = ninetyDays([outage, slow, { status: 'under_maintenance', start: new Date('2026-03-09T01:00:00Z'), end: null }]);
    expect(days.filter(isEventful).map((day) => day.date)).toEqual(['2026-02-01', '2026-03-08', '2026-03-09', '2026-03-10']);
    expect(isEventful({ date: '2026-01-01', uptime: null, worstStatus: 'major_outage' })).toBe(false);
    expect(dayTone(days.at(-1)!)).toBe('maintenance');
  });

  it('summarises the bar for its accessible name', () => {
    const days = ninetyDays([outage, slow]);
    expect(barSummary('API', days, 99.94)).toBe('API: 99.94 % uptime over the last 90 days, 2 days with incidents or maintenance');
    expect(barSummary('API', ninetyDays([outage]), 99.94)).toContain(', 1 day with incidents or maintenance');
    expect(barSummary('CDN', ninetyDays(), 100)).toBe('CDN: 100.00 % uptime over the last 90 days, no days with incidents or maintenance');
    expect(barSummary('New', [], null)).toBe('New: no uptime data over the last 0 days, no days with incidents or maintenance');
  });
});

describe('barWindows', () => {
  it('shows the last 30, 60 and 90 days, with the uptime of the days shown', () => {
    const windows = barWindows(
      ninetyDays([outage, { status: 'major_outage', start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-02T00:00:00Z') }]),
    );
    expect(windows.map(({ window, days, scale }) => [window, days, scale])).toEqual([
      ['narrow', UPTIME_WINDOWS.narrow, 3],
      ['medium', UPTIME_WINDOWS.medium, 1.5],
      ['wide', UPTIME_WINDOWS.wide, 1],
    ]);
    // 72 minutes down in the last 30 days; the day-long outage of 2026-01-01 only in the 90.
    expect(windows.map((window) => window.uptime)).toEqual(['99.83 %', '99.91 %', '98.82 %']);
    expect(barStyle(windows)).toBe('--narrow:3;--medium:1.5;--wide:1');
  });

  it('never shows more days than there are', () => {
    const days = dailyUptime({ intervals: [], existsSince: LONG_AGO, now: NOW, days: 45 });
    expect(barWindows(days).map(({ days: shown, scale }) => [shown, scale])).toEqual([
      [30, 1.5],
      [45, 1],
      [45, 1],
    ]);
    expect(barWindows([]).map(({ days: shown, scale, uptime }) => [shown, scale, uptime])).toEqual([
      [1, 1, 'No data'],
      [1, 1, 'No data'],
      [1, 1, 'No data'],
    ]);
  });
});

describe('day codes for the tooltip', () => {
  const days = ninetyDays([outage], new Date('2026-03-07T12:00:00Z'));

  it('has one character per day: no data, quiet or eventful', () => {
    const codes = dayCodes(days);
    expect(codes).toHaveLength(90);
    expect(codes.slice(-5)).toBe('-.!..');
    expect(codes.slice(0, 86)).toBe('-'.repeat(86));
  });

  it('gives back each day with the same words as the list', () => {
    const codes = dayCodes(days);
    const first = days[0]!.date;
    days.forEach((day, index) => {
      const coded = codedDay(first, codes, index);
      expect(coded?.date).toBe(day.date);
      expect(coded?.text).toBe(isEventful(day) ? null : describeDay(day));
    });
    expect(codedDay(first, codes, 90)).toBeNull();
    expect(codedDay(first, codes, -1)).toBeNull();
    expect(codedDay('not a date', codes, 0)).toBeNull();
  });

  it('crosses month ends in UTC', () => {
    expect(codedDay('2026-02-27', '...', 2)).toEqual({ date: '2026-03-01', text: describeDay(quiet('2026-03-01')) });
  });
});
