import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import { hashSecret, parseToken, secretMatches } from '../../auth/tokens';
import type { Database } from '../../db';
import { webhookSubscriber } from '../../db/schema';
import { newSecret } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { ServiceContext } from '../kernel/context';
import { notFound, success, type ServiceResult } from '../kernel/errors';

/**
 * A webhook's optional contact address (told when verification fails or the webhook is
 * disabled) is a stranger's input: Herald emails it nothing but one confirmation link until its
 * holder confirms they want these emails. The link's token is minted when that email is sent;
 * only its hash is kept.
 */

export interface ContactConfirmation {
  email: string;
  url: string;
  token: string;
}

/** A fresh confirmation link for the webhook's contact address; null when there is none to confirm. */
export async function mintContactConfirmation(db: Database, subscriberId: string): Promise<ContactConfirmation | null> {
  const secret = newSecret();
  const [row] = await db
    .update(webhookSubscriber)
    .set({ ownerEmailTokenHash: hashSecret(secret) })
    .where(
      and(eq(webhookSubscriber.id, subscriberId), isNotNull(webhookSubscriber.ownerEmail), isNull(webhookSubscriber.ownerEmailConfirmedAt)),
    )
    .returning({ email: webhookSubscriber.ownerEmail, url: webhookSubscriber.url });
  if (!row?.email) return null;
  // The link names the webhook by its id; the secret half proves the email was read. A newer link replaces this one.
  return { email: row.email, url: row.url, token: `${subscriberId}.${secret}` };
}

async function findUnconfirmed(db: Database, token: string) {
  const parts = parseToken(token);
  if (!parts) return null;
  const [row] = await db.select().from(webhookSubscriber).where(eq(webhookSubscriber.id, parts.id));
  if (!row?.ownerEmail || !row.ownerEmailTokenHash || row.ownerEmailConfirmedAt) return null;
  return secretMatches(parts.secret, row.ownerEmailTokenHash) ? row : null;
}

/** What the confirmation page shows before the holder confirms; null for an unknown, used or replaced link. */
export async function checkContactConfirmation(context: ServiceContext, token: string): Promise<{ email: string; url: string } | null> {
  const row = await findUnconfirmed(context.db, token);
  return row?.ownerEmail ? { email: row.ownerEmail, url: row.url } : null;
}

const GONE = 'This link is unknown, already used or replaced by a newer one.';

/** The holder of the address confirms it: from now on it is told about the webhook's problems. */
export async function confirmWebhookContact(
  context: ServiceContext,
  token: string,
): Promise<ServiceResult<{ email: string; url: string }>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const row = await findUnconfirmed(tx, token);
    if (!row?.ownerEmail) return notFound(GONE);
    const [confirmed] = await tx
      .update(webhookSubscriber)
      .set({ ownerEmailConfirmedAt: now, ownerEmailTokenHash: null })
      .where(and(eq(webhookSubscriber.id, row.id), isNull(webhookSubscriber.ownerEmailConfirmedAt)))
      .returning({ id: webhookSubscriber.id });
    if (!confirmed) return notFound(GONE);
    await recordAudit(tx, { userId: null, label: 'webhook contact' }, now, {
      action: 'webhook.contact_confirmed',
      entityType: 'webhook_subscriber',
      entityId: row.id,
    });
    return success({ email: row.ownerEmail, url: row.url });
  });
}
