/**
 * Maintenance templates as the schedule form uses them: how long a window may last, and the end
 * a start gives. Pure.
 */
import { localInputValue } from './maintenance-schedule';
import { zonedTimeToUtc, type LocalDateTime } from './recurrence';

/**
 * A template's window lasts whole minutes, at least one (the schedule form's inputs are to the
 * minute, and its end must be after its start) and at most a year.
 */
export const TEMPLATE_DURATION_MINUTES = { min: 1, max: 366 * 24 * 60 } as const;

/** A template's duration for staff to read, exact to the minute: "45 min", "2 h", "1 d 2 h 30 min". */
export function templateDurationLabel(minutes: number): string {
  const parts = [
    [Math.floor(minutes / 1440), 'd'],
    [Math.floor((minutes % 1440) / 60), 'h'],
    [minutes % 60, 'min'],
  ] as const;
  return parts
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount} ${unit}`)
    .join(' ');
}

/**
 * The end field of a window starting at `startsAt` (a local time in `timeZone`) that lasts
 * `durationMinutes` of real time, as the schedule form reads the pair; undefined when the start
 * is not a date and time, or the zone is unknown.
 */
export function endAfterDuration(startsAt: string, timeZone: string, durationMinutes: number): LocalDateTime | undefined {
  const start = zonedTimeToUtc(startsAt.trim(), timeZone);
  if (!start) return undefined;
  return localInputValue(new Date(start.getTime() + durationMinutes * 60_000), timeZone);
}
