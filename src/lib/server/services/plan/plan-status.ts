import { and, count, desc, eq, inArray, min } from 'drizzle-orm';
import { customerEmailDueAt, promisedNextUpdateAt, type CommunicationPolicy } from '../../../domain/communication-policy';
import { severitySignals } from '../../../domain/severity-classifier';
import { isIncidentOpen, unresolvedIncidentStatuses, type Severity } from '../../../domain/statuses';
import { incident, incidentUpdate, notification, teamAlert, user, type IncidentRow } from '../../db/schema';
import { latestPostedUpdate, type PostedUpdate } from './next-update';
import { getCommunicationPolicy } from './policy';
import { getRollbackCriteria } from './rollback';
import { criteriaLabels } from '../../../domain/rollback-criteria';
import { contactsForSeverity } from './contacts';
import type { ServiceContext } from '../kernel/context';
import {
  nextUpdateStep,
  postmortemStep,
  rollbackStep,
  teamAlertStepState,
  type NextUpdateStep,
  type PlanStepState,
  type PostmortemStep,
  type RollbackStep,
} from '../../../domain/plan-steps';

interface SeverityStep {
  state: PlanStepState;
  chosen: Severity;
  /** Null for incidents declared before the classifier existed. */
  suggested: Severity | null;
  suggestionReason: string | null;
  /** The monitoring signals staff ticked, in words. */
  signals: string[];
  /** Why staff chose (or later changed to) a severity other than the suggestion. */
  overrideReason: string | null;
  declaredBy: string | null;
  declaredAt: Date;
  /** Who answers for the incident's communication. */
  owner: string | null;
}

interface TeamAlertStep {
  state: PlanStepState;
  /** When the first alert went out (null while none has). */
  firstSentAt: Date | null;
  /** People alerted (each may have an email and a webhook). */
  recipients: number;
  /** Messages (email or webhook) sent, failed, and still waiting to go. */
  sent: number;
  failed: number;
  waiting: number;
  /** Contacts paged for this severity now: zero explains an alert that never comes. */
  contactsOnPlan: number;
  /** When the team was last alerted again because staff raised the severity (null if never). */
  severityRaisedAt: Date | null;
}

interface PublicPostStep {
  state: PlanStepState;
  /** When the first update was posted on the public page. */
  postedAt: Date | null;
  updateCount: number;
}

type CustomerEmailStep =
  | { state: 'not_required'; reason: 'not_an_outage'; severity: Severity; outageSeverities: Severity[] }
  | { state: 'pending' | 'overdue'; reason: 'scheduled'; dueAt: Date }
  | { state: 'done'; reason: 'sent'; sentAt: Date; dueAt: Date | null; recipients: number | null; note: string | null }
  | { state: 'skipped'; reason: 'skipped' | 'cancelled'; dueAt: Date | null; note: string | null }
  | { state: 'held'; reason: 'held'; dueAt: Date | null; note: string | null };

export interface PlanStatus {
  incidentId: string;
  open: boolean;
  now: Date;
  policy: CommunicationPolicy;
  severity: SeverityStep;
  teamAlert: TeamAlertStep;
  publicPost: PublicPostStep;
  customerEmail: CustomerEmailStep;
  nextUpdate: NextUpdateStep;
  postmortem: PostmortemStep;
  /** "Consider rollback", with the labels of the criteria met; null while none holds. */
  rollback: RollbackStep | null;
  /** Staff may send the customer email now, or hold it: it is scheduled or held, not yet sent. */
  customerEmailActionable: boolean;
  /** A post-mortem is owed and not yet published. */
  postmortemOwed: boolean;
  ownerId: string | null;
  /** The incident is resolved, so a post-mortem can be written (owed or not). */
  postmortemWritable: boolean;
  postmortemPublished: boolean;
}

const signalLabels = new Map<string, string>(severitySignals.map((signal) => [signal.id, signal.label]));

/**
 * The alerts that tell the team about the incident (on declaration, and again when its severity
 * is raised), counted per message and per person. Follow-up reminders are not part of this step.
 */
