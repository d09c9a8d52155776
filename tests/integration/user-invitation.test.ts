import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPasswordWithToken } from '../../src/lib/server/services/access/passwords';
import { addUser, authenticate, createUserWithPassword, labelOf } from '../../src/lib/server/services/access/users';
import { expectOk, testActor } from '../support/factories';
import { startMailWorkers, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: new Date() });
let sink: SmtpSink;
let workers: MailWorkers;

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
});

afterAll(async () => {
  await (workers as MailWorkers | undefined)?.stop();
  await (sink as SmtpSink | undefined)?.close();
});

describe('inviting a user', () => {
  it('emails the new user a set-password link of their own; using it spends the link shown to the admin', async () => {
    const owner = expectOk(
      await createUserWithPassword(context, testActor, {
        email: 'owner@example.com',
        name: 'Olive',
        role: 'owner',
        password: 'a long password 1',
      }),
    );
    const actor = { userId: owner.id, label: labelOf(owner), role: owner.role };
    const added = expectOk(await addUser(context, actor, { email: 'new@example.com', name: 'Nia', role: 'responder' }));

    const [mail] = await sink.waitFor(1);
    expect(mail!.to).toBe('new@example.com');
    expect(mail!.parsed.subject).toBe('[Herald] You are invited to the status page admin');
    expect(mail!.parsed.text).toContain('Olive <owner@example.com> added you');
    const emailed = /\/set-password\/(\S+)/.exec(mail!.parsed.text ?? '')![1]!;
    expect(emailed).not.toBe(added.passwordToken);

    expectOk(
      await setPasswordWithToken(
        context,
        emailed,
        { password: 'nia-password-1', confirmPassword: 'nia-password-1' },
        { address: '192.0.2.7' },
      ),
    );
    expect(await authenticate(context, 'new@example.com', 'nia-password-1')).not.toBeNull();
    const reuse = await setPasswordWithToken(
      context,
      added.passwordToken,
      { password: 'other-password-1', confirmPassword: 'other-password-1' },
      { address: '192.0.2.7' },
    );
    expect(reuse.ok).toBe(false);

    // Her first password is confirmed to her by email: when, from where, and what to do if it was not her.
    const [, confirmation] = await sink.waitFor(2);
    expect(confirmation!.to).toBe('new@example.com');
    expect(confirmation!.parsed.subject).toBe('[Herald] Your Herald password was set');
    expect(confirmation!.parsed.text).toContain('from the address 192.0.2.7');
  });
});
