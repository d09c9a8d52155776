import { isIncidentOpen, type IncidentStatus, type Severity } from './statuses';

/** The company's incident communication plan, with the defaults of the plan; editable in settings. */
export interface CommunicationPolicy {
  /** Subscribers are emailed when an outage is still unresolved this long after it started. */
  customerEmailDelaySeconds: number;
  /** Severities that count as outages for the customer email rule. */
  outageSeverities: Severity[];
  /** How often an open incident owes a public update, by severity; staff are reminded when one is missed. */
  updateCadence: Record<Severity, UpdateCadence>;
  /** Severities that owe a post-mortem. */
  postmortemSeverities: Severity[];
  /** The post-mortem is due this long after resolution. */
  postmortemWindowHours: number;
  /** A reminder goes out this long before the post-mortem is due. */
  postmortemReminderHours: number;
}

/**
 * The update cadence of one severity: every `everyMinutes` (null: no cadence, no reminders), or,
 * when `forFirstMinutes` is set, that often for the first minutes of the incident and every
 * `thenEveryMinutes` after.
 */
export interface UpdateCadence {
  everyMinutes: number | null;
  forFirstMinutes: number | null;
  thenEveryMinutes: number | null;
}

const every = (everyMinutes: number | null): UpdateCadence => ({ everyMinutes, forFirstMinutes: null, thenEveryMinutes: null });

export const defaultCommunicationPolicy: CommunicationPolicy = {
  customerEmailDelaySeconds: 300,
  outageSeverities: ['critical', 'high'],
  updateCadence: {
    critical: { everyMinutes: 20, forFirstMinutes: 120, thenEveryMinutes: 60 },
    high: every(30),
    medium: every(60),
    low: every(null),
  },
  postmortemSeverities: ['critical', 'high'],
  postmortemWindowHours: 24,
  postmortemReminderHours: 4,
};

/** The numbers of the plan: durations, each in the unit its name ends with. */
export type CommunicationPolicyNumber = 'customerEmailDelaySeconds' | 'postmortemWindowHours' | 'postmortemReminderHours';

/** The numbers of one severity's cadence, each in minutes. */
export type UpdateCadenceNumber = keyof UpdateCadence;

/** The whole numbers each duration may take; the service's validation and the settings form both read these. */
export const communicationPolicyBounds: Record<CommunicationPolicyNumber | UpdateCadenceNumber, { min: number; max: number }> = {
  customerEmailDelaySeconds: { min: 0, max: 86_400 },
  postmortemWindowHours: { min: 1, max: 720 },
  postmortemReminderHours: { min: 0, max: 720 },
  everyMinutes: { min: 1, max: 1_440 },
  forFirstMinutes: { min: 1, max: 10_080 },
  thenEveryMinutes: { min: 1, max: 1_440 },
};

/** How a duration's bounds read to staff: "0 to 86,400". */
export function allowedRangeText(name: CommunicationPolicyNumber | UpdateCadenceNumber): string {
  const { min, max } = communicationPolicyBounds[name];
  return `${min.toLocaleString('en')} to ${max.toLocaleString('en')}`;
}

/** A policy stored before cadence was set per severity: its one cadence applied to every severity, and still does. */
export function cadenceFromUniformMinutes(minutes: number): Record<Severity, UpdateCadence> {
  return { critical: every(minutes), high: every(minutes), medium: every(minutes), low: every(minutes) };
}

/** What is wrong with one severity's cadence as a whole, by field; empty when it holds together. */
export function cadenceProblems(cadence: UpdateCadence): Partial<Record<UpdateCadenceNumber, string>> {
  if (cadence.everyMinutes === null && (cadence.forFirstMinutes !== null || cadence.thenEveryMinutes !== null)) {
    return { everyMinutes: 'Set how often updates are owed, or clear the later cadence too.' };
  }
  if (cadence.forFirstMinutes !== null && cadence.thenEveryMinutes === null) {
    return { thenEveryMinutes: 'Say how often updates are owed after the first period, or clear the period.' };
  }
  if (cadence.thenEveryMinutes !== null && cadence.forFirstMinutes === null) {
    return { forFirstMinutes: 'Say how long the first cadence lasts before the later one applies.' };
  }
  return {};
}

/**
 * The cadence (in minutes) that applies at one moment of an incident of this severity, that many
 * milliseconds after it started; null when the severity has no cadence.
 */
export function cadenceMinutesAt(policy: CommunicationPolicy, severity: Severity, elapsedSinceStartMs: number): number | null {
  const cadence = policy.updateCadence[severity];
  if (cadence.everyMinutes === null) return null;
  if (cadence.forFirstMinutes !== null && cadence.thenEveryMinutes !== null && elapsedSinceStartMs >= cadence.forFirstMinutes * 60_000) {
    return cadence.thenEveryMinutes;
  }
  return cadence.everyMinutes;
}