async function declaredAlerts(context: Pick<ServiceContext, 'db'>, incidentId: string) {
  const rows = await context.db
    .select({
      kind: teamAlert.kind,
      recipientEmail: teamAlert.recipientEmail,
      createdAt: teamAlert.createdAt,
      sentAt: teamAlert.sentAt,
      error: teamAlert.error,
    })
    .from(teamAlert)
    .where(and(eq(teamAlert.incidentId, incidentId), inArray(teamAlert.kind, ['declared', 'severity_raised'])));
  let sent = 0;
  let failed = 0;
  let waiting = 0;
  let firstSentAt: Date | null = null;
  for (const row of rows) {
    if (row.sentAt) {
      // A claimed row is being sent; it counts as sent (a worker that died mid-send leaves it so on purpose).
      sent += 1;
      if (!firstSentAt || row.sentAt < firstSentAt) firstSentAt = row.sentAt;
    } else if (row.error) failed += 1;
    else waiting += 1;
  }
  const raised = rows.filter((row) => row.kind === 'severity_raised').map((row) => row.createdAt);
  const severityRaisedAt = raised.length > 0 ? new Date(Math.max(...raised.map((time) => time.getTime()))) : null;
  return {
    rows: rows.length,
    severityRaisedAt,
    recipients: new Set(rows.map((row) => row.recipientEmail)).size,
    sent,
    failed,
    waiting,
    firstSentAt,
  };
}

/**
 * The communication plan of one incident, step by step, with the real times: how its severity
 * was chosen, whom the team alert reached, when it went public, what became of the customer
 * email, when the next public update is owed, and the post-mortem. Undefined for no incident.
 */
export async function getPlanStatus(context: ServiceContext, incidentId: string, now: Date): Promise<PlanStatus | undefined> {
  const [row] = await context.db.select().from(incident).where(eq(incident.id, incidentId));
  if (!row) return undefined;
  const peopleIds = [row.declaredBy, row.ownerId, row.rollbackDecidedBy].filter((id): id is string => id !== null);
  const [policy, people, [updates], alerts, contacts, emailNotification, criteria] = await Promise.all([
    getCommunicationPolicy(context),
    peopleIds.length > 0
      ? context.db.select({ id: user.id, name: user.name }).from(user).where(inArray(user.id, peopleIds))
      : Promise.resolve([]),
    context.db
      .select({ firstPostedAt: min(incidentUpdate.createdAt), count: count() })
      .from(incidentUpdate)
      .where(eq(incidentUpdate.incidentId, incidentId)),
    declaredAlerts(context, incidentId),
    contactsForSeverity(context.db, row.severity),
    row.customerEmailNotificationId
      ? context.db
          .select({ recipientCount: notification.recipientCount })
          .from(notification)
          .where(eq(notification.id, row.customerEmailNotificationId))
      : Promise.resolve([]),
    getRollbackCriteria(context),
  ]);
  const nameOf = (id: string | null) => (id ? (people.find((person) => person.id === id)?.name ?? null) : null);
  const open = isIncidentOpen(row.status);

  const severity: SeverityStep = {
    state: 'done',
    chosen: row.severity,
    suggested: row.suggestedSeverity,
    suggestionReason: row.severitySuggestionReason,
    signals: row.severitySignals.map((id) => signalLabels.get(id) ?? id),
    overrideReason: row.severityOverrideReason,
    declaredBy: nameOf(row.declaredBy),
    declaredAt: row.createdAt,
    owner: nameOf(row.ownerId),
  };

  const teamAlertStep: TeamAlertStep = {
    state: teamAlertStepState({ recorded: alerts.rows, sent: alerts.sent, waiting: alerts.waiting }, contacts.length, row.createdAt, now),
    firstSentAt: alerts.firstSentAt,
    recipients: alerts.recipients,
    sent: alerts.sent,
    failed: alerts.failed,
    waiting: alerts.waiting,
    contactsOnPlan: contacts.length,
    severityRaisedAt: alerts.severityRaisedAt,
  };

  const updateCount = updates?.count ?? 0;
  const publicPost: PublicPostStep = {
    state: updateCount > 0 ? 'done' : 'pending',
    postedAt: updates?.firstPostedAt ?? null,
    updateCount,
  };

  const customerEmail = customerEmailStep(row, policy, now, emailNotification[0]?.recipientCount ?? null);

  const nextUpdate = nextUpdateStep(policy, { ...row, open }, await latestPostedUpdate(context.db, row), now);
  const postmortem = postmortemStep(
    policy,
    { severity: row.severity, open, resolvedAt: row.resolvedAt, postmortemPublishedAt: row.postmortemPublishedAt },
    now,
  );

  return {
    incidentId: row.id,
    open,
    now,
    policy,
    severity,
    teamAlert: teamAlertStep,
    publicPost,
    customerEmail,
    nextUpdate,
    postmortem,
    rollback: rollbackStep(criteriaLabels(criteria, row.rollbackCriteriaMet), {
      decision: row.rollbackDecision,
      reason: row.rollbackDecisionReason,
      decidedAt: row.rollbackDecidedAt,
      decidedBy: nameOf(row.rollbackDecidedBy),
    }),
    customerEmailActionable: row.customerEmailState === 'scheduled' || row.customerEmailState === 'held',
    postmortemOwed: postmortem.state === 'pending' || postmortem.state === 'overdue',
    ownerId: row.ownerId,
    postmortemWritable: row.resolvedAt !== null && (row.status === 'resolved' || row.status === 'postmortem'),
    postmortemPublished: row.postmortemPublishedAt !== null,
  };
}

