import { asc, count, eq } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { expect } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { auditLog, componentStatusInterval } from '../../src/lib/server/db/schema';
import type { Actor } from '../../src/lib/server/services/kernel/context';
import type { ServiceFailure, ServiceResult } from '../../src/lib/server/services/kernel/errors';

/** The actor most integration tests write as: no user row, just a label in the audit log. */
export const testActor: Actor = { userId: null, label: 'test-suite' };

/** The value of a successful result; fails the test with the failure otherwise. */
export function expectOk<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.failure)}`);
  return result.value;
}

/** The failure of a result, checked to be of `kind`. */
export function expectFailure<T>(result: ServiceResult<T>, kind: ServiceFailure['kind']): ServiceFailure {
  if (result.ok) throw new Error(`expected a ${kind} failure, got success ${JSON.stringify(result.value)}`);
  expect(result.failure.kind).toBe(kind);
  return result.failure;
}

/** The field errors of an `invalid` failure. */
export function expectInvalid<T>(result: ServiceResult<T>): Record<string, string> {
  const failure = expectFailure(result, 'invalid');
  return failure.kind === 'invalid' ? failure.fieldErrors : {};
}

/** Audit rows about one entity, oldest first. */
export function auditRowsFor(db: Database, entityId: string) {
  return db.select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(asc(auditLog.id));
}

/** How many rows a table holds. */
export async function countRows(db: Database, table: PgTable): Promise<number> {
  const [row] = await db.select({ value: count() }).from(table);
  return row?.value ?? 0;
}

/** A component's status intervals, oldest first. */
export function intervalsOf(db: Database, componentId: string) {
  return db
    .select()
    .from(componentStatusInterval)
    .where(eq(componentStatusInterval.componentId, componentId))
    .orderBy(asc(componentStatusInterval.startedAt), asc(componentStatusInterval.id));
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
