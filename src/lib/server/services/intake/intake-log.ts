import { count, desc, eq } from 'drizzle-orm';
import type { IntakeResult } from '../../../domain/alert-intake-log';
import type { Database } from '../../db';
import { incident } from '../../db/schema';
import { apiKey, intakeEvent, type IntakeEventRow } from '../../db/schema/automation';
import type { ApiPrincipal } from '../access/api-keys';
import type { ServiceContext } from '../kernel/context';

/** The intake log: what each alert webhook call did, written once per call and read by admins. */

/** Logs one call's result (in the call's transaction, or on its own for a call that changed nothing). */
export async function recordIntakeEvent(
  db: Database,
  at: Date,
  principal: ApiPrincipal,
  source: string,
  group: { groupKey: string | null; status: string | null },
  result: IntakeResult,
): Promise<void> {
  await db.insert(intakeEvent).values({
    receivedAt: at,
    source,
    apiKeyId: principal.keyId,
    groupKey: group.groupKey,
    alertStatus: group.status,
    outcome: result.outcome,
    detail: result.detail,
    incidentId: result.incidentId ?? null,
    draftId: result.draftId ?? null,
  });
}

export const INTAKE_EVENT_PAGE_SIZE = 50;

export interface IntakeEventEntry extends IntakeEventRow {
  apiKeyName: string | null;
  incidentTitle: string | null;
}

/** The intake log, newest first, a page at a time (pages count from 1). */
export async function listIntakeEvents(
  context: ServiceContext,
  page: number,
): Promise<{ events: IntakeEventEntry[]; total: number; pageCount: number }> {
  const current = Number.isInteger(page) && page > 0 ? page : 1;
  const [events, [total]] = await Promise.all([
    context.db
      .select({
        id: intakeEvent.id,
        receivedAt: intakeEvent.receivedAt,
        source: intakeEvent.source,
        apiKeyId: intakeEvent.apiKeyId,
        groupKey: intakeEvent.groupKey,
        alertStatus: intakeEvent.alertStatus,
        outcome: intakeEvent.outcome,
        detail: intakeEvent.detail,
        incidentId: intakeEvent.incidentId,
        draftId: intakeEvent.draftId,
        apiKeyName: apiKey.name,
        incidentTitle: incident.title,
      })
      .from(intakeEvent)
      .leftJoin(apiKey, eq(apiKey.id, intakeEvent.apiKeyId))
      .leftJoin(incident, eq(incident.id, intakeEvent.incidentId))
      .orderBy(desc(intakeEvent.receivedAt), desc(intakeEvent.id))
      .limit(INTAKE_EVENT_PAGE_SIZE)
      .offset((current - 1) * INTAKE_EVENT_PAGE_SIZE),
    context.db.select({ value: count() }).from(intakeEvent),
  ]);
  const totalCount = total?.value ?? 0;
  return { events, total: totalCount, pageCount: Math.max(1, Math.ceil(totalCount / INTAKE_EVENT_PAGE_SIZE)) };
}
