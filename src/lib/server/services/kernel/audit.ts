import { count, desc } from 'drizzle-orm';
import { auditLog } from '../../db/schema';
import type { Actor, ServiceContext } from './context';
import type { Transaction } from './rows';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
}

/** Records one write; called inside the transaction that makes it. */
export async function recordAudit(tx: Transaction, actor: Actor, at: Date, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    at,
    actorUserId: actor.userId,
    actorLabel: actor.label,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}

export const AUDIT_PAGE_SIZE = 50;

export async function listAuditLog(context: ServiceContext, page: number) {
  const [entries, [total]] = await Promise.all([
    context.db
      .select()
      .from(auditLog)
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(AUDIT_PAGE_SIZE)
      .offset((page - 1) * AUDIT_PAGE_SIZE),
    context.db.select({ value: count() }).from(auditLog),
  ]);
  return { entries, total: total?.value ?? 0, pageCount: Math.max(1, Math.ceil((total?.value ?? 0) / AUDIT_PAGE_SIZE)) };
}
