import { isIncidentOpen, type IncidentStatus, type Severity } from './statuses';

/** The company's incident communication plan, with the defaults of the plan; editable in settings. */
export interface CommunicationPolicy {
  /** Subscribers are emailed when an outage is still unresolved this long after it started. */
  customerEmailDelaySeconds: number;
  /** Severities that count as outages for the customer email rule. */
  outageSeverities: Severity[];
  /** Staff are reminded when an open incident has had no public update for this long. */
  updateCadenceMinutes: number;
  /** Severities that owe a post-mortem. */
  postmortemSeverities: Severity[];
  /** The post-mortem is due this long after resolution. */
  postmortemWindowHours: number;
  /** A reminder goes out this long before the post-mortem is due. */
  postmortemReminderHours: number;
}

export const defaultCommunicationPolicy: CommunicationPolicy = {
  customerEmailDelaySeconds: 300,
  outageSeverities: ['critical', 'high'],
  updateCadenceMinutes: 30,
  postmortemSeverities: ['critical', 'high'],
  postmortemWindowHours: 24,
  postmortemReminderHours: 4,
};

/** The numbers of the plan: durations, each in the unit its name ends with. */
export type CommunicationPolicyNumber =
  'customerEmailDelaySeconds' | 'updateCadenceMinutes' | 'postmortemWindowHours' | 'postmortemReminderHours';

/** The whole numbers each duration may take; the service's validation and the settings form both read these. */
export const communicationPolicyBounds: Record<CommunicationPolicyNumber, { min: number; max: number }> = {
  customerEmailDelaySeconds: { min: 0, max: 86_400 },
  updateCadenceMinutes: { min: 1, max: 1_440 },
  postmortemWindowHours: { min: 1, max: 720 },
  postmortemReminderHours: { min: 0, max: 720 },
};

/** How a duration's bounds read to staff: "0 to 86,400". */
export function allowedRangeText(name: CommunicationPolicyNumber): string {
  const { min, max } = communicationPolicyBounds[name];
  return `${min.toLocaleString('en')} to ${max.toLocaleString('en')}`;
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

/** When staff owe the next public update of an open incident. */
export function nextUpdateDueAt(policy: CommunicationPolicy, lastPublicUpdateAt: Date): Date {
  return new Date(lastPublicUpdateAt.getTime() + policy.updateCadenceMinutes * 60_000);
}

/** The next update customers are promised, after the latest public one: none once the incident is resolved. */
export function promisedNextUpdateAt(policy: CommunicationPolicy, latest: { status: IncidentStatus; displayAt: Date }): Date | null {
  return isIncidentOpen(latest.status) ? nextUpdateDueAt(policy, latest.displayAt) : null;
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