function customerEmailStep(row: IncidentRow, policy: CommunicationPolicy, now: Date, recipients: number | null): CustomerEmailStep {
  const note = row.customerEmailNote;
  switch (row.customerEmailState) {
    case 'scheduled': {
      const dueAt = row.customerEmailDueAt ?? customerEmailDueAt(policy, row.startedAt);
      return { state: now >= dueAt ? 'overdue' : 'pending', reason: 'scheduled', dueAt };
    }
    case 'sent':
      return {
        state: 'done',
        reason: 'sent',
        sentAt: row.customerEmailSentAt ?? row.updatedAt,
        dueAt: row.customerEmailDueAt,
        recipients,
        note,
      };
    case 'skipped':
      return { state: 'skipped', reason: 'skipped', dueAt: row.customerEmailDueAt, note };
    case 'cancelled':
      return { state: 'skipped', reason: 'cancelled', dueAt: row.customerEmailDueAt, note };
    case 'held':
      return { state: 'held', reason: 'held', dueAt: row.customerEmailDueAt, note };
    case 'not_required':
      return { state: 'not_required', reason: 'not_an_outage', severity: row.severity, outageSeverities: policy.outageSeverities };
  }
}

export interface NextUpdateDue {
  dueAt: Date;
  overdue: boolean;
  lastPublicUpdateAt: Date;
}

/**
 * For the incident list: when each open incident owes its next public update (the time its latest
 * update promised, or the cadence), and whether that time has passed; incidents owing none are
 * left out. Two queries for them all.
 */
export async function nextUpdateDueForOpenIncidents(context: ServiceContext, now: Date): Promise<Map<string, NextUpdateDue>> {
  const [policy, rows] = await Promise.all([
    getCommunicationPolicy(context),
    context.db
      .select({ id: incident.id, severity: incident.severity, startedAt: incident.startedAt, createdAt: incident.createdAt })
      .from(incident)
      .where(inArray(incident.status, [...unresolvedIncidentStatuses])),
  ]);
  const updates =
    rows.length === 0
      ? []
      : await context.db
          .select({ incidentId: incidentUpdate.incidentId, postedAt: incidentUpdate.createdAt, nextUpdateBy: incidentUpdate.nextUpdateBy })
          .from(incidentUpdate)
          .where(
            inArray(
              incidentUpdate.incidentId,
              rows.map((row) => row.id),
            ),
          )
          .orderBy(desc(incidentUpdate.createdAt), desc(incidentUpdate.id));
  const latestOf = new Map<string, PostedUpdate>();
  for (const { incidentId, ...update } of updates) if (!latestOf.has(incidentId)) latestOf.set(incidentId, update);
  const result = new Map<string, NextUpdateDue>();
  for (const row of rows) {
    const latest = latestOf.get(row.id) ?? { postedAt: row.createdAt, nextUpdateBy: null };
    const dueAt = promisedNextUpdateAt(policy, { ...row, open: true }, latest);
    if (dueAt) result.set(row.id, { dueAt, overdue: now >= dueAt, lastPublicUpdateAt: latest.postedAt });
  }
  return result;
}
