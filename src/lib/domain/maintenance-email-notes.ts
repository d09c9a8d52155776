/**
 * What the maintenance admin page says about subscriber email: for each staff action, whether it
 * asks (a checkbox) or why no email goes out; and a summary of the moments that are emailed.
 */
import { emailsMoment, emailsStaffUpdate, type MaintenanceMoment, type MaintenanceNotifySwitches } from './maintenance';

/** A checkbox (ticked or not) when staff may choose, or a sentence saying what the switches decide. */
export type NotifyChoice = { checked: boolean } | { text: string };

/** The actions whose email follows one of the maintenance's own moments. */
export type SwitchedMoment = Extract<MaintenanceMoment, 'started' | 'completed' | 'cancelled'>;

/** The switch that emails a moment, as the admin names it; cancelling has no switch of its own. */
const switchLabels: Record<SwitchedMoment, string> = {
  started: 'when it starts',
  completed: 'when it completes',
  cancelled: '',
};

/** Whether the maintenance's own switches email a moment, in words. */
function emailNote(switches: MaintenanceNotifySwitches, moment: MaintenanceMoment, switchLabel: string): string {
  if (emailsMoment(switches, moment))
    return `Subscribers of its components are emailed${switchLabel ? ` (“${switchLabel}” is on for this maintenance)` : ''}.`;
  if (switches.backfilled) return 'No email: this is a backfill.';
  if (!switches.notifySubscribers) return 'No email: subscriber email is off for this maintenance.';
  return `No email: “${switchLabel}” is off for this maintenance.`;
}

/** Extend, verify and post ask each time; they can email only when the maintenance's subscriber email is on. */
export function staffUpdateNotify(switches: MaintenanceNotifySwitches, checked: boolean): NotifyChoice {
  return emailsStaffUpdate(switches) ? { checked } : { text: emailNote(switches, 'rescheduled', '') };
}

/** Start, complete and cancel email when the switches say so; staff may still untick it for once. */
export function momentNotify(switches: MaintenanceNotifySwitches, moment: SwitchedMoment, checked: boolean): NotifyChoice {
  return emailsMoment(switches, moment) ? { checked } : { text: emailNote(switches, moment, switchLabels[moment]) };
}

/** "when scheduled, when it starts; and if rescheduled or cancelled": the moments a maintenance emails. */
export function emailSummary(switches: MaintenanceNotifySwitches): string {
  if (switches.backfilled) return 'Never (a backfill)';
  if (!switches.notifySubscribers) return 'Off';
  const moments = [
    { on: switches.notifyOnSchedule, label: 'when scheduled' },
    { on: switches.notifyReminder, label: '60 minutes before' },
    { on: switches.notifyOnStart, label: 'when it starts' },
    { on: switches.notifyOnComplete, label: 'when it completes' },
  ];
  const chosen = moments
    .filter((item) => item.on)
    .map((item) => item.label)
    .join(', ');
  return `${chosen || 'only if rescheduled or cancelled'}; and if rescheduled or cancelled`;
}
