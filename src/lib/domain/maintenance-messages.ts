/** The sentences a maintenance posts on its public timeline, when staff leave the message blank or a job acts. */
import { describeRecurrence, type RecurrenceEnd, type RecurrenceRule } from './recurrence';
import { formatInZone, formatWindow } from './time-format';

export const standardMessages = {
  start: 'The scheduled maintenance has started.',
  verify: 'The work is done and we are verifying that everything works as expected.',
  complete: 'The scheduled maintenance has been completed.',
  cancel: 'This scheduled maintenance has been cancelled.',
  /** Posted by the start job, when a window begins on time. (Its end job posts `complete`.) */
  automaticStart: 'The scheduled maintenance is now in progress. We will post an update when it is complete.',
} as const;

/**
 * The first update of a new window: when it happens (the description is on the page already),
 * and how it repeats for a series; for a backfill, when it was carried out.
 */
export function scheduledMessage(options: {
  start: Date;
  end: Date;
  timeZone: string;
  backfill: boolean;
  series: { rule: RecurrenceRule; end: RecurrenceEnd } | null;
}): string {
  const window = formatWindow(options.start, options.end, options.timeZone);
  if (options.backfill) return `Carried out ${window}; recorded afterwards.`;
  const repeats = options.series ? ` ${describeRecurrence(options.series.rule, options.series.end)}.` : '';
  return `Scheduled for ${window}.${repeats}`;
}

export function rescheduledMessage(start: Date, end: Date, timeZone: string): string {
  return `Rescheduled to ${formatWindow(start, end, timeZone)}.`;
}

export function extendedMessage(end: Date, timeZone: string): string {
  return `The maintenance is now expected to end ${formatInZone(end, timeZone)}.`;
}
