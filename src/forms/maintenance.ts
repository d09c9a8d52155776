import type { ServiceContext } from '../lib/server/services/kernel/context';
import type { ServiceResult } from '../lib/server/services/kernel/errors';
import type { MaintenanceRow } from '../lib/server/db/schema';
import type { StaffActor } from '../lib/server/services/access/users';
import {
  cancelMaintenance,
  cancelMaintenanceSeries,
  completeMaintenance,
  extendMaintenance,
  markMaintenanceVerifying,
  postMaintenanceUpdate,
  startMaintenanceNow,
} from '../lib/server/services/maintenance/maintenance-action-commands';
import { scheduleMaintenance, updateMaintenance } from '../lib/server/services/maintenance/maintenance-schedule-commands';
import { type FormHandler } from './form';
import { fieldText as text, fieldTexts as textList, isTicked as checked, type FormFailure, type FormValues } from './posted';

type ScheduleInput = Parameters<typeof scheduleMaintenance>[2];

/** An optional field: blank is "not given" (the service's own defaults and messages apply). */
const optional = (value: unknown): string | undefined => (text(value).trim() === '' ? undefined : text(value));

const maintenancePage = (maintenanceId: string) => `/admin/maintenance/${maintenanceId}`;

/** The on/off switches of a maintenance form, by field name. */
export const maintenanceSwitchNames = [
  'setsUnderMaintenance',
  'notifySubscribers',
  'notifyOnSchedule',
  'notifyReminder',
  'notifyOnStart',
  'notifyOnComplete',
] as const;
export type MaintenanceSwitch = (typeof maintenanceSwitchNames)[number];

/** The window fields shared by the schedule and edit forms, as the service takes them. */
function windowInput(values: FormValues) {
  return {
    title: text(values.title),
    description: text(values.description),
    components: textList(values.components),
    startsAt: text(values.startsAt),
    endsAt: text(values.endsAt),
    timeZone: text(values.timeZone),
    setsUnderMaintenance: checked(values.setsUnderMaintenance),
    notifySubscribers: checked(values.notifySubscribers),
    notifyOnSchedule: checked(values.notifyOnSchedule),
    notifyReminder: checked(values.notifyReminder),
    notifyOnStart: checked(values.notifyOnStart),
    notifyOnComplete: checked(values.notifyOnComplete),
  };
}

/**
 * The schedule form as the service takes it. Only the repeat fields of the chosen repetition
 * are sent, so a stray value in a hidden-by-choice field (a day of the month while "weekly" is
 * chosen) never blocks the form. Posted strings are cast to the input's types: the service
 * validates them.
 */
function scheduleInput(values: FormValues): ScheduleInput {
  const recurrence = (optional(values.recurrence) ?? 'none') as NonNullable<ScheduleInput['recurrence']>;
  const repeats = recurrence !== 'none';
  const recurrenceEnd = (optional(values.recurrenceEnd) ?? 'count') as NonNullable<ScheduleInput['recurrenceEnd']>;
  return {
    ...windowInput(values),
    backfill: checked(values.backfill),
    recurrence,
    weekdays: recurrence === 'weekly' ? textList(values.weekdays) : [],
    dayOfMonth: recurrence === 'monthly' ? optional(values.dayOfMonth) : undefined,
    recurrenceEnd: repeats ? recurrenceEnd : undefined,
    occurrences: repeats && recurrenceEnd === 'count' ? optional(values.occurrences) : undefined,
    until: repeats && recurrenceEnd === 'until' ? optional(values.until) : undefined,
  };
}

/** What a staff action posts: an optional message (blank: the standard sentence) and the notify checkbox. */
function actionInput(values: FormValues) {
  return { message: text(values.message), notifySubscribers: checked(values.notifySubscribers) };
}

function scheduledNotice(created: MaintenanceRow[], backfill: boolean): string {
  if (backfill) return 'Past maintenance recorded.';
  if (created.length > 1) return `Maintenance series scheduled: ${created.length} occurrences created. This is the first.`;
  return 'Maintenance scheduled.';
}

/** "Schedule maintenance": one window, a recurring series, or a backfill. Goes to the (first) maintenance created. */
export const scheduleMaintenanceForm: FormHandler = {
  role: 'responder',
  async run({ values, actor, context }) {
    const input = scheduleInput(values);
    const result = await scheduleMaintenance(context, actor, input);
    if (!result.ok) return result;
    const [first] = result.value;
    if (!first) throw new Error('Scheduling succeeded without creating a maintenance.');
    return { ok: true, value: { location: maintenancePage(first.id), notice: scheduledNotice(result.value, input.backfill === true) } };
  },
};

