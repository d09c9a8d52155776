import { and, asc, eq, inArray } from 'drizzle-orm';
import { dueDateOf } from '../../../domain/action-items';
import { postmortemTemplate, type PostmortemEvent } from '../../../domain/postmortem-template';
import type { Severity } from '../../../domain/statuses';
import { auditLog, incidentUpdate, teamAlert, type IncidentRow } from '../../db/schema';
import type { ServiceContext } from '../kernel/context';
import { getPageSettings } from '../settings/page-settings';
import { getIncidentDetail } from '../incidents/incident-detail';
import { listIncidentActionItems } from './action-item-lists';

/**
 * The facts a new post-mortem starts from, read where the incident page and its checklist read
 * them: the public updates, the team alerts sent, the customer email, and the severity changes in
 * the audit log.
 */

interface SeverityChange {
  at: Date;
  from: Severity;
  to: Severity;
}

async function severityChanges(context: Pick<ServiceContext, 'db'>, incidentId: string): Promise<SeverityChange[]> {
  const rows = await context.db
    .select({ at: auditLog.at, before: auditLog.before, after: auditLog.after })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, 'incident'), eq(auditLog.entityId, incidentId), eq(auditLog.action, 'incident.severity')))
    .orderBy(asc(auditLog.at), asc(auditLog.id));
  return rows.flatMap((row) => {
    const from = (row.before as { severity?: Severity } | null)?.severity;
    const to = (row.after as { severity?: Severity } | null)?.severity;
    return from && to ? [{ at: row.at, from, to }] : [];
  });
}

async function heldAt(context: Pick<ServiceContext, 'db'>, incidentId: string): Promise<Date | null> {
  const [row] = await context.db
    .select({ at: auditLog.at })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, 'incident'), eq(auditLog.entityId, incidentId), eq(auditLog.action, 'incident.customer_email_hold')))
    .orderBy(asc(auditLog.at))
    .limit(1);
  return row?.at ?? null;
}

/** The first moment each alert to the team (the declaration's, each raised severity's) reached someone, and how many. */
async function teamAlertEvents(context: Pick<ServiceContext, 'db'>, incidentId: string): Promise<PostmortemEvent[]> {
  const rows = await context.db
    .select({ kind: teamAlert.kind, occasion: teamAlert.occasion, recipientEmail: teamAlert.recipientEmail, sentAt: teamAlert.sentAt })
    .from(teamAlert)
    .where(and(eq(teamAlert.incidentId, incidentId), inArray(teamAlert.kind, ['declared', 'severity_raised'])));
  const byOccasion = new Map<string, { at: Date; people: Set<string>; reason: 'declared' | 'severity_raised' }>();
  for (const row of rows) {
    if (!row.sentAt || (row.kind !== 'declared' && row.kind !== 'severity_raised')) continue;
    const key = `${row.kind}:${row.occasion}`;
    const entry = byOccasion.get(key) ?? { at: row.sentAt, people: new Set<string>(), reason: row.kind };
    if (row.sentAt < entry.at) entry.at = row.sentAt;
    entry.people.add(row.recipientEmail);
    byOccasion.set(key, entry);
  }
  return [...byOccasion.values()].map((entry) => ({
    kind: 'team_alert',
    at: entry.at,
    recipients: entry.people.size,
    reason: entry.reason,
  }));
}

function customerEmailEvent(row: IncidentRow, held: Date | null, changes: SeverityChange[]): PostmortemEvent | null {
  const note = row.customerEmailNote;
  switch (row.customerEmailState) {
    case 'sent':
      return { kind: 'customer_email', at: row.customerEmailSentAt ?? row.updatedAt, outcome: 'sent', note: null };
    case 'skipped':
      return { kind: 'customer_email', at: row.resolvedAt ?? row.updatedAt, outcome: 'skipped', note };
    case 'held':
      // The hold's note names the staff member (with their address): not for a page customers read.
      return { kind: 'customer_email', at: held ?? row.updatedAt, outcome: 'held', note: null };
    case 'cancelled':
      return { kind: 'customer_email', at: changes.at(-1)?.at ?? row.updatedAt, outcome: 'cancelled', note };
    default:
      return null;
  }
}

/** The Markdown a new post-mortem of the incident starts from; undefined when there is no such incident. */
export async function getPostmortemTemplate(context: ServiceContext, incidentId: string): Promise<string | undefined> {
  const detail = await getIncidentDetail(context, incidentId);
  if (!detail) return undefined;
  const row = detail.incident;
  const [page, changes, held, alerts, items, updates] = await Promise.all([
    getPageSettings(context),
    severityChanges(context, incidentId),
    heldAt(context, incidentId),
    teamAlertEvents(context, incidentId),
    listIncidentActionItems(context, incidentId),
    context.db
      .select({ at: incidentUpdate.displayAt, status: incidentUpdate.status, body: incidentUpdate.body })
      .from(incidentUpdate)
      .where(eq(incidentUpdate.incidentId, incidentId)),
  ]);
  const email = customerEmailEvent(row, held, changes);
  const events: PostmortemEvent[] = [
    { kind: 'declared', at: row.createdAt, severity: changes[0]?.from ?? row.severity },
    ...alerts,
    ...(email ? [email] : []),
    ...changes.map((change) => ({ kind: 'severity' as const, ...change })),
    ...updates.map((update) => ({ kind: 'update' as const, ...update })),
  ];
  return postmortemTemplate({
    severity: row.severity,
    startedAt: row.startedAt,
    resolvedAt: row.resolvedAt,
    components: detail.components.map((item) => item.name),
    events,
    actionItems: items.map((item) => ({ title: item.title, owner: item.ownerName, dueDate: dueDateOf(item.dueAt, page.timeZone) })),
    timeZone: page.timeZone,
  });
}
