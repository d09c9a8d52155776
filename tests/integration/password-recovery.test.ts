/**
 * Password recovery and changes, with the job worker sending through a real SMTP server and a
 * fake clock: a forgotten password's reset link (for 1 hour, once, the newest only), the same
 * answer for any address, the rate limits, the "your password was changed" email, the admin's
 * reset email instead of a link, a user changing their own password, and the password rules.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordResetEmailForm } from '../../src/forms/users';
import { passwordSchema } from '../../src/lib/server/auth/password';
import { createSession } from '../../src/lib/server/auth/session';
import { auditLog, secondFactor, session, user } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { changeOwnPassword, passwordStatusOf, requestPasswordReset } from '../../src/lib/server/services/access/password-recovery';
import {
  checkPasswordToken,
  LINK_GONE_MESSAGE,
  RESET_LINK_TTL_MS,
  setPasswordWithToken,
} from '../../src/lib/server/services/access/passwords';
import {
  addUser,
  authenticate,
  createUserWithPassword,
  issuePasswordLink,
  labelOf,
  sendPasswordResetEmail,
  setUserDisabled,
  type StaffActor,
} from '../../src/lib/server/services/access/users';
import { auditRowsFor, expectFailure, expectInvalid, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { startMailWorkers, TEST_PUBLIC_URL, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';
import { expectThrottled, notThrottled } from '../support/throttling';
import { waitUntil } from '../support/wait';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
let sink: SmtpSink;
let workers: MailWorkers;
let owner: StaffActor;

/** Each test's requests come from their own client, so that the per-client limit is the rate-limit test's alone. */
let clientCount = 0;
function newClient() {
  clientCount += 1;
  return { clientKey: `198.51.100.${clientCount}`, address: `198.51.100.${clientCount}`, userAgent: 'vitest' };
}

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
  const created = expectOk(
    await createUserWithPassword(context, testActor, {
      email: 'owner@example.com',
      name: 'Olive',
      role: 'owner',
      password: 'olive password 1',
    }),
  );
  owner = { userId: created.id, label: labelOf(created), role: created.role };
});

afterAll(async () => {
  await (workers as MailWorkers | undefined)?.stop();
  await (sink as SmtpSink | undefined)?.close();
});

/** A staff member with a password, and `sessions` sessions of theirs. */
async function member(email: string, password: string, sessions = 0) {
  const created = expectOk(
    await createUserWithPassword(context, testActor, { email, name: email.split('@')[0]!, role: 'responder', password }),
  );
  const tokens: string[] = [];
  for (let index = 0; index < sessions; index += 1) tokens.push((await createSession(handle.db, created.id, clock.now())).token);
  return { id: created.id, email, tokens, actor: { userId: created.id, label: labelOf(created), role: created.role } satisfies StaffActor };
}

const sessionIdsOf = async (userId: string) =>
  (await handle.db.select({ id: session.id }).from(session).where(eq(session.userId, userId))).map((row) => row.id).sort();

const mailsTo = (address: string, subject?: string) =>
  sink.received.filter((mail) => mail.to === address && (subject === undefined || mail.parsed.subject === subject));

/** Waits for the `count`th email to `address` with `subject`, and returns it. */
async function waitForMail(address: string, subject: string, count = 1): Promise<ReceivedMail> {
  return waitUntil(`email ${count} to ${address}: ${subject}`, () => mailsTo(address, subject)[count - 1], {
    describe: () => sink.received.map((mail) => `${mail.to}: ${mail.parsed.subject ?? ''}`),
  });
}

const RESET_SUBJECT = '[Herald] Reset your password';
const CHANGED_SUBJECT = '[Herald] Your Herald password was changed';

const tokenIn = (mail: ReceivedMail) => /\/set-password\/(\S+)/.exec(mail.parsed.text ?? '')![1]!;

/** The password-reset jobs queued for a user (whatever their state). */
async function resetJobsFor(userId: string): Promise<number> {
  const { rows } = await handle.executor.executeSql(
    "select count(*)::int as count from pgboss.job where name = $1 and data->>'userId' = $2",
    ['password-reset', userId],
  );
  return Number(rows[0]?.count ?? 0);
}

async function resetRequestsLogged(userId: string) {
  const rows = await handle.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entityId, userId), eq(auditLog.action, 'auth.password_reset_requested')));
  return rows.map((row) => row.after as Record<string, unknown>);
}

