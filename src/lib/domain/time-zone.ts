/**
 * Reading IANA time zones: the wall clock of a zone at an instant, its offset from UTC, and the
 * instant of a wall-clock time. The one place that asks `Intl` about zones; pure otherwise.
 */

/** A wall-clock reading, to the second, in no particular zone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;

/**
 * Milliseconds since the epoch of a wall-clock reading taken as if it were UTC. `Date.UTC` maps
 * years 0–99 to 1900–1999, so the year is set separately.
 */
export function utcMillis(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter reading the zone's wall clock, or undefined when `Intl` does not know the zone. */
function wallClockFormatter(timeZone: string): Intl.DateTimeFormat | undefined {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      return undefined;
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function requireFormatter(timeZone: string): Intl.DateTimeFormat {
  const formatter = wallClockFormatter(timeZone);
  if (!formatter) throw new RangeError(`Unknown time zone: ${timeZone}`);
  return formatter;
}

/** Whether `Intl` knows the zone (an IANA name or one of its aliases). */
export function isZoneKnown(timeZone: string): boolean {
  return wallClockFormatter(timeZone) !== undefined;
}

/** The zone's wall clock at an instant, to the second. Throws a RangeError for an unknown zone. */
export function wallClockAt(instant: Date | number, timeZone: string): WallClock {
  const fields: Record<string, string> = {};
  for (const part of requireFormatter(timeZone).formatToParts(instant)) fields[part.type] = part.value;
  const year = Number(fields.year);
  return {
    // The era only matters for the day before 0001-01-01, reached while probing offsets.
    year: fields.era === 'BC' ? 1 - year : year,
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (historical offsets can have seconds). */
export function offsetAt(instant: Date | number, timeZone: string): number {
  const wholeSecond = Math.floor(new Date(instant).getTime() / 1000) * 1000;
  const wall = wallClockAt(wholeSecond, timeZone);
  return utcMillis(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second) - wholeSecond;
}

/**
 * The zone's offset from UTC at an instant, in whole minutes. Historical local mean times have
 * seconds (Paris before 1911: +00:09:21); those are rounded, away from zero at half a minute.
 */
export function offsetMinutesAt(instant: Date | number, timeZone: string): number {
  const offset = offsetAt(instant, timeZone) / 60_000;
  return Math.sign(offset) * Math.round(Math.abs(offset));
}

/** An offset in minutes as ISO 8601 writes it: `+02:00`, `-04:00`, `+05:45`, `+00:00`. */
export function formatOffset(minutes: number): string {
  const absolute = Math.abs(minutes);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

const utcZones = new Map<string, boolean>();

/** Whether the zone is UTC itself (UTC, Etc/UTC…), not merely a zone at offset 0 today. */
export function isUtcZone(timeZone: string): boolean {
  let utc = utcZones.get(timeZone);
  if (utc === undefined) {
    const canonical = requireFormatter(timeZone).resolvedOptions().timeZone;
    utc = ['UTC', 'Etc/UTC', 'Etc/UCT', 'Etc/Universal', 'Etc/Zulu', 'UCT', 'Universal', 'Zulu'].includes(canonical);
    utcZones.set(timeZone, utc);
  }
  return utc;
}

/**
 * The UTC instant of a wall-clock time (to the minute) in a zone. A time skipped by a
 * spring-forward change moves forward by the length of the gap (02:30 → 03:30 in Paris); a time
 * repeated at fall-back takes the earlier instant (the daylight-time one). Throws a RangeError
 * for an unknown zone.
 */
export function wallClockToUtc(wall: Omit<WallClock, 'second'>, timeZone: string): Date {
  const asUtc = utcMillis(wall.year, wall.month, wall.day, wall.hour, wall.minute);
  // Offsets in force a day either side. Zones change offset at most once within such a span, and
  // no offset exceeds ±14 h, so these are the offsets just before and just after any change
  // that could affect this wall-clock time.
  const offsetBefore = offsetAt(asUtc - DAY_MS, timeZone);
  const offsetAfter = offsetAt(asUtc + DAY_MS, timeZone);
  // A candidate instant is real when the zone actually uses that offset at that instant. The
  // earlier offset is tried first: when both are real (fall-back), the earlier instant wins.
  for (const offset of [offsetBefore, offsetAfter].sort((a, b) => b - a)) {
    const instant = asUtc - offset;
    if (offsetAt(instant, timeZone) === offset) return new Date(instant);
  }
  // Skipped by a spring-forward change: reading the time with the pre-change offset lands after
  // the change, at the wall-clock time moved forward by the length of the gap.
  return new Date(asUtc - offsetBefore);
}

const abbreviations = new Map<string, Intl.DateTimeFormat>();

/** The zone's short name at an instant as English readers see it: "CET", "BST", "GMT+5:45". */
export function zoneAbbreviation(instant: Date, timeZone: string): string {
  let formatter = abbreviations.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' });
    abbreviations.set(timeZone, formatter);
  }
  return formatter.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
}
