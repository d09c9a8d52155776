import { cadenceText, owesPostmortem, postmortemDueAt, promisedNextUpdateAt, type CommunicationPolicy } from './communication-policy';
import type { RollbackDecision } from './rollback-criteria';
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

/**
 * When the next public update of an incident is owed (the time its latest update promised, or the
 * cadence), with the severity's cadence in words; or that none is owed (closed, or no cadence).
 */
export type NextUpdateStep =
  | { state: 'pending' | 'overdue'; dueAt: Date; promised: boolean; lastPublicUpdateAt: Date; cadence: string }
  | { state: 'not_required'; severity: Severity; cadence: string }
  | { state: 'done'; closedAt: Date | null };

/** Whether a post-mortem is owed, when, and whether it is out. */
export type PostmortemStep =
  | { state: 'not_required'; severity: Severity }
  | { state: 'pending'; reason: 'after_resolution'; windowHours: number }
  | { state: 'pending' | 'overdue'; reason: 'due'; dueAt: Date }
  | { state: 'done'; reason: 'published'; publishedAt: Date };

/** The next public update is owed by the time the latest one promised (or one cadence after it), and late from then on. */
export function nextUpdateStep(
  policy: CommunicationPolicy,
  incident: { open: boolean; severity: Severity; startedAt: Date; resolvedAt: Date | null },
  latest: { postedAt: Date; nextUpdateBy: Date | null },
  now: Date,
): NextUpdateStep {
  if (!incident.open) return { state: 'done', closedAt: incident.resolvedAt };
  const cadence = cadenceText(policy.updateCadence[incident.severity]);
  const dueAt = promisedNextUpdateAt(policy, incident, latest);
  if (!dueAt) return { state: 'not_required', severity: incident.severity, cadence };
  return {
    state: now >= dueAt ? 'overdue' : 'pending',
    dueAt,
    promised: latest.nextUpdateBy !== null,
    lastPublicUpdateAt: latest.postedAt,
    cadence,
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
export const TEAM_ALERT_LATE_AFTER_MS = 60_000;

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

/** "Consider rollback": owed once a rollback criterion holds, done when staff record a decision. */
export type RollbackStep =
  | { state: 'pending'; criteria: string[] }
  | { state: 'done'; criteria: string[]; decision: RollbackDecision; reason: string; decidedAt: Date; decidedBy: string | null };

/** The rollback step of an incident; null (not shown) while no criterion holds. */
export function rollbackStep(
  criteria: string[],
  decision: { decision: RollbackDecision | null; reason: string | null; decidedAt: Date | null; decidedBy: string | null },
): RollbackStep | null {
  if (criteria.length === 0) return null;
  if (!decision.decision || !decision.decidedAt) return { state: 'pending', criteria };
  return {
    state: 'done',
    criteria,
    decision: decision.decision,
    reason: decision.reason ?? '',
    decidedAt: decision.decidedAt,
    decidedBy: decision.decidedBy,
  };
}