describe('a forgotten password', () => {
  it('emails a link that sets a new password once, ends every session, and confirms it by email', async () => {
    const rosa = await member('rosa@example.com', 'rosa old password', 2);
    const client = newClient();
    expect(notThrottled(await requestPasswordReset(context, { email: ' Rosa@Example.com ' }, client))).toEqual({ ok: true, value: null });

    const mail = await waitForMail(rosa.email, RESET_SUBJECT);
    expect(mail.parsed.text).toContain(`from the address ${client.address}`);
    expect(mail.parsed.text).toContain('The link works once, for 1 hour');
    expect(mail.parsed.text).toContain(`${TEST_PUBLIC_URL}/set-password/`);
    const token = tokenIn(mail);
    expect(await checkPasswordToken(context, token)).toEqual({ email: rosa.email, purpose: 'reset' });
    expect(await resetRequestsLogged(rosa.id)).toEqual([{ address: client.address, userAgent: 'vitest', sent: true }]);

    clock.advance(10 * MINUTE);
    const set = expectOk(
      await setPasswordWithToken(
        context,
        token,
        { password: 'rosa new password', confirmPassword: 'rosa new password' },
        { address: '203.0.113.9' },
      ),
    );
    expect(set).toEqual({ userId: rosa.id, purpose: 'reset', hasSecondFactor: false });
    expect(await authenticate(context, rosa.email, 'rosa old password')).toBeNull();
    expect((await authenticate(context, rosa.email, 'rosa new password'))?.id).toBe(rosa.id);
    expect(await sessionIdsOf(rosa.id)).toEqual([]);
    const [stored] = await handle.db.select().from(user).where(eq(user.id, rosa.id));
    expect(stored!.passwordChangedAt).toEqual(clock.now());

    // Single use.
    expect(await checkPasswordToken(context, token)).toBeNull();
    const again = expectFailure(
      await setPasswordWithToken(
        context,
        token,
        { password: 'rosa third password', confirmPassword: 'rosa third password' },
        { address: '' },
      ),
      'not_found',
    );
    expect(again.message).toBe(LINK_GONE_MESSAGE);
    expect((await authenticate(context, rosa.email, 'rosa new password'))?.id).toBe(rosa.id);

    const changed = await waitForMail(rosa.email, CHANGED_SUBJECT);
    expect(changed.parsed.text).toContain('through a password reset link at 2026-03-01 12:10 UTC, from the address 203.0.113.9');
    expect(changed.parsed.text).toContain(
      `If this was not you, someone else can sign in as you: reset your password now at ${TEST_PUBLIC_URL}/forgot-password`,
    );
  });

  it('gives a link that works for 1 hour, and only the newest link works', async () => {
    const sol = await member('sol@example.com', 'sol old password');
    const client = newClient();
    notThrottled(await requestPasswordReset(context, { email: sol.email }, client));
    const first = tokenIn(await waitForMail(sol.email, RESET_SUBJECT));
    clock.advance(MINUTE);
    notThrottled(await requestPasswordReset(context, { email: sol.email }, client));
    const second = tokenIn(await waitForMail(sol.email, RESET_SUBJECT, 2));
    expect(await checkPasswordToken(context, first)).toBeNull();
    expect(await checkPasswordToken(context, second)).toEqual({ email: sol.email, purpose: 'reset' });

    clock.advance(RESET_LINK_TTL_MS - 1);
    expect(await checkPasswordToken(context, second)).not.toBeNull();
    clock.advance(1);
    expect(await checkPasswordToken(context, second)).toBeNull();
    const late = await setPasswordWithToken(
      context,
      second,
      { password: 'sol new password', confirmPassword: 'sol new password' },
      { address: '' },
    );
    expect(expectFailure(late, 'not_found').message).toBe(LINK_GONE_MESSAGE);
    expect((await authenticate(context, sol.email, 'sol old password'))?.id).toBe(sol.id);
  });

  it('says when the account has a second factor, which the link must not stand in for', async () => {
    const gus = await member('gus@example.com', 'gus the password');
    await handle.db
      .insert(secondFactor)
      .values({ id: newId(), userId: gus.id, kind: 'totp', name: 'Phone', createdAt: clock.now(), confirmedAt: clock.now() });
    notThrottled(await requestPasswordReset(context, { email: gus.email }, newClient()));
    const token = tokenIn(await waitForMail(gus.email, RESET_SUBJECT));
    const set = expectOk(
      await setPasswordWithToken(context, token, { password: 'gus new password', confirmPassword: 'gus new password' }, { address: '' }),
    );
    expect(set.hasSecondFactor).toBe(true);
  });

  it('answers the same for an unknown, a disabled and a password-less address, and sends them nothing', async () => {
    const client = newClient();
    const disabled = await member('dora@example.com', 'dora the password');
    expectOk(await setUserDisabled(context, owner, disabled.id, true));
    const invited = expectOk(await addUser(context, owner, { email: 'ivy@example.com', name: 'Ivy', role: 'viewer' })).user;
    const answers = [];
    for (const email of ['nobody@example.com', disabled.email, invited.email]) {
      answers.push(await requestPasswordReset(context, { email }, client));
    }
    expect(answers).toEqual([
      { ok: true, value: null },
      { ok: true, value: null },
      { ok: true, value: null },
    ]);
    expect(await resetJobsFor(disabled.id)).toBe(0);
    expect(await resetJobsFor(invited.id)).toBe(0);
    expect(await resetRequestsLogged(disabled.id)).toEqual([
      { address: client.address, userAgent: 'vitest', sent: false, reason: 'disabled' },
    ]);
    expect(await resetRequestsLogged(invited.id)).toEqual([
      { address: client.address, userAgent: 'vitest', sent: false, reason: 'no_password' },
    ]);

    // A request sent after them arrives; by then nothing went to the others.
    const later = await member('lars@example.com', 'lars the password');
    notThrottled(await requestPasswordReset(context, { email: later.email }, client));
    await waitForMail(later.email, RESET_SUBJECT);
    expect(mailsTo('nobody@example.com')).toEqual([]);
    expect(mailsTo(disabled.email)).toEqual([]);
    expect(mailsTo(invited.email, RESET_SUBJECT)).toEqual([]);

    expect(expectInvalid(notThrottled(await requestPasswordReset(context, { email: 'not an address' }, client)))).toHaveProperty('email');
  });

  it('sends at most 3 links an hour to an address, answering the same beyond, and refuses a client after 10 requests', async () => {
    const mila = await member('mila@example.com', 'mila the password');
    const client = newClient();
    for (let request = 1; request <= 5; request += 1) {
      expect(notThrottled(await requestPasswordReset(context, { email: mila.email }, client))).toEqual({ ok: true, value: null });
    }
    expect(await resetJobsFor(mila.id)).toBe(3);
    for (let request = 6; request <= 10; request += 1)
      notThrottled(await requestPasswordReset(context, { email: `x${request}@example.com` }, client));
    const refused = expectThrottled(await requestPasswordReset(context, { email: mila.email }, client));
    expect(refused.message).toBe('Too many reset requests from your network. Try again in 60 minutes.');
    // Another client is not held back by this one; the address still is, until its hour is over.
    notThrottled(await requestPasswordReset(context, { email: mila.email }, newClient()));
    expect(await resetJobsFor(mila.id)).toBe(3);
    clock.advance(HOUR);
    notThrottled(await requestPasswordReset(context, { email: mila.email }, client));
    expect(await resetJobsFor(mila.id)).toBe(4);
  });
});

