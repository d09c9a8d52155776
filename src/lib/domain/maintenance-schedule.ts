/**
 * The window a schedule or edit form asks for, read from its local times: the UTC instants, the
 * occurrences of a series, and the field errors that make a form unusable. Pure.
 */
import { MAX_MAINTENANCE_OCCURRENCES } from './maintenance';
import { toDateTimeLocalUtc } from './time-format';
import {
  expandRecurrence,
  utcToZonedTime,
  zonedTimeToUtc,
  type IsoWeekday,
  type LocalDateTime,
  type Occurrence,
  type RecurrenceEnd,
  type RecurrenceRule,
} from './recurrence';

/** How far behind the server's clock a start may be and still count as "now" (staff clocks drift). */
export const START_TOLERANCE_MS = 60_000;

export type FieldErrors = Record<string, string>;

/** A form's local time in its zone as a UTC instant; the inputs were validated, so it exists. */
export function instantOf(local: LocalDateTime, timeZone: string): Date {
  const instant = zonedTimeToUtc(local, timeZone);
  if (!instant) throw new RangeError(`Not a valid time in ${timeZone}: ${local}`);
  return instant;
}

/** A stored instant as its zone's wall clock, for a datetime-local input; in UTC when the zone is no longer known. */
export function localInputValue(instant: Date, timeZone: string): LocalDateTime {
  try {
    return utcToZonedTime(instant, timeZone);
  } catch {
    return toDateTimeLocalUtc(instant);
  }
}

/**
 * Whether a stored instant is the local time a form shows back: equal once read again, or, where a
 * DST fall-back makes the local time ambiguous and reading it again would pick the other
 * instant, the same wall-clock minute.
 */
export function isSameLocalTime(stored: Date, local: LocalDateTime, timeZone: string): boolean {
  return stored.getTime() === instantOf(local, timeZone).getTime() || utcToZonedTime(stored, timeZone) === local.slice(0, 16);
}

export interface LocalWindow {
  startsAt: LocalDateTime;
  endsAt: LocalDateTime;
  timeZone: string;
}

export interface Window {
  start: Date;
  end: Date;
}

/** The UTC window of a form's local times, or the field errors that make it unusable. */
export function windowOf(values: LocalWindow): Window | { errors: FieldErrors } {
  const start = instantOf(values.startsAt, values.timeZone);
  const end = instantOf(values.endsAt, values.timeZone);
  if (end.getTime() <= start.getTime()) return { errors: { endsAt: 'The end must be after the start.' } };
  if (start.getUTCFullYear() < 2000 || end.getUTCFullYear() > 2999)
    return { errors: { startsAt: 'Enter a date between the years 2000 and 2999.' } };
  return { start, end };
}

/** The repeat fields of a schedule form, as validated. */
export interface RepeatChoice extends LocalWindow {
  backfill: boolean;
  recurrence: 'none' | 'weekly' | 'monthly';
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  weekdays: number[];
  dayOfMonth?: number | undefined;
  recurrenceEnd: 'count' | 'until';
  occurrences?: number | undefined;
  until?: string | undefined;
}

export type PlannedOccurrences =
  { occurrences: Occurrence[]; series: { rule: RecurrenceRule; end: RecurrenceEnd } | null } | { errors: FieldErrors };

/** The rule and end a repeating schedule form asks for, or the field that is missing. */
function seriesOf(values: RepeatChoice): { rule: RecurrenceRule; end: RecurrenceEnd } | { errors: FieldErrors } {
  let rule: RecurrenceRule;
  if (values.recurrence === 'weekly') {
    if (values.weekdays.length === 0) return { errors: { weekdays: 'Choose at least one day of the week.' } };
    rule = { frequency: 'weekly', weekdays: [...new Set(values.weekdays)].sort() as IsoWeekday[] };
  } else {
    if (values.dayOfMonth === undefined) return { errors: { dayOfMonth: 'Enter a day of the month (1–31).' } };
    rule = { frequency: 'monthly', dayOfMonth: values.dayOfMonth };
  }
  if (values.recurrenceEnd === 'count') {
    if (values.occurrences === undefined) return { errors: { occurrences: 'Enter how many times it happens.' } };
    if (values.occurrences > MAX_MAINTENANCE_OCCURRENCES)
      return { errors: { occurrences: `A series may have at most ${MAX_MAINTENANCE_OCCURRENCES} occurrences.` } };
    return { rule, end: { count: values.occurrences } };
  }
  if (values.until === undefined) return { errors: { until: 'Enter the date of the last occurrence.' } };
  return { rule, end: { until: values.until } };
}

/** The occurrences a schedule form asks for: one window, or a series expanded ahead of time. */
export function planOccurrences(values: RepeatChoice, window: Window): PlannedOccurrences {
  if (values.recurrence === 'none') return { occurrences: [window], series: null };
  if (values.backfill) return { errors: { recurrence: 'A backfill records one past window; it cannot repeat.' } };
  const series = seriesOf(values);
  if ('errors' in series) return series;
  const expanded = expandRecurrence({
    firstStart: values.startsAt,
    durationMinutes: Math.round((window.end.getTime() - window.start.getTime()) / 60_000),
    timeZone: values.timeZone,
    rule: series.rule,
    end: series.end,
    limit: MAX_MAINTENANCE_OCCURRENCES,
  });
  if (!expanded.ok) {
    const field = values.recurrenceEnd === 'until' ? 'until' : 'occurrences';
    return {
      errors:
        expanded.reason === 'too_many'
          ? { [field]: `This would create more than ${MAX_MAINTENANCE_OCCURRENCES} occurrences: choose an earlier end date.` }
          : { recurrence: expanded.message },
    };
  }
  return { occurrences: expanded.occurrences, series };
}
