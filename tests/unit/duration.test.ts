import { describe, expect, it } from 'vitest';
import { formatDuration, formatPlainDuration } from '../../src/lib/domain/duration';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('formatDuration', () => {
  it.each<[string, number, string]>([
    ['zero is "0 s"', 0, '0 s'],
    ['under a minute shows seconds only', 42 * SECOND, '42 s'],
    ['59 s stays in seconds', 59 * SECOND, '59 s'],
    ['exactly one minute shows minutes and seconds', MINUTE, '1 m 0 s'],
    ['minutes show their seconds', 3 * MINUTE + 12 * SECOND, '3 m 12 s'],
    ['59 m 59 s stays in minutes', 59 * MINUTE + 59 * SECOND, '59 m 59 s'],
    ['exactly one hour shows hours and minutes', HOUR, '1 h 0 m'],
    ['hours show their minutes', 2 * HOUR + 5 * MINUTE, '2 h 5 m'],
    ['hours drop the seconds without rounding the minutes', 2 * HOUR + 5 * MINUTE + 59 * SECOND, '2 h 5 m'],
    ['23 h 59 m stays in hours', 23 * HOUR + 59 * MINUTE, '23 h 59 m'],
    ['exactly one day shows days and hours', DAY, '1 d 0 h'],
    ['days show their hours and drop minutes', 3 * DAY + 4 * HOUR + 59 * MINUTE, '3 d 4 h'],
    ['long durations keep counting days', 45 * DAY + 1 * HOUR, '45 d 1 h'],
  ])('%s', (_rule, milliseconds, expected) => {
    expect(formatDuration(milliseconds)).toBe(expected);
  });

  describe('sub-second input is rounded to the nearest second', () => {
    it.each<[number, string]>([
      [499, '0 s'],
      [500, '1 s'],
      [1_499, '1 s'],
      [59_499, '59 s'],
      [59_500, '1 m 0 s'],
      [HOUR - 500, '1 h 0 m'],
      [DAY - 500, '1 d 0 h'],
    ])('%d ms is %s', (milliseconds, expected) => {
      expect(formatDuration(milliseconds)).toBe(expected);
    });
  });

  it('a negative duration (clock skew) is shown as "0 s"', () => {
    expect(formatDuration(-5 * MINUTE)).toBe('0 s');
  });

  it('works from the difference of two fixed dates', () => {
    const start = new Date('2026-03-10T09:15:00Z');
    const end = new Date('2026-03-10T11:20:30Z');
    expect(formatDuration(end.getTime() - start.getTime())).toBe('2 h 5 m');
  });
});

describe('formatPlainDuration', () => {
  it.each([
    [5 * 60_000, '5 min'],
    [24 * 3_600_000, '24 h'],
    [90 * 60_000, '90 min'],
    [90_000, '1 m 30 s'],
    [45_000, '45 s'],
  ])('a limit of %d ms reads %s', (milliseconds, expected) => {
    expect(formatPlainDuration(milliseconds)).toBe(expected);
  });
});
