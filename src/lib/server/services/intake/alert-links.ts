import { and, eq, isNull, sql } from 'drizzle-orm';
import { alertLink, type AlertLinkRow } from '../../db/schema/automation';
import { newId } from '../../ids';
import { lockRow, type Transaction } from '../kernel/rows';

/**
 * The links of alert intake: which incident (or draft) an alert group feeds. One group has at
 * most one open link; calls for a group are serialised by an advisory lock on it.
 */

/** A class id among PostgreSQL advisory locks for alert groups (the object id is a hash of the group). */
const INTAKE_LOCK_CLASS = 741_425_503;

/** Serialises calls for one alert group (across processes), so only one can open its link. */
export async function lockGroup(tx: Transaction, source: string, groupKey: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(INTAKE_LOCK_CLASS))}, hashtext(${`${source}\n${groupKey}`}))`);
}

/** The group's open link, locked. */
export function lockOpenLink(tx: Transaction, source: string, groupKey: string): Promise<AlertLinkRow | undefined> {
  return lockRow(tx, alertLink, and(eq(alertLink.source, source), eq(alertLink.groupKey, groupKey), isNull(alertLink.closedAt)));
}

/** Opens the group's link to a new incident or draft, with the alerts firing now. */
export async function openLink(
  tx: Transaction,
  now: Date,
  values: { source: string; groupKey: string; firing: string[] } & (
    { incidentId: string; draftId?: never } | { draftId: string; incidentId?: never }
  ),
): Promise<void> {
  await tx.insert(alertLink).values({
    id: newId(),
    source: values.source,
    groupKey: values.groupKey,
    incidentId: values.incidentId ?? null,
    draftId: values.draftId ?? null,
    firing: values.firing,
    status: 'firing',
    createdAt: now,
    updatedAt: now,
  });
}

/** Records what the group's alerts are doing now (`firing` is the fingerprints firing). */
export async function updateLink(
  tx: Transaction,
  linkId: string,
  now: Date,
  values: { status?: 'firing' | 'resolved'; firing: string[] },
): Promise<void> {
  await tx
    .update(alertLink)
    .set({ ...values, updatedAt: now })
    .where(eq(alertLink.id, linkId));
}

/** Done with a link: the group's next firing starts afresh. */
export async function closeLink(
  tx: Transaction,
  linkId: string,
  now: Date,
  values: { status?: 'resolved'; firing?: string[] } = {},
): Promise<void> {
  await tx
    .update(alertLink)
    .set({ closedAt: now, updatedAt: now, ...values })
    .where(eq(alertLink.id, linkId));
}