describe('what an admin can do about a password', () => {
  it('emails a reset link to a user who has a password, and never shows a link for them', async () => {
    const pia = await member('pia@example.com', 'pia the password');
    const refused = expectFailure(await issuePasswordLink(context, owner, pia.id), 'conflict');
    expect(refused.message).toBe('pia <pia@example.com> has a password already: send them a password reset email instead.');

    const done = expectOk(await passwordResetEmailForm.run({ values: { userId: pia.id }, actor: owner, context }));
    expect(done).toEqual({ location: '/admin/users', notice: 'A reset link was emailed to pia@example.com.' });
    const mail = await waitForMail(pia.email, RESET_SUBJECT);
    expect(mail.parsed.text).toContain('Olive <owner@example.com> sent you a link to choose a new password');
    expect(await checkPasswordToken(context, tokenIn(mail))).toEqual({ email: pia.email, purpose: 'reset' });
    expect((await auditRowsFor(handle.db, pia.id)).map((row) => [row.action, row.actorLabel])).toContainEqual([
      'user.password_reset_sent',
      owner.label,
    ]);
  });

  it('keeps the set-password link for a user without a password, who gets no reset email', async () => {
    const invited = expectOk(await addUser(context, owner, { email: 'una@example.com', name: 'Una', role: 'viewer' })).user;
    expectFailure(await sendPasswordResetEmail(context, owner, invited.id), 'conflict');
    expect(await checkPasswordToken(context, expectOk(await issuePasswordLink(context, owner, invited.id)))).toEqual({
      email: invited.email,
      purpose: 'invitation',
    });
    expect(await resetJobsFor(invited.id)).toBe(0);
  });
});

