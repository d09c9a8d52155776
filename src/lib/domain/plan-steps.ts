import { nextUpdateDueAt, owesPostmortem, postmortemDueAt, type CommunicationPolicy } from './communication-policy';
import type { Severity } from './statuses';

/**
 * Where one step of the communication plan stands, in words the checklist prints next to an
 * icon: done, still to come, late, deliberately not done, held back by staff, not owed, or failed.
 */
export type PlanStepState = 'done' | 'pending' | 'overdue' | 'skipped' | 'held' | 'not_required' | 'failed';

export const planStepStateLabels: Record<PlanStepState, string> = {
  done: 'Done',
  pending: 'Pending',
  overdue: 'Overdue',
  skipped: 'Skipped',
  held: 'Held',
  not_required: 'Not required',
  failed: 'Failed',
};

/** When the next public update of an incident is owed, or that none is (it is closed). */
export type NextUpdateStep =
  | { state: 'pending' | 'overdue'; dueAt: Date; lastPublicUpdateAt: Date; cadenceMinutes: number }
  | { state: 'done'; closedAt: Date | null };

/** Whether a post-mortem is owed, when, and whether it is out. */
export type PostmortemStep =
  | { state: 'not_required'; severity: Severity }
  | { state: 'pending'; reason: 'after_resolution'; windowHours: number }
  | { state: 'pending' | 'overdue'; reason: 'due'; dueAt: Date }
  | { state: 'done'; reason: 'published'; publishedAt: Date };

/** The next public update is owed one cadence after the last one, and late from that moment on. */
export function nextUpdateStep(
  policy: CommunicationPolicy,
  incident: { open: boolean; lastPublicUpdateAt: Date; resolvedAt: Date | null },
  now: Date,
): NextUpdateStep {
  if (!incident.open) return { state: 'done', closedAt: incident.resolvedAt };
  const dueAt = nextUpdateDueAt(policy, incident.lastPublicUpdateAt);
  return {
    state: now >= dueAt ? 'overdue' : 'pending',
    dueAt,
    lastPublicUpdateAt: incident.lastPublicUpdateAt,
    cadenceMinutes: policy.updateCadenceMinutes,
  };
}

/** A post-mortem is owed for the plan's severities, due the window after resolution, late from then. */
export function postmortemStep(
  policy: CommunicationPolicy,
  incident: { severity: Severity; open: boolean; resolvedAt: Date | null; postmortemPublishedAt: Date | null },
  now: Date,
): PostmortemStep {
  if (incident.postmortemPublishedAt) return { state: 'done', reason: 'published', publishedAt: incident.postmortemPublishedAt };
  if (!owesPostmortem(policy, incident.severity)) return { state: 'not_required', severity: incident.severity };
  if (incident.open || !incident.resolvedAt)
    return { state: 'pending', reason: 'after_resolution', windowHours: policy.postmortemWindowHours };
  const dueAt = postmortemDueAt(policy, incident.resolvedAt);
  return { state: now >= dueAt ? 'overdue' : 'pending', reason: 'due', dueAt };
}

/** The plan says "within seconds": an alert still not recorded after this long is late. */
const TEAM_ALERT_LATE_AFTER_MS = 60_000;

/**
 * Where the team alert of a declared incident stands, from its messages (email or webhook):
 * none recorded yet is pending, then overdue after a minute, or skipped when nobody is on the
 * plan for the severity; all failed is failed; one sent is done.
 */
export function teamAlertStepState(
  messages: { recorded: number; sent: number; waiting: number },
  contactsOnPlan: number,
  declaredAt: Date,
  now: Date,
): PlanStepState {
  if (messages.recorded === 0) {
    if (contactsOnPlan === 0) return 'skipped';
    return now.getTime() - declaredAt.getTime() > TEAM_ALERT_LATE_AFTER_MS ? 'overdue' : 'pending';
  }
  if (messages.sent === 0 && messages.waiting === 0) return 'failed';
  if (messages.sent === 0) return 'pending';
  return 'done';
}
