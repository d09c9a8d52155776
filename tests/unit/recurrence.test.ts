import { describe, expect, it } from 'vitest';
import {
  describeRecurrence,
  expandRecurrence,
  parseLocalDateTime,
  utcToZonedTime,
  zonedTimeToUtc,
  type ExpansionResult,
  type Occurrence,
  type RecurrenceEnd,
  type RecurrenceRule,
} from '../../src/lib/domain/recurrence';

const iso = (date: Date | undefined) => date?.toISOString();

type Options = Parameters<typeof expandRecurrence>[0];
const expand = (changes: Partial<Options>): ExpansionResult =>
  expandRecurrence({
    firstStart: '2026-03-02T10:00',
    durationMinutes: 60,
    timeZone: 'UTC',
    rule: { frequency: 'weekly', weekdays: [1] },
    end: { count: 3 },
    limit: 100,
    ...changes,
  });

/** The occurrences of a successful expansion (fails the test otherwise). */
const occurrencesOf = (result: ExpansionResult): Occurrence[] => {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.occurrences;
};
const startsOf = (result: ExpansionResult) => occurrencesOf(result).map((occurrence) => iso(occurrence.start));
const localStartsOf = (result: ExpansionResult, timeZone: string) =>
  occurrencesOf(result).map((occurrence) => utcToZonedTime(occurrence.start, timeZone));

describe('parseLocalDateTime', () => {
  it('reads a datetime-local value, with or without seconds', () => {
    expect(parseLocalDateTime('2026-03-29T02:30')).toEqual({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 });
    expect(parseLocalDateTime('2026-03-29T23:59:59')).toEqual({ year: 2026, month: 3, day: 29, hour: 23, minute: 59, second: 59 });
    expect(parseLocalDateTime('2028-02-29T00:00')).toEqual({ year: 2028, month: 2, day: 29, hour: 0, minute: 0, second: 0 });
  });

  it.each([
    '2026-02-30T10:00',
    '2027-02-29T10:00',
    '2026-13-01T00:00',
    '2026-00-10T00:00',
    '2026-04-31T00:00',
    '2026-03-01T24:00',
    '2026-03-01T10:60',
    '2026-03-01T10:00:60',
    '0000-01-01T00:00',
    '2026-03-01 10:00',
    '2026-3-1T10:00',
    '2026-03-01T10:00Z',
    '2026-03-01',
    'nonsense',
    '',
  ])('rejects %j', (value) => {
    expect(parseLocalDateTime(value)).toBeUndefined();
  });
});