/** "2 h" for whole hours, else "90 min". */
const minutesText = (minutes: number) => (minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`);

/** A severity's cadence in words: "every 20 min for the first 2 h, then every 60 min", or "no update cadence". */
export function cadenceText(cadence: UpdateCadence): string {
  if (cadence.everyMinutes === null) return 'no update cadence';
  if (cadence.forFirstMinutes === null || cadence.thenEveryMinutes === null) return `every ${cadence.everyMinutes} min`;
  return `every ${cadence.everyMinutes} min for the first ${minutesText(cadence.forFirstMinutes)}, then every ${cadence.thenEveryMinutes} min`;
}

export function isOutageSeverity(policy: CommunicationPolicy, severity: Severity): boolean {
  return policy.outageSeverities.includes(severity);
}

/**
 * Whether a public update is emailed to subscribers: for an outage, only once the customer
 * email has gone out (before that, the rule decides when customers hear); otherwise as staff chose.
 */
export function emailsUpdate(
  incident: { severity: Severity; customerEmailState: string },
  policy: CommunicationPolicy,
  staffChoice: boolean,
): boolean {
  if (!staffChoice) return false;
  return !isOutageSeverity(policy, incident.severity) || incident.customerEmailState === 'sent';
}

/** When the customer email of an outage is due: the incident's start plus the delay. */
export function customerEmailDueAt(policy: CommunicationPolicy, startedAt: Date): Date {
  return new Date(startedAt.getTime() + policy.customerEmailDelaySeconds * 1000);
}

/** What the next-update rules read of an incident. */
interface CadenceIncident {
  severity: Severity;
  startedAt: Date;
}

/**
 * When the next public update is owed by the cadence, after one posted (or a deadline passed) at
 * `from`: the cadence that applies at that moment of the incident later; null when its severity has none.
 */
export function nextUpdateDueAt(policy: CommunicationPolicy, incident: CadenceIncident, from: Date): Date | null {
  const minutes = cadenceMinutesAt(policy, incident.severity, from.getTime() - incident.startedAt.getTime());
  return minutes === null ? null : new Date(from.getTime() + minutes * 60_000);
}

/**
 * When an open incident's next update is owed after its latest one: the time that update promised,
 * or, when it promised none, the cadence from when it was posted. Null once resolved, or with neither.
 */
export function promisedNextUpdateAt(
  policy: CommunicationPolicy,
  incident: CadenceIncident & { open: boolean },
  latest: { postedAt: Date; nextUpdateBy: Date | null },
): Date | null {
  if (!incident.open) return null;
  return latest.nextUpdateBy ?? nextUpdateDueAt(policy, incident, latest.postedAt);
}

/**
 * The deadlines after the first one an update was owed by: the promise, then one cadence after
 * another (a severity without cadence stops after the promise). The latest of them already
 * passed (null when none has), and the next still to come (null when none will).
 */
export function updateDeadlinesAround(
  policy: CommunicationPolicy,
  incident: CadenceIncident,
  firstDueAt: Date,
  now: Date,
): { lastMissedAt: Date | null; nextAt: Date | null } {
  let lastMissedAt: Date | null = null;
  let nextAt: Date | null = firstDueAt;
  while (nextAt !== null && nextAt <= now) {
    lastMissedAt = nextAt;
    nextAt = nextUpdateDueAt(policy, incident, nextAt);
  }
  return { lastMissedAt, nextAt };
}

/** Staff may promise the next update at most this far ahead. */
export const MAX_NEXT_UPDATE_AHEAD_HOURS = 24;

/**
 * The "next update by" a new public update carries: nothing when it resolves the incident, else the
 * time staff chose (in the future, within a day), else the cadence's default from now (none for a
 * severity without cadence). An error message when the chosen time will not do.
 */
export function nextUpdateByFor(
  policy: CommunicationPolicy,
  incident: CadenceIncident,
  update: { status: IncidentStatus; chosen: Date | null | undefined },
  now: Date,
): { ok: true; value: Date | null } | { ok: false; message: string } {
  if (!isIncidentOpen(update.status)) return { ok: true, value: null };
  if (!update.chosen) return { ok: true, value: nextUpdateDueAt(policy, incident, now) };
  if (update.chosen <= now) return { ok: false, message: 'The next update time must be in the future.' };
  if (update.chosen.getTime() - now.getTime() > MAX_NEXT_UPDATE_AHEAD_HOURS * 3_600_000) {
    return { ok: false, message: `Promise the next update within ${MAX_NEXT_UPDATE_AHEAD_HOURS} hours.` };
  }
  return { ok: true, value: update.chosen };
}

export function owesPostmortem(policy: CommunicationPolicy, severity: Severity): boolean {
  return policy.postmortemSeverities.includes(severity);
}

export function postmortemDueAt(policy: CommunicationPolicy, resolvedAt: Date): Date {
  return new Date(resolvedAt.getTime() + policy.postmortemWindowHours * 3_600_000);
}

export function postmortemReminderAt(policy: CommunicationPolicy, resolvedAt: Date): Date {
  return new Date(postmortemDueAt(policy, resolvedAt).getTime() - policy.postmortemReminderHours * 3_600_000);
}

export interface PostmortemDeadline {
  /** Whether the policy asks for a post-mortem for this severity. */
  owed: boolean;
  /** Resolution plus the policy's window; null while the incident is unresolved. */
  dueAt: Date | null;
  /** Past the deadline and not yet published. */
  overdue: boolean;
}

export function postmortemDeadline(
  incident: { severity: Severity; resolvedAt: Date | null; postmortemPublishedAt: Date | null },
  policy: CommunicationPolicy,
  now: Date,
): PostmortemDeadline {
  const owed = owesPostmortem(policy, incident.severity);
  const dueAt = incident.resolvedAt ? postmortemDueAt(policy, incident.resolvedAt) : null;
  return { owed, dueAt, overdue: owed && dueAt !== null && !incident.postmortemPublishedAt && now > dueAt };
}
