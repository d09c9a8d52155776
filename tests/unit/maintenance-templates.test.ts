import { describe, expect, it } from 'vitest';
import { endAfterDuration, templateDurationLabel } from '../../src/lib/domain/maintenance-templates';

describe('templateDurationLabel', () => {
  it.each<[number, string]>([
    [1, '1 min'],
    [45, '45 min'],
    [60, '1 h'],
    [90, '1 h 30 min'],
    [1440, '1 d'],
    [1440 + 125, '1 d 2 h 5 min'],
  ])('%i minutes read "%s"', (minutes, label) => {
    expect(templateDurationLabel(minutes)).toBe(label);
  });
});

describe('endAfterDuration', () => {
  it('adds real minutes in the zone, across daylight-saving changes both ways', () => {
    expect(endAfterDuration('2026-06-03T22:30', 'UTC', 90)).toBe('2026-06-04T00:00');
    // Paris springs forward at 02:00 on 29 March 2026: two real hours from 01:30 end at 04:30.
    expect(endAfterDuration('2026-03-29T01:30', 'Europe/Paris', 120)).toBe('2026-03-29T04:30');
    // …and falls back at 03:00 on 25 October: two real hours from 01:30 end at 02:30.
    expect(endAfterDuration('2026-10-25T01:30', 'Europe/Paris', 120)).toBe('2026-10-25T02:30');
  });

  it('gives nothing for a start that is no date and time, or an unknown zone', () => {
    for (const start of ['', 'tomorrow', '2026-02-30T10:00', '2026-06-03 10:00x']) {
      expect(endAfterDuration(start, 'Europe/Paris', 60), start).toBeUndefined();
    }
    expect(endAfterDuration('2026-06-03T10:00', 'Mars/Olympus', 60)).toBeUndefined();
  });
});
