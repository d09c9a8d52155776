/** Times as people read them: in a zone, with the zone's name, and windows within or across days. */
import { describe, expect, it } from 'vitest';
import { formatInZone, formatUtc, formatWindow } from '../../src/lib/domain/time-format';

const at = (iso: string) => new Date(iso);

describe('formatInZone', () => {
  it('writes the moment as the zone reads it, zone included', () => {
    expect(formatInZone(at('2026-11-24T01:00:00Z'), 'Europe/Paris')).toBe('Tue 24 Nov 2026, 02:00 CET');
    expect(formatInZone(at('2026-03-08T07:30:00Z'), 'America/New_York')).toBe('Sun 8 Mar 2026, 03:30 GMT-4');
    expect(formatInZone(at('2026-01-01T00:00:00Z'), 'Asia/Kathmandu')).toBe('Thu 1 Jan 2026, 05:45 GMT+5:45');
    expect(formatInZone(at('2026-07-01T00:00:00Z'), 'UTC')).toBe('Wed 1 Jul 2026, 00:00 UTC');
  });

  it('changes the date when the zone is on another day than UTC', () => {
    expect(formatInZone(at('2026-04-05T14:45:00Z'), 'Australia/Lord_Howe')).toBe('Mon 6 Apr 2026, 01:15 GMT+10:30');
  });
});

describe('formatWindow', () => {
  it('writes a window within one day once', () => {
    expect(formatWindow(at('2026-11-24T01:00:00Z'), at('2026-11-24T03:00:00Z'), 'Europe/Paris')).toBe('Tue 24 Nov 2026, 02:00–04:00 CET');
  });

  it('writes both ends in full across days', () => {
    expect(formatWindow(at('2026-11-24T22:00:00Z'), at('2026-11-25T00:00:00Z'), 'Europe/Paris')).toBe(
      'Tue 24 Nov 2026, 23:00 CET – Wed 25 Nov 2026, 01:00 CET',
    );
  });

  it('writes both ends in full across a DST change', () => {
    expect(formatWindow(at('2026-10-25T00:30:00Z'), at('2026-10-25T02:30:00Z'), 'Europe/Paris')).toBe(
      'Sun 25 Oct 2026, 02:30 CEST – Sun 25 Oct 2026, 03:30 CET',
    );
  });
});

describe('formatUtc', () => {
  it('writes the UTC minute', () => {
    expect(formatUtc(at('2026-03-01T14:05:09Z'))).toBe('2026-03-01 14:05 UTC');
  });
});
