/**
 * ASVS V2.2.3: a user is emailed when a second factor of theirs is added or removed, or their
 * recovery codes replaced, through the job worker and a real SMTP server.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../src/lib/server/auth/totp';
import { secondFactor } from '../../src/lib/server/db/schema';
import {
  confirmTotpEnrolment,
  listSecondFactors,
  regenerateRecoveryCodes,
  removeSecondFactor,
  startTotpEnrolment,
} from '../../src/lib/server/services/access/second-factors';
import { createUserWithPassword, type StaffActor } from '../../src/lib/server/services/access/users';
import { expectOk, testActor } from '../support/factories';
import { startMailWorkers, TEST_PUBLIC_URL, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';
import { waitUntil } from '../support/wait';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
let sink: SmtpSink;
let workers: MailWorkers;
let kim: StaffActor;

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
  const created = expectOk(
    await createUserWithPassword(context, testActor, {
      email: 'kim@example.com',
      name: 'Kim',
      role: 'admin',
      password: 'a long enough passphrase',
    }),
  );
  kim = { userId: created.id, label: 'Kim <kim@example.com>', role: 'admin' };
});

afterAll(async () => {
  await workers.stop();
  await sink.close();
});

const SUBJECT = '[Herald] The second factors of your Herald account changed';
const noticeNumber = (count: number) =>
  waitUntil(
    `notice ${count} to kim`,
    () => sink.received.filter((mail) => mail.to === 'kim@example.com' && mail.parsed.subject === SUBJECT)[count - 1],
  );

describe('second-factor notices', () => {
  it('tells the user when an app is added, the codes replaced, and the app removed, with what to do if it was not them', async () => {
    const { factorId } = expectOk(await startTotpEnrolment(context, kim, { name: 'Work phone' }));
    const [row] = await handle.db.select().from(secondFactor).where(eq(secondFactor.id, factorId));
    expectOk(await confirmTotpEnrolment(context, kim, { factorId, code: totpCodeAt(new Uint8Array(row!.totpKey!), clock.now()) }));
    const added = await noticeNumber(1);
    expect(added.parsed.text).toContain('A second factor, “Work phone”, was added to your account kim@example.com');
    expect(added.parsed.text).toContain(`${TEST_PUBLIC_URL}/forgot-password`);
    expect(added.parsed.html).toContain(`${TEST_PUBLIC_URL}/admin/account/security`);

    expectOk(await regenerateRecoveryCodes(context, kim));
    expect((await noticeNumber(2)).parsed.text).toContain('New recovery codes were made for your account');

    const [factor] = await listSecondFactors(handle.db, kim.userId);
    expectOk(await removeSecondFactor(context, kim, factor!.id));
    expect((await noticeNumber(3)).parsed.text).toContain('The second factor “Work phone” was removed from your account');
  });

  it('escapes the factor’s name in the HTML email', async () => {
    const { factorId } = expectOk(await startTotpEnrolment(context, kim, { name: '<b>Phone</b>' }));
    const [row] = await handle.db.select().from(secondFactor).where(eq(secondFactor.id, factorId));
    clock.advance(60_000);
    expectOk(await confirmTotpEnrolment(context, kim, { factorId, code: totpCodeAt(new Uint8Array(row!.totpKey!), clock.now()) }));
    const mail = await noticeNumber(4);
    expect(mail.parsed.html).toContain('&lt;b&gt;Phone&lt;/b&gt;');
    expect(mail.parsed.html).not.toContain('<b>Phone</b>');
  });
});
