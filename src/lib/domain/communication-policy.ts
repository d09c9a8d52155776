import type { Severity } from './statuses';

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

export function isOutageSeverity(policy: CommunicationPolicy, severity: Severity): boolean {
  return policy.outageSeverities.includes(severity);
}

/** When the customer email of an outage is due: the incident's start plus the delay. */
export function customerEmailDueAt(policy: CommunicationPolicy, startedAt: Date): Date {
  return new Date(startedAt.getTime() + policy.customerEmailDelaySeconds * 1000);
}

/** When staff owe the next public update of an open incident. */
export function nextUpdateDueAt(policy: CommunicationPolicy, lastPublicUpdateAt: Date): Date {
  return new Date(lastPublicUpdateAt.getTime() + policy.updateCadenceMinutes * 60_000);
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
