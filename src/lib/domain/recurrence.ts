/**
 * Recurring scheduled-maintenance windows. Staff enter wall-clock times in an IANA time zone; we
 * store UTC instants. Pure: no I/O; zones are read through ./time-zone.
 */
import { isZoneKnown, utcMillis, wallClockAt, wallClockToUtc } from './time-zone';

/** 'YYYY-MM-DDTHH:mm' wall-clock time (what an <input type="datetime-local"> posts), no zone. */
export type LocalDateTime = string;

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(utcMillis(year, month + 1, 0)).getUTCDate();
}

function pad(value: number, length = 2): string {
  return String(value).padStart(length, '0');
}

function formatDate({ year, month, day }: LocalDate): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

function isRealDate(year: number, month: number, day: number): boolean {
  // Years from 0001, as HTML date inputs require.
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Parses 'YYYY-MM-DDTHH:mm' (seconds ':ss' optional) strictly; undefined when malformed or not a real calendar date/time (e.g. 2026-02-30T10:00, 24:00). */
export function parseLocalDateTime(
  value: string,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((group) => Number(match[group] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  return { year, month, day, hour, minute, second };
}

function parseLocalDate(value: string): LocalDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [1, 2, 3].map((group) => Number(match[group])) as [number, number, number];
  return isRealDate(year, month, day) ? { year, month, day } : undefined;
}

/**
 * The UTC instant of a wall-clock time in an IANA zone. A time that does not exist (skipped by a
 * spring-forward DST change, e.g. 02:30 on 2026-03-29 in Europe/Paris) moves forward by the length
 * of the gap (03:30 local). An ambiguous time (repeated at fall-back) takes the earlier instant
 * (the first occurrence, i.e. the daylight-time offset). Returns undefined for malformed input or an unknown zone.
 */
export function zonedTimeToUtc(local: LocalDateTime, timeZone: string): Date | undefined {
  const wall = parseLocalDateTime(local);
  if (!wall || !isZoneKnown(timeZone)) return undefined;
  // Offsets are whole minutes in every zone in use today, so seconds simply carry over.
  return new Date(wallClockToUtc(wall, timeZone).getTime() + wall.second * 1000);
}

/**
 * The wall-clock time of an instant in a zone, as 'YYYY-MM-DDTHH:mm' (for pre-filling datetime-local inputs).
 * Throws a RangeError for an unknown zone or an invalid date, like `Intl` itself.
 */
export function utcToZonedTime(instant: Date, timeZone: string): LocalDateTime {
  if (!isZoneKnown(timeZone)) throw new RangeError(`Unknown time zone: ${timeZone}`);
  if (Number.isNaN(instant.getTime())) throw new RangeError('Invalid date');
  const wall = wallClockAt(instant, timeZone);
  return `${formatDate(wall)}T${pad(wall.hour)}:${pad(wall.minute)}`;
}

/** ISO weekday numbers: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export type RecurrenceRule =
  | { frequency: 'weekly'; weekdays: IsoWeekday[] } // every week on these days
  | { frequency: 'monthly'; dayOfMonth: number }; // 1..31; in a shorter month, the month's last day

export type RecurrenceEnd = { until: string /* 'YYYY-MM-DD', local date, inclusive */ } | { count: number /* total occurrences, >= 1 */ };

export interface Occurrence {
  start: Date;
  end: Date;
}

export type ExpansionResult =
  | { ok: true; occurrences: Occurrence[] }
  | { ok: false; reason: 'too_many'; limit: number }
  | { ok: false; reason: 'invalid'; message: string };

const weekdayNames = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

const isWholeNumber = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** Calendar dates matching the rule, from `first` on, oldest first; endless. */
function* candidateDates(first: LocalDate, rule: RecurrenceRule): Generator<LocalDate> {
  if (rule.frequency === 'weekly') {
    const wanted = new Set<number>(rule.weekdays);
    // Whole days since the epoch: stepping a plain day number never touches a time zone.
    for (let dayNumber = utcMillis(first.year, first.month, first.day) / DAY_MS; ; dayNumber += 1) {
      const date = new Date(dayNumber * DAY_MS);
      const isoWeekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
      if (wanted.has(isoWeekday)) yield { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    }
  } else {
    let { year, month } = first;
    for (;;) {
      const day = Math.min(rule.dayOfMonth, daysInMonth(year, month));
      // Only the first month can have its day already behind firstStart.
      if (year !== first.year || month !== first.month || day >= first.day) yield { year, month, day };
      [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
    }
  }
}

function validationError(options: Parameters<typeof expandRecurrence>[0]): string | undefined {
  const { durationMinutes, rule, end } = options;
  if (!isWholeNumber(durationMinutes) || durationMinutes < 1) return 'The duration must be a whole number of minutes, at least 1.';
  // Checked at run time as well: a rule may come from stored JSON or an unchecked caller.
  const frequency: string = rule.frequency;
  if (frequency !== 'weekly' && frequency !== 'monthly') return 'The repetition must be weekly or monthly.';
  if (rule.frequency === 'weekly') {
    if (rule.weekdays.length === 0) return 'Choose at least one day of the week.';
    if (!rule.weekdays.every((day) => isWholeNumber(day) && day >= 1 && day <= 7)) {
      return 'Days of the week must be numbers from 1 (Monday) to 7 (Sunday).';
    }
  } else if (!isWholeNumber(rule.dayOfMonth) || rule.dayOfMonth < 1 || rule.dayOfMonth > 31) {
    return 'The day of the month must be a whole number from 1 to 31.';
  }
  if ('count' in end && (!isWholeNumber(end.count) || end.count < 1)) {
    return 'The number of occurrences must be a whole number, at least 1.';
  }
  return undefined;
}

/**
 * Every occurrence of a recurring window, oldest first. `firstStart` is the local wall-clock start
 * of the first candidate day: occurrences fall on dates >= firstStart's date that match the rule,
 * each at firstStart's local time of day in `timeZone` (so a 02:00 Europe/Paris window stays at
 * 02:00 local across DST changes; if that local time does not exist on a day, use zonedTimeToUtc's rule).
 * Each occurrence lasts `durationMinutes` of real time (end = start + duration).
 * Fails with 'too_many' when the expansion would produce more than `limit` occurrences (stop
 * expanding as soon as limit+1 is reached, never loop unbounded: an `until` 100 years away must return quickly),
 * and with 'invalid' (a sentence a staff member can read) for: malformed firstStart, unknown zone,
 * durationMinutes not a positive integer, empty weekdays or a weekday outside 1..7, dayOfMonth
 * outside 1..31, count < 1 or not an integer, until malformed or before firstStart's date, or a
 * rule that yields no occurrence at all.
 *
 * `limit` is set by code, not staff: a RangeError is thrown unless it is a whole number >= 1.
 */
export function expandRecurrence(options: {
  firstStart: LocalDateTime;
  durationMinutes: number;
  timeZone: string;
  rule: RecurrenceRule;
  end: RecurrenceEnd;
  limit: number;
}): ExpansionResult {
  const { firstStart, durationMinutes, timeZone, rule, end, limit } = options;
  if (!isWholeNumber(limit) || limit < 1) throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  const invalid = (message: string): ExpansionResult => ({ ok: false, reason: 'invalid', message });

  const first = parseLocalDateTime(firstStart);
  if (!first) return invalid('The first start must be a real date and time, such as 2026-03-29T02:30.');
  if (!isZoneKnown(timeZone)) return invalid(`"${timeZone}" is not a known time zone.`);
  const error = validationError(options);
  if (error) return invalid(error);

  let lastDate: string | undefined;
  if ('until' in end) {
    const until = parseLocalDate(end.until);
    if (!until) return invalid('The end date must be a real date, such as 2027-03-01.');
    lastDate = formatDate(until);
    if (lastDate < formatDate(first)) return invalid(`The end date ${lastDate} is before the first date ${formatDate(first)}.`);
  }
  // With a count the series cannot end before `limit` + 1 occurrences, so fail without expanding.
  if ('count' in end && end.count > limit) return { ok: false, reason: 'too_many', limit };
  const wanted = 'count' in end ? end.count : Infinity;

  const occurrences: Occurrence[] = [];
  for (const date of candidateDates(first, rule)) {
    // Zero-padded 'YYYY-MM-DD' strings compare in calendar order.
    if ((lastDate !== undefined && formatDate(date) > lastDate) || occurrences.length >= wanted) break;
    if (occurrences.length >= limit) return { ok: false, reason: 'too_many', limit };
    const start = wallClockToUtc({ ...date, hour: first.hour, minute: first.minute }, timeZone);
    // A gap as long as a day (Pacific/Apia skipped 2011-12-30) can push a start onto the next
    // day's; keep one window rather than two identical ones.
    const previous = occurrences.at(-1);
    if (previous && start.getTime() <= previous.start.getTime()) continue;
    occurrences.push({ start, end: new Date(start.getTime() + durationMinutes * MINUTE_MS) });
  }
  if (occurrences.length === 0) {
    return invalid(
      `No date between ${formatDate(first)} and ${lastDate ?? 'the end'} matches the repetition; choose a later end date or other days.`,
    );
  }
  return { ok: true, occurrences };
}

/** "Monday", "Monday and Thursday", "Monday, Wednesday and Friday". */
function joinWithAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** A readable summary for admins, e.g. "Weekly on Monday and Thursday, 12 times" / "Monthly on day 31 (or the month's last day), until 2027-03-01". */
export function describeRecurrence(rule: RecurrenceRule, end: RecurrenceEnd): string {
  let repetition: string;
  if (rule.frequency === 'weekly') {
    const days = [...new Set(rule.weekdays)].sort((a, b) => a - b).map((day) => weekdayNames[day - 1] ?? `day ${day}`);
    repetition = `Weekly on ${joinWithAnd(days)}`;
  } else {
    // Days 29–31 are missing from some months.
    repetition = `Monthly on day ${rule.dayOfMonth}${rule.dayOfMonth > 28 ? " (or the month's last day)" : ''}`;
  }
  const ending = 'until' in end ? `until ${end.until}` : end.count === 1 ? 'once' : `${end.count} times`;
  return `${repetition}, ${ending}`;
}
