/** Reading a schedule form: its window in UTC, the occurrences of a series, and the errors staff see. */
import { describe, expect, it } from 'vitest';
import { MAX_MAINTENANCE_OCCURRENCES } from '../../src/lib/domain/maintenance';
import {
  instantOf,
  isSameLocalTime,
  localInputValue,
  planOccurrences,
  windowOf,
  type RepeatChoice,
} from '../../src/lib/domain/maintenance-schedule';

const iso = (date: Date) => date.toISOString();

describe('windowOf', () => {
  it('reads the local times in the form’s zone', () => {
    const window = windowOf({ startsAt: '2026-11-24T02:00', endsAt: '2026-11-24T04:00', timeZone: 'Europe/Paris' });
    expect('errors' in window ? window : { start: iso(window.start), end: iso(window.end) }).toEqual({
      start: '2026-11-24T01:00:00.000Z',
      end: '2026-11-24T03:00:00.000Z',
    });
  });

  it('refuses an end that is not after the start', () => {
    expect(windowOf({ startsAt: '2026-11-24T02:00', endsAt: '2026-11-24T02:00', timeZone: 'UTC' })).toEqual({
      errors: { endsAt: 'The end must be after the start.' },
    });
  });

  it('refuses dates outside the years 2000 to 2999', () => {
    expect(windowOf({ startsAt: '1999-12-31T10:00', endsAt: '2000-01-01T10:00', timeZone: 'UTC' })).toEqual({
      errors: { startsAt: 'Enter a date between the years 2000 and 2999.' },
    });
  });
});

describe('localInputValue', () => {
  it('shows a stored instant as its zone’s wall clock, or in UTC when the zone is unknown', () => {
    expect(localInputValue(new Date('2026-11-24T01:00:00Z'), 'Europe/Paris')).toBe('2026-11-24T02:00');
    expect(localInputValue(new Date('2026-11-24T01:00:00Z'), 'Mars/Olympus_Mons')).toBe('2026-11-24T01:00');
  });
});

describe('instantOf and isSameLocalTime', () => {
  it('reads a local time as an instant', () => {
    expect(iso(instantOf('2026-01-01T05:45', 'Asia/Kathmandu'))).toBe('2026-01-01T00:00:00.000Z');
    expect(() => instantOf('not a time', 'UTC')).toThrow(RangeError);
  });

  it('takes the second instant of an ambiguous fall-back time as unchanged', () => {
    // 02:30 CET on 2026-10-25 (the later of the two 02:30s) reads back as 02:30 CEST.
    const later = new Date('2026-10-25T01:30:00Z');
    expect(isSameLocalTime(later, '2026-10-25T02:30', 'Europe/Paris')).toBe(true);
    expect(isSameLocalTime(later, '2026-10-25T02:45', 'Europe/Paris')).toBe(false);
  });
});

const window = { start: new Date('2026-03-02T10:00:00Z'), end: new Date('2026-03-02T11:00:00Z') };
function choice(overrides: Partial<RepeatChoice> = {}): RepeatChoice {
  return {
    startsAt: '2026-03-02T10:00',
    endsAt: '2026-03-02T11:00',
    timeZone: 'UTC',
    backfill: false,
    recurrence: 'weekly',
    weekdays: [1],
    recurrenceEnd: 'count',
    occurrences: 3,
    ...overrides,
  };
}

describe('planOccurrences', () => {
  it('plans one window that does not repeat', () => {
    expect(planOccurrences(choice({ recurrence: 'none' }), window)).toEqual({ occurrences: [window], series: null });
  });

  it('expands a weekly series, its days sorted and once each', () => {
    const planned = planOccurrences(choice({ weekdays: [3, 1, 3], occurrences: 3 }), window);
    expect('errors' in planned ? planned : planned.occurrences.map((item) => iso(item.start))).toEqual([
      '2026-03-02T10:00:00.000Z',
      '2026-03-04T10:00:00.000Z',
      '2026-03-09T10:00:00.000Z',
    ]);
    expect('series' in planned && planned.series).toEqual({ rule: { frequency: 'weekly', weekdays: [1, 3] }, end: { count: 3 } });
  });

  it('expands a monthly series until a date', () => {
    const planned = planOccurrences(choice({ recurrence: 'monthly', dayOfMonth: 31, recurrenceEnd: 'until', until: '2026-05-31' }), window);
    expect('errors' in planned ? planned : planned.occurrences.map((item) => iso(item.start))).toEqual([
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
      '2026-05-31T10:00:00.000Z',
    ]);
  });

  it('names the missing field', () => {
    expect(planOccurrences(choice({ backfill: true }), window)).toEqual({
      errors: { recurrence: 'A backfill records one past window; it cannot repeat.' },
    });
    expect(planOccurrences(choice({ weekdays: [] }), window)).toEqual({ errors: { weekdays: 'Choose at least one day of the week.' } });
    expect(planOccurrences(choice({ recurrence: 'monthly' }), window)).toEqual({
      errors: { dayOfMonth: 'Enter a day of the month (1–31).' },
    });
    expect(planOccurrences(choice({ occurrences: undefined }), window)).toEqual({
      errors: { occurrences: 'Enter how many times it happens.' },
    });
    expect(planOccurrences(choice({ recurrenceEnd: 'until' }), window)).toEqual({
      errors: { until: 'Enter the date of the last occurrence.' },
    });
  });

  it('refuses a series longer than the limit', () => {
    expect(planOccurrences(choice({ occurrences: MAX_MAINTENANCE_OCCURRENCES + 1 }), window)).toEqual({
      errors: { occurrences: `A series may have at most ${MAX_MAINTENANCE_OCCURRENCES} occurrences.` },
    });
    expect(planOccurrences(choice({ weekdays: [1, 2, 3, 4, 5, 6, 7], recurrenceEnd: 'until', until: '2030-01-01' }), window)).toEqual({
      errors: { until: `This would create more than ${MAX_MAINTENANCE_OCCURRENCES} occurrences: choose an earlier end date.` },
    });
  });

  it('passes on why a series has no occurrence', () => {
    const planned = planOccurrences(choice({ recurrenceEnd: 'until', until: '2026-03-01' }), window);
    expect(planned).toEqual({ errors: { recurrence: 'The end date 2026-03-01 is before the first date 2026-03-02.' } });
  });
});