/** Edits a maintenance; new times on a scheduled one reschedule it. */
export function editMaintenanceForm(maintenanceId: string): FormHandler {
  return {
    role: 'responder',
    async run({ values, actor, context }) {
      const result = await updateMaintenance(context, actor, maintenanceId, windowInput(values));
      return result.ok ? { ok: true, value: { location: maintenancePage(maintenanceId), notice: 'Maintenance saved.' } } : result;
    },
  };
}

/** A staff action on one maintenance: run it, then back to the maintenance's page with a notice. */
function actionForm<T>(
  maintenanceId: string,
  act: (input: { values: FormValues; actor: StaffActor; context: ServiceContext }) => Promise<ServiceResult<T>>,
  notice: string | ((value: T) => string),
): FormHandler {
  return {
    role: 'responder',
    async run(input) {
      const result = await act(input);
      if (!result.ok) return result;
      return {
        ok: true,
        value: { location: maintenancePage(maintenanceId), notice: typeof notice === 'string' ? notice : notice(result.value) },
      };
    },
  };
}

export const startMaintenanceForm = (id: string) =>
  actionForm(id, ({ values, actor, context }) => startMaintenanceNow(context, actor, id, actionInput(values)), 'Maintenance started.');

export const extendMaintenanceForm = (id: string) =>
  actionForm(
    id,
    ({ values, actor, context }) =>
      extendMaintenance(context, actor, id, { ...actionInput(values), endsAt: text(values.endsAt), timeZone: text(values.timeZone) }),
    'New end saved.',
  );

export const verifyMaintenanceForm = (id: string) =>
  actionForm(
    id,
    ({ values, actor, context }) => markMaintenanceVerifying(context, actor, id, actionInput(values)),
    'Maintenance marked as verifying.',
  );

export const completeMaintenanceForm = (id: string) =>
  actionForm(id, ({ values, actor, context }) => completeMaintenance(context, actor, id, actionInput(values)), 'Maintenance completed.');

export const cancelMaintenanceForm = (id: string) =>
  actionForm(id, ({ values, actor, context }) => cancelMaintenance(context, actor, id, actionInput(values)), 'Maintenance cancelled.');

/** Cancels this occurrence and every later scheduled one of its series. */
export const cancelMaintenanceSeriesForm = (id: string) =>
  actionForm(
    id,
    ({ values, actor, context }) => cancelMaintenanceSeries(context, actor, id, actionInput(values)),
    (count) =>
      count === 1
        ? 'Maintenance cancelled; no later occurrence was scheduled.'
        : `Cancelled ${count} occurrences: this one and every later one.`,
  );

export const postMaintenanceUpdateForm = (id: string) =>
  actionForm(
    id,
    ({ values, actor, context }) =>
      postMaintenanceUpdate(context, actor, id, { message: text(values.message), notifySubscribers: checked(values.notifySubscribers) }),
    'Update posted.',
  );

/** What the schedule and edit forms show: their defaults, or what a failed post sent. */
export interface MaintenanceFormValues {
  title: string;
  description: string;
  components: string[];
  startsAt: string;
  endsAt: string;
  timeZone: string;
  switches: Record<MaintenanceSwitch, boolean>;
}

/**
 * The window fields of a form after a failed post of `intent` (every value as sent; an unticked
 * checkbox as off), or `defaults` otherwise.
 */
export function maintenanceFormValues(failure: FormFailure | null, intent: string, defaults: MaintenanceFormValues): MaintenanceFormValues {
  if (!failure || failure.intent !== intent) return defaults;
  const values = failure.values;
  return {
    title: text(values.title),
    description: text(values.description),
    components: textList(values.components),
    startsAt: text(values.startsAt),
    endsAt: text(values.endsAt),
    timeZone: text(values.timeZone) || defaults.timeZone,
    switches: Object.fromEntries(maintenanceSwitchNames.map((name) => [name, checked(values[name])])) as Record<MaintenanceSwitch, boolean>,
  };
}

/** The repeat fields of the schedule form after a failed post, or their defaults. */
export interface RecurrenceFormValues {
  backfill: boolean;
  recurrence: string;
  weekdays: string[];
  dayOfMonth: string;
  recurrenceEnd: string;
  occurrences: string;
  until: string;
}

export function recurrenceFormValues(failure: FormFailure | null, intent: string): RecurrenceFormValues {
  if (!failure || failure.intent !== intent) {
    return { backfill: false, recurrence: 'none', weekdays: [], dayOfMonth: '', recurrenceEnd: 'count', occurrences: '', until: '' };
  }
  const values = failure.values;
  return {
    backfill: checked(values.backfill),
    recurrence: text(values.recurrence) || 'none',
    weekdays: textList(values.weekdays),
    dayOfMonth: text(values.dayOfMonth),
    recurrenceEnd: text(values.recurrenceEnd) || 'count',
    occurrences: text(values.occurrences),
    until: text(values.until),
  };
}
