/**
 * Nobody can use Herald to flood a stranger's mailbox: every email to an address typed into a
 * public form (subscription confirmations, a webhook contact's confirmation and notices,
 * password resets) counts against one ceiling per address, 3 an hour and 10 a day, and what is
 * held back is in the audit log.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, subscriber } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { sendSubscriberConfirmation } from '../../src/lib/server/jobs/handlers/confirmation';
import { withinRecipientCeiling } from '../../src/lib/server/mail/recipient-ceiling';
import { createMailer, type Mailer } from '../../src/lib/server/mail/transport';
import { HOUR, MINUTE } from '../support/factories';
import { TEST_MAIL_FROM, TEST_PUBLIC_URL } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
let sink: SmtpSink;
let mailer: Mailer;

beforeAll(async () => {
  sink = await startSmtpSink();
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: TEST_MAIL_FROM, dkim: undefined, dataDir: '/nonexistent' });
});

afterAll(async () => {
  mailer.close();
  await sink.close();
});

const heldBack = async () => (await handle.db.select().from(auditLog).where(eq(auditLog.action, 'mail.held_back'))).map((row) => row.after);

describe('the per-recipient ceiling', () => {
  it('allows 3 an hour whatever the kind, counts the address in any case, and logs the first held back once', async () => {
    const now = clock.now();
    expect(await withinRecipientCeiling(handle.db, 'target@example.com', 'subscription_confirmation', now)).toBe(true);
    expect(await withinRecipientCeiling(handle.db, 'Target@Example.com', 'webhook_contact_confirmation', now)).toBe(true);
    expect(await withinRecipientCeiling(handle.db, 'target@example.com ', 'password_reset', now)).toBe(true);
    expect(await withinRecipientCeiling(handle.db, 'target@example.com', 'subscription_confirmation', now)).toBe(false);
    expect(await withinRecipientCeiling(handle.db, 'target@example.com', 'webhook_notice', now)).toBe(false);
    expect(await heldBack()).toEqual([{ recipient: 'target@example.com', kind: 'subscription_confirmation', ceiling: '3 per hour' }]);
    // Another address has its own share.
    expect(await withinRecipientCeiling(handle.db, 'other@example.com', 'subscription_confirmation', now)).toBe(true);
  });

  it('allows 10 a day: the hourly share comes back, the daily one does not', async () => {
    for (let hour = 1; hour <= 3; hour += 1) {
      clock.advance(HOUR);
      const allowed = [];
      for (let index = 0; index < 4; index += 1)
        allowed.push(await withinRecipientCeiling(handle.db, 'target@example.com', 'password_reset', clock.now()));
      // 3 + 3 + 3 + 1 = 10 in the day.
      expect(allowed).toEqual(hour < 3 ? [true, true, true, false] : [true, false, false, false]);
    }
    expect((await heldBack()).map((entry) => (entry as { ceiling: string }).ceiling)).toContain('10 per day');
    clock.advance(22 * HOUR);
    expect(await withinRecipientCeiling(handle.db, 'target@example.com', 'password_reset', clock.now())).toBe(true);
  });

  it('holds back a subscription confirmation email past the ceiling: nothing reaches the SMTP server', async () => {
    clock.advance(2 * HOUR);
    const id = newId();
    await handle.db
      .insert(subscriber)
      .values({ id, email: 'victim@example.com', state: 'pending', source: 'web', createdAt: clock.now(), updatedAt: clock.now() });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await sendSubscriberConfirmation(context, mailer, { subscriberId: id, publicUrl: TEST_PUBLIC_URL });
      clock.advance(MINUTE);
    }
    // Each send waited for the server's answer: the last two were held back, not sent late.
    await sink.waitFor(3);
    expect(sink.received.filter((mail) => mail.to === 'victim@example.com')).toHaveLength(3);
    expect(await heldBack()).toContainEqual({ recipient: 'victim@example.com', kind: 'subscription_confirmation', ceiling: '3 per hour' });
  });
});
