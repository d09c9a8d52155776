import type { Severity } from './statuses';
import { utcMillis, wallClockAt, wallClockToUtc } from './time-zone';

/** The states of a post-mortem action item: open until done, or dropped with staff's say-so. */
export const actionItemStates = ['open', 'done', 'dropped'] as const;
export type ActionItemState = (typeof actionItemStates)[number];

export const actionItemStateLabels: Record<ActionItemState, string> = { open: 'Open', done: 'Done', dropped: 'Dropped' };

/**
 * Weeks from the incident's resolution to an action item's default due date: 4 for Critical and 8
 * for High (Atlassian's guidance); Medium and Low get 8 too, as follow-up of a smaller incident is
 * rarely more urgent than that of a High one. Staff change the date when it does not fit.
 */
const actionItemDueWeeks: Record<Severity, number> = { critical: 4, high: 8, medium: 8, low: 8 };

const WEEK_MS = 7 * 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "2026-03-29": a calendar date as a date input posts it. */
export type CalendarDate = string;

/** Whether `value` is a real calendar date written YYYY-MM-DD (no 31 February). */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(utcMillis(year, month, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The calendar date of an instant in `timeZone`. */
function calendarDateAt(instant: Date, timeZone: string): CalendarDate {
  const wall = wallClockAt(instant, timeZone);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
}

/**
 * An item is due by the end of its date in the page's time zone: the stored instant is the
 * midnight that ends that day, and the item is overdue from then on.
 */
export function dueAtOfDate(date: CalendarDate, timeZone: string): Date {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`Not a calendar date: ${date}`);
  const next = new Date(utcMillis(Number(match[1]), Number(match[2]), Number(match[3]) + 1));
  return wallClockToUtc(
    { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate(), hour: 0, minute: 0 },
    timeZone,
  );
}

/** The date an item is due by, as staff chose it: the day that its due instant ends. */
export function dueDateOf(dueAt: Date, timeZone: string): CalendarDate {
  return calendarDateAt(new Date(dueAt.getTime() - 1), timeZone);
}

/** The default due date: the severity's weeks after the resolution, or after now while the incident is open. */
export function defaultActionItemDueDate(
  incident: { severity: Severity; resolvedAt: Date | null },
  now: Date,
  timeZone: string,
): CalendarDate {
  const from = incident.resolvedAt ?? now;
  return calendarDateAt(new Date(from.getTime() + actionItemDueWeeks[incident.severity] * WEEK_MS), timeZone);
}

/** An open item past its due instant. */
export function isActionItemOverdue(item: { state: ActionItemState; dueAt: Date }, now: Date): boolean {
  return item.state === 'open' && now >= item.dueAt;
}

/** Whether the owner is owed a reminder: open, overdue, and not yet reminded of this due date (a moved date re-arms it). */
export function owesOverdueReminder(
  item: { state: ActionItemState; dueAt: Date; overdueRemindedFor: Date | null; ownerId: string | null },
  now: Date,
): boolean {
  return item.ownerId !== null && isActionItemOverdue(item, now) && item.overdueRemindedFor?.getTime() !== item.dueAt.getTime();
}