describe('changing one’s own password', () => {
  it('refuses a wrong current password and changes nothing', async () => {
    const cora = await member('cora@example.com', 'cora the password', 2);
    const [mine] = await sessionIdsOf(cora.id);
    const before = await sessionIdsOf(cora.id);
    const wrong = await changeOwnPassword(
      context,
      cora.actor,
      mine!,
      { currentPassword: 'not her password', password: 'cora next password', confirmPassword: 'cora next password' },
      { address: '203.0.113.20' },
    );
    expect(expectInvalid(notThrottled(wrong))).toEqual({ currentPassword: 'This is not your current password.' });
    expect((await authenticate(context, cora.email, 'cora the password'))?.id).toBe(cora.id);
    expect(await sessionIdsOf(cora.id)).toEqual(before);

    const rules = await changeOwnPassword(
      context,
      cora.actor,
      mine!,
      { currentPassword: 'cora the password', password: 'Password1234', confirmPassword: 'Password1234' },
      { address: '' },
    );
    expect(expectInvalid(notThrottled(rules))).toEqual({ password: 'This password is one of the most common ones; choose another.' });
    const same = await changeOwnPassword(
      context,
      cora.actor,
      mine!,
      { currentPassword: 'cora the password', password: 'cora the password', confirmPassword: 'cora the password' },
      { address: '' },
    );
    expect(expectInvalid(notThrottled(same))).toEqual({ password: 'This is your current password: choose a new one.' });
    expect((await authenticate(context, cora.email, 'cora the password'))?.id).toBe(cora.id);
  });

  it('ends every other session, keeps this one, and emails the user', async () => {
    const nora = await member('nora@example.com', 'nora the password', 3);
    const [mine, ...others] = await sessionIdsOf(nora.id);
    clock.advance(MINUTE);
    const changed = expectOk(
      notThrottled(
        await changeOwnPassword(
          context,
          nora.actor,
          mine!,
          { currentPassword: 'nora the password', password: 'nora next password', confirmPassword: 'nora next password' },
          { address: '203.0.113.30' },
        ),
      ),
    );
    expect(changed).toEqual({ passwordChangedAt: clock.now() });
    expect(others).toHaveLength(2);
    expect(await sessionIdsOf(nora.id)).toEqual([mine]);
    expect((await authenticate(context, nora.email, 'nora next password'))?.id).toBe(nora.id);
    expect(await passwordStatusOf(context, nora.id)).toEqual({ hasPassword: true, passwordChangedAt: clock.now() });
    const [audit] = (await auditRowsFor(handle.db, nora.id)).filter((row) => row.action === 'user.password_change');
    expect(audit).toMatchObject({ actorUserId: nora.id, after: { address: '203.0.113.30' } });

    const mail = await waitForMail(nora.email, CHANGED_SUBJECT);
    expect(mail.parsed.text).toContain('was changed on the account page at');
    expect(mail.parsed.text).toContain('from the address 203.0.113.30.\nEvery other session of yours was signed out.');
  });

  it('counts wrong current passwords: after 5 it waits, even for the right one', async () => {
    const tess = await member('tess@example.com', 'tess the password', 1);
    const [mine] = await sessionIdsOf(tess.id);
    const attempt = (currentPassword: string) =>
      changeOwnPassword(
        context,
        tess.actor,
        mine!,
        { currentPassword, password: 'tess next password', confirmPassword: 'tess next password' },
        { address: '' },
      );
    for (let wrong = 1; wrong <= 5; wrong += 1) expectInvalid(notThrottled(await attempt(`guess number ${wrong}`)));
    expect(expectThrottled(await attempt('tess the password')).message).toMatch(
      /^Too many wrong current passwords\. Try again in 15 minutes\.$/,
    );
    expect((await authenticate(context, tess.email, 'tess the password'))?.id).toBe(tess.id);
    clock.advance(15 * MINUTE);
    expectOk(notThrottled(await attempt('tess the password')));
  });

  it('tells a user without a password (single sign-on only) to change it with their identity provider', async () => {
    const invited = expectOk(await addUser(context, owner, { email: 'sso@example.com', name: 'Sso', role: 'viewer' })).user;
    const actor = { userId: invited.id, label: labelOf(invited), role: invited.role };
    const refused = expectFailure(
      notThrottled(
        await changeOwnPassword(
          context,
          actor,
          'nosession',
          { currentPassword: 'x', password: 'sso next password', confirmPassword: 'sso next password' },
          { address: '' },
        ),
      ),
      'conflict',
    );
    expect(refused.message).toContain('you sign in through your identity provider, so change your password there');
    expect(await passwordStatusOf(context, invited.id)).toEqual({ hasPassword: false, passwordChangedAt: null });
  });
});

describe('the password rules', () => {
  it('ask for 12 to 256 characters and refuse the common passwords in any case', () => {
    const messages = (password: string) => passwordSchema.safeParse(password).error?.issues.map((issue) => issue.message) ?? [];
    expect(messages('eleven char')).toEqual(['Use at least 12 characters.']);
    expect(messages('twelve chars')).toEqual([]);
    expect(messages('x'.repeat(257))).toEqual(['Use at most 256 characters.']);
    for (const common of ['qwerty123456', 'QWERTY123456', 'LeaveMeAlone', '1q2w3e4r5t6y'])
      expect(messages(common), common).toEqual(['This password is one of the most common ones; choose another.']);
  });
});