describe('zonedTimeToUtc', () => {
  it('reads UTC as is', () => {
    expect(iso(zonedTimeToUtc('2026-03-29T02:30', 'UTC'))).toBe('2026-03-29T02:30:00.000Z');
  });

  it('applies standard and daylight offsets', () => {
    expect(iso(zonedTimeToUtc('2026-01-15T09:00', 'Europe/Paris'))).toBe('2026-01-15T08:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-07-15T09:00', 'Europe/Paris'))).toBe('2026-07-15T07:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-01-15T09:00', 'America/New_York'))).toBe('2026-01-15T14:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-07-15T09:00', 'America/New_York'))).toBe('2026-07-15T13:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-07-15T09:00', 'Asia/Kolkata'))).toBe('2026-07-15T03:30:00.000Z');
  });

  it('keeps seconds', () => {
    expect(iso(zonedTimeToUtc('2026-07-15T09:00:45', 'Europe/Paris'))).toBe('2026-07-15T07:00:45.000Z');
  });

  it('moves a time skipped by spring-forward ahead by the gap (Europe/Paris)', () => {
    // Clocks go from 02:00 to 03:00 on 2026-03-29: 02:30 does not exist and becomes 03:30 CEST.
    const instant = zonedTimeToUtc('2026-03-29T02:30', 'Europe/Paris');
    expect(iso(instant)).toBe('2026-03-29T01:30:00.000Z');
    expect(utcToZonedTime(instant!, 'Europe/Paris')).toBe('2026-03-29T03:30');
    expect(iso(zonedTimeToUtc('2026-03-29T02:00', 'Europe/Paris'))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-03-29T01:59', 'Europe/Paris'))).toBe('2026-03-29T00:59:00.000Z');
    expect(iso(zonedTimeToUtc('2026-03-29T03:00', 'Europe/Paris'))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('moves a time skipped by spring-forward ahead by the gap (America/New_York)', () => {
    const instant = zonedTimeToUtc('2026-03-08T02:30', 'America/New_York');
    expect(iso(instant)).toBe('2026-03-08T07:30:00.000Z');
    expect(utcToZonedTime(instant!, 'America/New_York')).toBe('2026-03-08T03:30');
  });

  it('takes the earlier (daylight-time) instant of a time repeated at fall-back', () => {
    // Europe/Paris repeats 02:00–02:59 on 2026-10-25: first at +02:00, then at +01:00.
    expect(iso(zonedTimeToUtc('2026-10-25T02:30', 'Europe/Paris'))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(zonedTimeToUtc('2026-10-25T03:00', 'Europe/Paris'))).toBe('2026-10-25T02:00:00.000Z');
    // America/New_York repeats 01:00–01:59 on 2026-11-01: first at -04:00, then at -05:00.
    expect(iso(zonedTimeToUtc('2026-11-01T01:30', 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('handles the 30-minute DST change of Australia/Lord_Howe', () => {
    // +10:30 standard, +11:00 daylight. 02:00 → 02:30 on 2026-10-04; 02:00 → 01:30 on 2026-04-05.
    const skipped = zonedTimeToUtc('2026-10-04T02:15', 'Australia/Lord_Howe');
    expect(iso(skipped)).toBe('2026-10-03T15:45:00.000Z');
    expect(utcToZonedTime(skipped!, 'Australia/Lord_Howe')).toBe('2026-10-04T02:45');
    expect(iso(zonedTimeToUtc('2026-04-05T01:45', 'Australia/Lord_Howe'))).toBe('2026-04-04T14:45:00.000Z');
  });

  it('moves a time in a whole skipped day to the next day (Pacific/Apia, 2011-12-30)', () => {
    const instant = zonedTimeToUtc('2011-12-30T12:00', 'Pacific/Apia');
    expect(utcToZonedTime(instant!, 'Pacific/Apia')).toBe('2011-12-31T12:00');
  });

  it('returns undefined for malformed input or an unknown zone', () => {
    expect(zonedTimeToUtc('2026-02-30T10:00', 'UTC')).toBeUndefined();
    expect(zonedTimeToUtc('nonsense', 'Europe/Paris')).toBeUndefined();
    expect(zonedTimeToUtc('2026-03-01T10:00', 'Mars/Olympus_Mons')).toBeUndefined();
    expect(zonedTimeToUtc('2026-03-01T10:00', '')).toBeUndefined();
  });
});

describe('utcToZonedTime', () => {
  it('gives the wall-clock time in the zone', () => {
    expect(utcToZonedTime(new Date('2026-03-29T01:30:00Z'), 'UTC')).toBe('2026-03-29T01:30');
    expect(utcToZonedTime(new Date('2026-03-29T00:59:59Z'), 'Europe/Paris')).toBe('2026-03-29T01:59');
    expect(utcToZonedTime(new Date('2026-03-29T01:00:00Z'), 'Europe/Paris')).toBe('2026-03-29T03:00');
    expect(utcToZonedTime(new Date('2026-12-31T23:30:00Z'), 'Asia/Tokyo')).toBe('2027-01-01T08:30');
    expect(utcToZonedTime(new Date('2026-01-01T02:00:00Z'), 'America/New_York')).toBe('2025-12-31T21:00');
  });

  it('round-trips with zonedTimeToUtc for times that exist once', () => {
    const cases: [string, string][] = [
      ['2026-01-01T00:00', 'UTC'],
      ['2026-03-29T01:59', 'Europe/Paris'],
      ['2026-03-29T03:00', 'Europe/Paris'],
      ['2026-10-25T01:59', 'Europe/Paris'],
      ['2026-10-25T03:00', 'Europe/Paris'],
      ['2026-11-01T00:30', 'America/New_York'],
      ['2028-02-29T23:45', 'Australia/Lord_Howe'],
      ['2026-06-30T12:15', 'Asia/Kathmandu'],
    ];
    for (const [local, timeZone] of cases) {
      expect(utcToZonedTime(zonedTimeToUtc(local, timeZone)!, timeZone)).toBe(local);
    }
  });

  it('round-trips instants, ambiguous hours included, to the minute', () => {
    for (const text of ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z']) {
      const instant = new Date(text);
      for (const timeZone of ['Europe/Paris', 'America/New_York']) {
        const back = zonedTimeToUtc(utcToZonedTime(instant, timeZone), timeZone)!;
        // An ambiguous wall-clock time comes back as its first occurrence, at most an hour early.
        expect(instant.getTime() - back.getTime()).toBeGreaterThanOrEqual(0);
        expect(instant.getTime() - back.getTime()).toBeLessThanOrEqual(60 * 60 * 1000);
        expect(utcToZonedTime(back, timeZone)).toBe(utcToZonedTime(instant, timeZone));
      }
    }
  });

  it('throws for an unknown zone', () => {
    expect(() => utcToZonedTime(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('expandRecurrence: weekly', () => {
  it('repeats in UTC with each window lasting the duration', () => {
    const occurrences = occurrencesOf(expand({ durationMinutes: 90 }));
    expect(occurrences.map((occurrence) => [iso(occurrence.start), iso(occurrence.end)])).toEqual([
      ['2026-03-02T10:00:00.000Z', '2026-03-02T11:30:00.000Z'],
      ['2026-03-09T10:00:00.000Z', '2026-03-09T11:30:00.000Z'],
      ['2026-03-16T10:00:00.000Z', '2026-03-16T11:30:00.000Z'],
    ]);
  });

  it('starts on the first chosen weekday on or after the first date', () => {
    // 2026-03-04 is a Wednesday; the series is on Monday and Thursday (given out of order).
    const result = expand({ firstStart: '2026-03-04T22:15', rule: { frequency: 'weekly', weekdays: [4, 1] }, end: { count: 5 } });
    expect(startsOf(result)).toEqual([
      '2026-03-05T22:15:00.000Z',
      '2026-03-09T22:15:00.000Z',
      '2026-03-12T22:15:00.000Z',
      '2026-03-16T22:15:00.000Z',
      '2026-03-19T22:15:00.000Z',
    ]);
  });

  it('includes the first date when it matches, and ignores repeated weekdays', () => {
    const result = expand({ firstStart: '2026-03-01T08:00', rule: { frequency: 'weekly', weekdays: [7, 7, 6] }, end: { count: 3 } });
    expect(startsOf(result)).toEqual(['2026-03-01T08:00:00.000Z', '2026-03-07T08:00:00.000Z', '2026-03-08T08:00:00.000Z']);
  });

  it('keeps 02:30 Europe/Paris across both DST changes, moving only the skipped one to 03:30', () => {
    const result = expand({
      firstStart: '2026-03-15T02:30',
      timeZone: 'Europe/Paris',
      rule: { frequency: 'weekly', weekdays: [7] },
      end: { until: '2026-11-08' },
    });
    const occurrences = occurrencesOf(result);
    const local = localStartsOf(result, 'Europe/Paris');
    expect(occurrences).toHaveLength(35);
    expect(local.filter((time) => !time.endsWith('T02:30'))).toEqual(['2026-03-29T03:30']);
    const byDate = new Map(occurrences.map((occurrence, index) => [local[index]!.slice(0, 10), iso(occurrence.start)]));
    expect(byDate.get('2026-03-22')).toBe('2026-03-22T01:30:00.000Z'); // +01:00
    expect(byDate.get('2026-03-29')).toBe('2026-03-29T01:30:00.000Z'); // the gap: 03:30 at +02:00
    expect(byDate.get('2026-04-05')).toBe('2026-04-05T00:30:00.000Z'); // +02:00
    expect(byDate.get('2026-10-25')).toBe('2026-10-25T00:30:00.000Z'); // ambiguous: the first, +02:00
    expect(byDate.get('2026-11-01')).toBe('2026-11-01T01:30:00.000Z'); // +01:00 again
    expect(local.at(-1)).toBe('2026-11-08T02:30');
  });

  it('keeps the local time in America/New_York and lasts real time across the change', () => {
    const result = expand({
      firstStart: '2026-03-07T01:30',
      durationMinutes: 120,
      timeZone: 'America/New_York',
      rule: { frequency: 'weekly', weekdays: [6, 7] },
      end: { count: 4 },
    });
    expect(localStartsOf(result, 'America/New_York')).toEqual([
      '2026-03-07T01:30',
      '2026-03-08T01:30',
      '2026-03-14T01:30',
      '2026-03-15T01:30',
    ]);
    const sunday = occurrencesOf(result)[1]!;
    // 01:30 EST + 2 h of real time crosses the skipped hour: it ends at 04:30 EDT.
    expect(utcToZonedTime(sunday.end, 'America/New_York')).toBe('2026-03-08T04:30');
    expect(sunday.end.getTime() - sunday.start.getTime()).toBe(120 * 60 * 1000);
  });

  it('never produces the same window twice when a whole day is skipped (Pacific/Apia)', () => {
    // 2011-12-30 (a Friday) did not exist in Samoa: its window falls on Saturday 12-31's.
    const result = expand({
      firstStart: '2011-12-29T12:00',
      timeZone: 'Pacific/Apia',
      rule: { frequency: 'weekly', weekdays: [5, 6] },
      end: { until: '2012-01-07' },
    });
    expect(localStartsOf(result, 'Pacific/Apia')).toEqual(['2011-12-31T12:00', '2012-01-06T12:00', '2012-01-07T12:00']);
  });
});

describe('expandRecurrence: monthly', () => {
  it('uses the last day of shorter months for day 31', () => {
    const result = expand({ firstStart: '2026-01-31T09:00', rule: { frequency: 'monthly', dayOfMonth: 31 }, end: { count: 5 } });
    expect(startsOf(result)).toEqual([
      '2026-01-31T09:00:00.000Z',
      '2026-02-28T09:00:00.000Z',
      '2026-03-31T09:00:00.000Z',
      '2026-04-30T09:00:00.000Z',
      '2026-05-31T09:00:00.000Z',
    ]);
  });

  it('uses February 29 in a leap year', () => {
    const result = expand({ firstStart: '2028-01-30T09:00', rule: { frequency: 'monthly', dayOfMonth: 30 }, end: { count: 3 } });
    expect(startsOf(result)).toEqual(['2028-01-30T09:00:00.000Z', '2028-02-29T09:00:00.000Z', '2028-03-30T09:00:00.000Z']);
  });

  it('skips to the next month when the day is already past in the first month', () => {
    const result = expand({ firstStart: '2026-11-20T09:00', rule: { frequency: 'monthly', dayOfMonth: 15 }, end: { count: 3 } });
    expect(startsOf(result)).toEqual(['2026-12-15T09:00:00.000Z', '2027-01-15T09:00:00.000Z', '2027-02-15T09:00:00.000Z']);
  });

  it('counts a clamped day in the first month from the first date', () => {
    // The first date is 2026-02-27; February's day 31 is the 28th, still ahead.
    const result = expand({ firstStart: '2026-02-27T09:00', rule: { frequency: 'monthly', dayOfMonth: 31 }, end: { count: 2 } });
    expect(startsOf(result)).toEqual(['2026-02-28T09:00:00.000Z', '2026-03-31T09:00:00.000Z']);
  });

  it('keeps the local time in a zone across DST changes', () => {
    const result = expand({
      firstStart: '2026-02-28T23:00',
      timeZone: 'Europe/Paris',
      rule: { frequency: 'monthly', dayOfMonth: 28 },
      end: { until: '2026-04-28' },
    });
    expect(startsOf(result)).toEqual(['2026-02-28T22:00:00.000Z', '2026-03-28T22:00:00.000Z', '2026-04-28T21:00:00.000Z']);
  });
});

describe('expandRecurrence: ends and limits', () => {
  it('stops after `count` occurrences', () => {
    expect(occurrencesOf(expand({ end: { count: 1 } }))).toHaveLength(1);
    expect(occurrencesOf(expand({ end: { count: 7 } }))).toHaveLength(7);
  });

  it('includes the `until` date, read as a local date', () => {
    expect(startsOf(expand({ end: { until: '2026-03-16' } }))).toEqual([
      '2026-03-02T10:00:00.000Z',
      '2026-03-09T10:00:00.000Z',
      '2026-03-16T10:00:00.000Z',
    ]);
    expect(startsOf(expand({ end: { until: '2026-03-15' } }))).toHaveLength(2);
    // 23:30 in New York on 03-16 is already 03-17 in UTC, yet it is on the local until date.
    const late = expand({ firstStart: '2026-03-02T23:30', timeZone: 'America/New_York', end: { until: '2026-03-16' } });
    expect(localStartsOf(late, 'America/New_York')).toEqual(['2026-03-02T23:30', '2026-03-09T23:30', '2026-03-16T23:30']);
  });

  it('allows `until` on the first date', () => {
    expect(startsOf(expand({ end: { until: '2026-03-02' } }))).toEqual(['2026-03-02T10:00:00.000Z']);
  });

  it('fails with too_many for an `until` a century away', () => {
    const result = expand({ rule: { frequency: 'weekly', weekdays: [1, 2, 3, 4, 5, 6, 7] }, end: { until: '2126-03-01' }, limit: 50 });
    expect(result).toEqual({ ok: false, reason: 'too_many', limit: 50 });
  });

  it('fails with too_many when `count` exceeds the limit', () => {
    expect(expand({ end: { count: 11 }, limit: 10 })).toEqual({ ok: false, reason: 'too_many', limit: 10 });
    expect(expand({ end: { count: 1_000_000_000 }, limit: 10 })).toEqual({ ok: false, reason: 'too_many', limit: 10 });
  });

  it('accepts exactly `limit` occurrences', () => {
    expect(occurrencesOf(expand({ end: { count: 10 }, limit: 10 }))).toHaveLength(10);
    // Mondays from 2026-03-02 to 2026-05-04: exactly 10.
    expect(occurrencesOf(expand({ end: { until: '2026-05-04' }, limit: 10 }))).toHaveLength(10);
    expect(expand({ end: { until: '2026-05-11' }, limit: 10 })).toEqual({ ok: false, reason: 'too_many', limit: 10 });
  });

  it('throws when the limit itself is not a whole number of at least 1', () => {
    expect(() => expand({ limit: 0 })).toThrow(RangeError);
    expect(() => expand({ limit: Infinity })).toThrow(RangeError);
  });
});

describe('expandRecurrence: invalid input', () => {
  const cases: [string, Partial<Options>][] = [
    ['a malformed first start', { firstStart: '2026-02-30T10:00' }],
    ['an empty first start', { firstStart: '' }],
    ['an unknown zone', { timeZone: 'Mars/Olympus_Mons' }],
    ['a zero duration', { durationMinutes: 0 }],
    ['a negative duration', { durationMinutes: -30 }],
    ['a fractional duration', { durationMinutes: 1.5 }],
    ['a NaN duration', { durationMinutes: Number.NaN }],
    ['no weekdays', { rule: { frequency: 'weekly', weekdays: [] } }],
    ['weekday 0', { rule: { frequency: 'weekly', weekdays: [0 as never] } }],
    ['weekday 8', { rule: { frequency: 'weekly', weekdays: [1, 8 as never] } }],
    ['day of month 0', { rule: { frequency: 'monthly', dayOfMonth: 0 } }],
    ['day of month 32', { rule: { frequency: 'monthly', dayOfMonth: 32 } }],
    ['a fractional day of month', { rule: { frequency: 'monthly', dayOfMonth: 2.5 } }],
    ['an unknown frequency', { rule: { frequency: 'daily' } as unknown as RecurrenceRule }],
    ['count 0', { end: { count: 0 } }],
    ['a fractional count', { end: { count: 2.5 } }],
    ['a malformed until', { end: { until: '2026-02-30' } }],
    ['an until with a time', { end: { until: '2026-05-01T00:00' } }],
    ['an until before the first date', { end: { until: '2026-03-01' } }],
    ['a weekly rule with no day before until', { firstStart: '2026-03-03T10:00', end: { until: '2026-03-08' } }],
    [
      'a monthly rule with no day before until',
      { firstStart: '2026-03-20T10:00', rule: { frequency: 'monthly', dayOfMonth: 15 }, end: { until: '2026-04-14' } },
    ],
  ];

  it.each(cases)('rejects %s with a readable message', (_name, changes) => {
    const result = expand(changes);
    expect(result.ok).toBe(false);
    if (result.ok || result.reason !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(result)}`);
    expect(result.message).toMatch(/^[A-Z"].*\.$/);
  });

  it('names the offending values where it helps', () => {
    expect(expand({ timeZone: 'Mars/Olympus_Mons' })).toEqual({
      ok: false,
      reason: 'invalid',
      message: '"Mars/Olympus_Mons" is not a known time zone.',
    });
    expect(expand({ end: { until: '2026-03-01' } })).toEqual({
      ok: false,
      reason: 'invalid',
      message: 'The end date 2026-03-01 is before the first date 2026-03-02.',
    });
  });
});

describe('describeRecurrence', () => {
  const cases: [RecurrenceRule, RecurrenceEnd, string][] = [
    [{ frequency: 'weekly', weekdays: [4, 1] }, { count: 12 }, 'Weekly on Monday and Thursday, 12 times'],
    [{ frequency: 'weekly', weekdays: [7] }, { count: 1 }, 'Weekly on Sunday, once'],
    [{ frequency: 'weekly', weekdays: [5, 1, 3, 3] }, { until: '2026-12-31' }, 'Weekly on Monday, Wednesday and Friday, until 2026-12-31'],
    [{ frequency: 'monthly', dayOfMonth: 31 }, { until: '2027-03-01' }, "Monthly on day 31 (or the month's last day), until 2027-03-01"],
    [{ frequency: 'monthly', dayOfMonth: 29 }, { count: 6 }, "Monthly on day 29 (or the month's last day), 6 times"],
    [{ frequency: 'monthly', dayOfMonth: 15 }, { count: 2 }, 'Monthly on day 15, 2 times'],
  ];

  it.each(cases)('describes %j ending %j', (rule, end, expected) => {
    expect(describeRecurrence(rule, end)).toBe(expected);
  });
});
