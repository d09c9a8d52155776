import { utcMillis, wallClockAt, zoneAbbreviation } from './time-zone';

/** "2026-03-01 14:05 UTC": the text shown before the reader's own zone is applied. */
export function formatUtc(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatUtcDate(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** "March 2026", for grouping history by month (UTC). */
export function monthLabel(time: Date): string {
  return new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(time);
}

/** The value of an `<input type="datetime-local">` in UTC. */
export function toDateTimeLocalUtc(time: Date): string {
  return time.toISOString().slice(0, 16);
}

/** "Tue 24 Nov 2026": a calendar date in English, read in UTC. */
const dateLabel = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

function zonedParts(time: Date, timeZone: string) {
  const wall = wallClockAt(time, timeZone);
  // The zone's calendar date, named by formatting that wall-clock date as a UTC one.
  const parts = Object.fromEntries(
    dateLabel.formatToParts(utcMillis(wall.year, wall.month, wall.day)).map((part) => [part.type, part.value]),
  );
  const pad = (value: number) => String(value).padStart(2, '0');
  return {
    day: `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}`,
    time: `${pad(wall.hour)}:${pad(wall.minute)}`,
    zone: zoneAbbreviation(time, timeZone),
  };
}

/** "Tue 24 Nov 2026, 02:00 CET": a moment as people in `timeZone` read it, zone included. */
export function formatInZone(time: Date, timeZone: string): string {
  const parts = zonedParts(time, timeZone);
  return `${parts.day}, ${parts.time} ${parts.zone}`;
}

/**
 * A window in one zone: "Tue 24 Nov 2026, 02:00–04:00 CET" within a day, or both ends in full
 * ("Tue 24 Nov 2026, 23:00 CET – Wed 25 Nov 2026, 01:00 CET") across days or a DST change.
 */
export function formatWindow(start: Date, end: Date, timeZone: string): string {
  const from = zonedParts(start, timeZone);
  const to = zonedParts(end, timeZone);
  if (from.day === to.day && from.zone === to.zone) return `${from.day}, ${from.time}–${to.time} ${from.zone}`;
  return `${formatInZone(start, timeZone)} – ${formatInZone(end, timeZone)}`;
}
