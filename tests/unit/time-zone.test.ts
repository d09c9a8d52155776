/**
 * Reading time zones: offsets at an instant, wall-clock times to UTC across DST changes, and
 * offsets as ISO 8601 writes them.
 */
import { describe, expect, it } from 'vitest';
import {
  formatOffset,
  isUtcZone,
  isZoneKnown,
  offsetAt,
  offsetMinutesAt,
  wallClockAt,
  wallClockToUtc,
  zoneAbbreviation,
} from '../../src/lib/domain/time-zone';

const at = (iso: string) => new Date(iso);
/** 'YYYY-MM-DDTHH:mm' as a wall clock. */
function wall(local: string) {
  const [date, time] = local.split('T') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return { year, month, day, hour, minute };
}
const toUtc = (local: string, zone: string) => wallClockToUtc(wall(local), zone).toISOString();

describe('offsetMinutesAt', () => {
  it('follows Paris across its DST changes', () => {
    expect(offsetMinutesAt(at('2026-03-29T00:59:59Z'), 'Europe/Paris')).toBe(60);
    expect(offsetMinutesAt(at('2026-03-29T01:00:00Z'), 'Europe/Paris')).toBe(120);
    expect(offsetMinutesAt(at('2026-10-25T00:59:59Z'), 'Europe/Paris')).toBe(120);
    expect(offsetMinutesAt(at('2026-10-25T01:00:00Z'), 'Europe/Paris')).toBe(60);
  });

  it('follows New York across its DST changes', () => {
    expect(offsetMinutesAt(at('2026-03-08T06:59:59Z'), 'America/New_York')).toBe(-300);
    expect(offsetMinutesAt(at('2026-03-08T07:00:00Z'), 'America/New_York')).toBe(-240);
    expect(offsetMinutesAt(at('2026-11-01T05:59:59Z'), 'America/New_York')).toBe(-240);
    expect(offsetMinutesAt(at('2026-11-01T06:00:00Z'), 'America/New_York')).toBe(-300);
  });

  it('follows Lord Howe, whose DST moves the clock by 30 minutes', () => {
    expect(offsetMinutesAt(at('2026-04-04T14:59:59Z'), 'Australia/Lord_Howe')).toBe(660);
    expect(offsetMinutesAt(at('2026-04-04T15:00:00Z'), 'Australia/Lord_Howe')).toBe(630);
    expect(offsetMinutesAt(at('2026-10-03T15:29:59Z'), 'Australia/Lord_Howe')).toBe(630);
    expect(offsetMinutesAt(at('2026-10-03T15:30:00Z'), 'Australia/Lord_Howe')).toBe(660);
  });

  it('reads an offset that is not a whole hour', () => {
    expect(offsetMinutesAt(at('2026-06-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(345);
    expect(offsetMinutesAt(at('2026-06-01T00:00:00Z'), 'America/St_Johns')).toBe(-150);
  });

  it('rounds a historical offset with seconds to whole minutes', () => {
    expect(offsetAt(at('1900-01-01T00:00:00Z'), 'Europe/Paris')).toBe(561_000);
    expect(offsetMinutesAt(at('1900-01-01T00:00:00Z'), 'Europe/Paris')).toBe(9);
  });

  it('is 0 in UTC', () => {
    expect(offsetMinutesAt(at('2026-06-01T00:00:00Z'), 'UTC')).toBe(0);
  });
});

describe('wallClockToUtc', () => {
  it('reads an ordinary time with the offset in force', () => {
    expect(toUtc('2026-11-24T02:00', 'Europe/Paris')).toBe('2026-11-24T01:00:00.000Z');
    expect(toUtc('2026-01-01T05:45', 'Asia/Kathmandu')).toBe('2026-01-01T00:00:00.000Z');
  });

  it('moves a time skipped by spring-forward on by the length of the gap', () => {
    // 02:30 does not exist: it is read as 03:30 summer time.
    expect(toUtc('2026-03-29T02:30', 'Europe/Paris')).toBe('2026-03-29T01:30:00.000Z');
    expect(toUtc('2026-03-08T02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    // Lord Howe skips 02:00–02:30: 02:15 is read as 02:45.
    expect(toUtc('2026-10-04T02:15', 'Australia/Lord_Howe')).toBe('2026-10-03T15:45:00.000Z');
  });

  it('takes the earlier instant of a time repeated at fall-back', () => {
    expect(toUtc('2026-10-25T02:30', 'Europe/Paris')).toBe('2026-10-25T00:30:00.000Z');
    expect(toUtc('2026-11-01T01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    expect(toUtc('2026-04-05T01:45', 'Australia/Lord_Howe')).toBe('2026-04-04T14:45:00.000Z');
  });

  it('round-trips with wallClockAt', () => {
    const instant = at('2026-07-14T08:15:00Z');
    const local = wallClockAt(instant, 'Asia/Kathmandu');
    expect(local).toEqual({ year: 2026, month: 7, day: 14, hour: 14, minute: 0, second: 0 });
    expect(wallClockToUtc(local, 'Asia/Kathmandu').toISOString()).toBe(instant.toISOString());
  });
});

describe('zones', () => {
  it('formats offsets as ISO 8601 does', () => {
    expect(formatOffset(120)).toBe('+02:00');
    expect(formatOffset(-240)).toBe('-04:00');
    expect(formatOffset(345)).toBe('+05:45');
    expect(formatOffset(-150)).toBe('-02:30');
    expect(formatOffset(0)).toBe('+00:00');
  });

  it('tells UTC itself from zones that sit at offset 0', () => {
    expect(isUtcZone('UTC')).toBe(true);
    expect(isUtcZone('Etc/UTC')).toBe(true);
    expect(isUtcZone('Atlantic/Reykjavik')).toBe(false);
    expect(isUtcZone('Europe/London')).toBe(false);
  });

  it('knows IANA zones and refuses others', () => {
    expect(isZoneKnown('Europe/Paris')).toBe(true);
    expect(isZoneKnown('Mars/Olympus_Mons')).toBe(false);
    expect(() => wallClockAt(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('names the zone as English readers see it', () => {
    expect(zoneAbbreviation(at('2026-01-15T12:00:00Z'), 'Europe/Paris')).toBe('CET');
    expect(zoneAbbreviation(at('2026-07-15T12:00:00Z'), 'Europe/London')).toBe('BST');
    expect(zoneAbbreviation(at('2026-01-15T12:00:00Z'), 'Asia/Kathmandu')).toBe('GMT+5:45');
  });
});
