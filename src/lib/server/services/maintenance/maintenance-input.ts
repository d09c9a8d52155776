import { z } from 'zod';
import { parseLocalDateTime } from '../../../domain/recurrence';
import { checkboxDefaultOff, checkboxDefaultOn, idSchema, optionalText, requiredText } from '../kernel/validation';
import { isKnownTimeZone } from '../settings/page-settings';

/** A wall-clock time as `<input type="datetime-local">` posts it, read in the form's time zone. */
const localDateTime = z
  .string({ error: 'Enter a date and time.' })
  .trim()
  .refine((value) => parseLocalDateTime(value) !== undefined, 'Enter a date and time (YYYY-MM-DD HH:MM).');

const timeZone = z
  .string({ error: 'Choose a time zone.' })
  .trim()
  .refine(isKnownTimeZone, 'Choose a time zone from the list (an IANA name such as Europe/Paris).');

const componentIds = z
  .array(idSchema)
  .max(200, 'Choose at most 200 components.')
  .default([])
  .refine((items) => new Set(items).size === items.length, 'A component is listed twice.');

const switches = {
  setsUnderMaintenance: checkboxDefaultOn,
  notifySubscribers: checkboxDefaultOn,
  notifyOnSchedule: checkboxDefaultOn,
  notifyReminder: checkboxDefaultOn,
  notifyOnStart: checkboxDefaultOn,
  notifyOnComplete: checkboxDefaultOn,
};

const windowFields = {
  title: requiredText('Title', 200),
  description: requiredText('Description', 10_000),
  components: componentIds,
  startsAt: localDateTime,
  endsAt: localDateTime,
  timeZone,
  ...switches,
};

const isoDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date (YYYY-MM-DD).')
  .refine((value) => parseLocalDateTime(`${value}T00:00`) !== undefined, 'Enter a real date (YYYY-MM-DD).');

export const scheduleMaintenanceInput = z.object({
  ...windowFields,
  /** A window that already happened, recorded for the history: never emailed, changes no component. */
  backfill: checkboxDefaultOff,
  recurrence: z.enum(['none', 'weekly', 'monthly'], { error: 'Choose how it repeats.' }).default('none'),
  /** ISO weekdays, 1 = Monday … 7 = Sunday (weekly). */
  weekdays: z
    .array(
      z.coerce.number({ error: 'Choose days of the week.' }).int().min(1, 'Choose days of the week.').max(7, 'Choose days of the week.'),
    )
    .max(7)
    .default([]),
  /** 1–31; a shorter month uses its last day (monthly). */
  dayOfMonth: z.coerce
    .number({ error: 'Enter a day of the month (1–31).' })
    .int('Enter a day of the month (1–31).')
    .min(1, 'Enter a day of the month (1–31).')
    .max(31, 'Enter a day of the month (1–31).')
    .optional(),
  recurrenceEnd: z.enum(['count', 'until'], { error: 'Choose how the series ends.' }).default('count'),
  occurrences: z.coerce.number({ error: 'Enter how many times.' }).int('Enter a whole number.').min(1, 'Enter at least 1.').optional(),
  until: isoDate.optional(),
});

export const updateMaintenanceInput = z.object(windowFields);

/** A message posted with a staff action; blank uses the action's standard sentence. */
export const maintenanceActionInput = z.object({
  message: optionalText('Message', 10_000),
  notifySubscribers: checkboxDefaultOn,
});

export const extendMaintenanceInput = maintenanceActionInput.extend({ endsAt: localDateTime, timeZone });

export const postMaintenanceUpdateInput = z.object({
  message: requiredText('Message', 10_000),
  notifySubscribers: checkboxDefaultOn,
});
