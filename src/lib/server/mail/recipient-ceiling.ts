import { consumeRateLimit, type RateLimitRule } from '../auth/rate-limit';
import type { Database } from '../db';
import { recordAudit } from '../services/kernel/audit';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Emails Herald sends to an address somebody typed into a public form (a confirmation, a
 * webhook's contact notice, a password reset): at most this many per address, whatever the kind,
 * so that nobody can use Herald to flood a stranger's mailbox.
 */
const RECIPIENT_CEILING: readonly (RateLimitRule & { per: string })[] = [
  { limit: 3, windowMs: HOUR_MS, per: 'hour' },
  { limit: 10, windowMs: 24 * HOUR_MS, per: 'day' },
];

/** Which kind of message, for the audit entry an admin reads when one is held back. */
export type CeilingKind = 'subscription_confirmation' | 'webhook_contact_confirmation' | 'webhook_notice' | 'password_reset';

/**
 * Counts one message to `address`; false, and nothing is to be sent, when the address had its
 * share. The first message held back in a window is written to the audit log (`mail.held_back`),
 * where admins see it.
 */
export async function withinRecipientCeiling(db: Database, address: string, kind: CeilingKind, now: Date): Promise<boolean> {
  const recipient = address.trim().toLowerCase();
  for (const rule of RECIPIENT_CEILING) {
    const verdict = await consumeRateLimit(db, `mail:recipient:${rule.per}:${recipient}`, rule, now);
    if (verdict.allowed) continue;
    const firstHeldBack = await consumeRateLimit(db, `mail:held-back:${rule.per}:${recipient}`, { limit: 1, windowMs: rule.windowMs }, now);
    if (firstHeldBack.allowed) {
      await recordAudit(db, { userId: null, label: 'system' }, now, {
        action: 'mail.held_back',
        entityType: 'email',
        entityId: null,
        after: { recipient, kind, ceiling: `${rule.limit} per ${rule.per}` },
      });
    }
    return false;
  }
  return true;
}
