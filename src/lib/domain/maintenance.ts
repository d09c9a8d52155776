import type { ComponentStatus } from './statuses';

/**
 * A maintenance's life: scheduled → in_progress (→ verifying) → completed, or cancelled before
 * it ends. The first four are the Statuspage v2 statuses; `cancelled` is Herald's own and never
 * leaves the admin and the maintenance's own page.
 */
export const maintenanceStatuses = ['scheduled', 'in_progress', 'verifying', 'completed', 'cancelled'] as const;
export type MaintenanceStatus = (typeof maintenanceStatuses)[number];

export const maintenanceStatusLabels: Record<MaintenanceStatus, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

export const activeMaintenanceStatuses: readonly MaintenanceStatus[] = ['in_progress', 'verifying'];

export function isMaintenanceActive(status: MaintenanceStatus): boolean {
  return activeMaintenanceStatuses.includes(status);
}

export function isMaintenanceFinished(status: MaintenanceStatus): boolean {
  return status === 'completed' || status === 'cancelled';
}

/** Staff actions on a maintenance and the statuses each may be taken from. */
export const maintenanceActions = {
  /** Title, description and switches; the times and components only while scheduled. */
  edit: ['scheduled', 'in_progress', 'verifying'],
  start: ['scheduled'],
  extend: ['in_progress', 'verifying'],
  verify: ['in_progress'],
  complete: ['in_progress', 'verifying'],
  cancel: ['scheduled', 'in_progress', 'verifying'],
  post: ['scheduled', 'in_progress', 'verifying'],
} as const satisfies Record<string, readonly MaintenanceStatus[]>;
export type MaintenanceAction = keyof typeof maintenanceActions;

export function allowsAction(status: MaintenanceStatus, action: MaintenanceAction): boolean {
  return (maintenanceActions[action] as readonly MaintenanceStatus[]).includes(status);
}

/** Who holds a component's status at a moment: an incident, a maintenance, or staff by hand. */
export type StatusHolder = { kind: 'incident'; open: boolean } | { kind: 'maintenance'; active: boolean } | { kind: 'manual' };

/**
 * The status a component returns to when a maintenance ends, or null to leave it as it is.
 *
 * - Someone else changed it during the window (its current status was not set by this
 *   maintenance): that change wins, typically an incident's outage.
 * - Otherwise it goes back to the status it had before the window, unless whatever held that
 *   status has since ended (an incident resolved, another maintenance completed during the
 *   window): then it is operational.
 */
export function statusAfterMaintenance(options: {
  statusBefore: ComponentStatus;
  /** Whether the component's current status was set by this maintenance. */
  currentSetByThisMaintenance: boolean;
  /** What set the status it had before the window. */
  heldBefore: StatusHolder;
}): ComponentStatus | null {
  if (!options.currentSetByThisMaintenance) return null;
  const holder = options.heldBefore;
  if (holder.kind === 'incident' && !holder.open) return 'operational';
  if (holder.kind === 'maintenance' && !holder.active) return 'operational';
  return options.statusBefore;
}

/**
 * Whether the window may move a component to under_maintenance at its start: not while an open
 * incident holds it, so a maintenance never hides an outage.
 */
export function maintenanceMayTakeOver(current: { status: ComponentStatus; heldBy: StatusHolder }): boolean {
  if (current.status === 'under_maintenance') return false;
  return !(current.heldBy.kind === 'incident' && current.heldBy.open && current.status !== 'operational');
}

/** The moments a maintenance can email its subscribers about. */
export type MaintenanceMoment = 'scheduled' | 'reminder' | 'started' | 'completed' | 'rescheduled' | 'cancelled';

export interface MaintenanceNotifySwitches {
  notifySubscribers: boolean;
  notifyOnSchedule: boolean;
  notifyReminder: boolean;
  notifyOnStart: boolean;
  notifyOnComplete: boolean;
  backfilled: boolean;
}

/**
 * Whether a moment is emailed. A backfill never is; rescheduling and cancelling follow the
 * master switch alone, because whoever heard of the window must hear that it moved.
 */
export function emailsMoment(switches: MaintenanceNotifySwitches, moment: MaintenanceMoment): boolean {
  if (switches.backfilled || !switches.notifySubscribers) return false;
  switch (moment) {
    case 'scheduled':
      return switches.notifyOnSchedule;
    case 'reminder':
      return switches.notifyReminder;
    case 'started':
      return switches.notifyOnStart;
    case 'completed':
      return switches.notifyOnComplete;
    case 'rescheduled':
    case 'cancelled':
      return true;
  }
}

/**
 * Whether a staff update (extend, verifying, free text) may be emailed: staff choose each time,
 * and may only when the maintenance emails at all, as for a reschedule.
 */
export function emailsStaffUpdate(switches: MaintenanceNotifySwitches): boolean {
  return emailsMoment(switches, 'rescheduled');
}

/** The reminder goes this long before the start. */
export const MAINTENANCE_REMINDER_MS = 60 * 60_000;

/** When the reminder is due, or null when the start is too close for one to make sense. */
export function reminderDueAt(scheduledFor: Date, now: Date): Date | null {
  const due = new Date(scheduledFor.getTime() - MAINTENANCE_REMINDER_MS);
  return due.getTime() > now.getTime() ? due : null;
}

const REMINDER_OCCASION = 'reminder:';

/** The occasion of a reminder email (`reminder:<start>`): one per start, so a moved window reminds again. */
export function reminderOccasion(scheduledFor: Date): string {
  return `${REMINDER_OCCASION}${scheduledFor.toISOString()}`;
}

/** The start a reminder occasion names, or undefined when `occasion` is not a reminder's. */
export function reminderStartOf(occasion: string): Date | undefined {
  if (!occasion.startsWith(REMINDER_OCCASION)) return undefined;
  const start = new Date(occasion.slice(REMINDER_OCCASION.length));
  return Number.isNaN(start.getTime()) ? undefined : start;
}

/** "Starts in 3 h 20 min", "Starts in 2 d 4 h": how far off a start is, as of `now`. */
export function startsInLabel(start: Date, now: Date): string {
  const minutes = Math.round((start.getTime() - now.getTime()) / 60_000);
  // Due, but its start job has not run yet.
  if (minutes <= 0) return 'Starting shortly';
  if (minutes < 60) return `Starts in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return hours < 6 && minutes % 60 > 0 ? `Starts in ${hours} h ${minutes % 60} min` : `Starts in ${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 > 0 ? `Starts in ${days} d ${hours % 24} h` : `Starts in ${days} d`;
}

/** How many occurrences a recurring maintenance may create at once. */
export const MAX_MAINTENANCE_OCCURRENCES = 500;

/** Default days ahead for the public "upcoming maintenance" section. */
export const DEFAULT_UPCOMING_DAYS = 7;
