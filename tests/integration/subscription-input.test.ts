import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { subscriber } from '../../src/lib/server/db/schema';
import { createMailer } from '../../src/lib/server/mail/transport';
import { createComponent, removeComponent } from '../../src/lib/server/services/components/catalog';
import { mintSubscriberToken } from '../../src/lib/server/services/subscribers/subscriber-tokens';
import {
  addSubscriberByAdmin,
  confirmSubscription,
  getSubscription,
  mintConfirmationToken,
  requestSubscription,
  unsubscribe,
  updateSubscriptionComponents,
} from '../../src/lib/server/services/subscribers/subscribers';
import { countRows, expectInvalid, expectOk, HOUR, testActor } from '../support/factories';
import { startSmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

describe('subscribing with bad input', () => {
  it.each([
    ['an empty address', '', 'Enter your email address.'],
    ['an address without @', 'not-an-address', 'Enter a valid email address, such as name@example.com.'],
    ['an address with spaces', 'a b@example.com', 'Enter a valid email address, such as name@example.com.'],
    ['an oversized address', `${'a'.repeat(250)}@example.com`, 'An email address has at most 254 characters.'],
  ])('refuses %s with a clear message and writes nothing', async (_case, email, message) => {
    const before = await countRows(handle.db, subscriber);
    const errors = expectInvalid(await requestSubscription(context, { email }, '192.0.2.1'));
    expect(errors.email).toBe(message);
    expect(await countRows(handle.db, subscriber)).toBe(before);
  });

  it('refuses a component that does not exist, and writes nothing', async () => {
    const before = await countRows(handle.db, subscriber);
    const errors = expectInvalid(
      await requestSubscription(context, { email: 'x@example.com', componentIds: ['nosuchcomponent'] }, '192.0.2.2'),
    );
    expect(errors.componentIds).toBe('Choose components from the list.');
    expect(await countRows(handle.db, subscriber)).toBe(before);
  });

  it('refuses a hidden component as if it did not exist', async () => {
    const hidden = expectOk(await createComponent(context, testActor, { name: 'Internal', hidden: true }));
    const errors = expectInvalid(await requestSubscription(context, { email: 'y@example.com', componentIds: [hidden.id] }, '192.0.2.3'));
    expect(errors.componentIds).toBe('Choose components from the list.');
  });

  it('limits requests per email address, answering with the wait', async () => {
    const email = 'limited@example.com';
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(expectOk(await requestSubscription(context, { email }, `198.51.100.${attempt}`))).toEqual({ kind: 'check_inbox' });
    }
    const refused = expectOk(await requestSubscription(context, { email }, '198.51.100.9'));
    expect(refused).toMatchObject({ kind: 'rate_limited' });
    clock.advance(HOUR);
    expect(expectOk(await requestSubscription(context, { email }, '198.51.100.10'))).toEqual({ kind: 'check_inbox' });
  });

  it('limits requests per client address', async () => {
    const address = '203.0.113.50';
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect(expectOk(await requestSubscription(context, { email: `many${attempt}@example.com` }, address))).toEqual({
        kind: 'check_inbox',
      });
    }
    expect(expectOk(await requestSubscription(context, { email: 'one-more@example.com' }, address))).toMatchObject({
      kind: 'rate_limited',
    });
  });
});

describe('subscription links', () => {
  async function pendingSubscriber(email: string) {
    expectOk(await requestSubscription(context, { email }, `192.0.2.${Math.floor(Math.random() * 200)}`));
    const rows = await handle.db.select().from(subscriber);
    return rows.find((row) => row.email === email)!;
  }

  it('refuses a forged confirmation link, and changes nothing', async () => {
    const row = await pendingSubscriber('forged@example.com');
    const real = await mintConfirmationToken(handle.db, row.id, clock.now());
    const forged = `${real.split('.')[0]}.${'a'.repeat(24)}`;
    expect(await confirmSubscription(context, forged)).toEqual({ ok: false, reason: 'invalid' });
    expect(await confirmSubscription(context, 'garbage')).toEqual({ ok: false, reason: 'invalid' });
    const [after] = (await handle.db.select().from(subscriber)).filter((item) => item.id === row.id);
    expect(after!.state).toBe('pending');
  });

  it('refuses a confirmation link after 48 hours', async () => {
    const row = await pendingSubscriber('late@example.com');
    const token = await mintConfirmationToken(handle.db, row.id, clock.now());
    clock.advance(48 * HOUR);
    expect(await confirmSubscription(context, token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('confirms once; the same link used again is refused as used', async () => {
    const row = await pendingSubscriber('once@example.com');
    const token = await mintConfirmationToken(handle.db, row.id, clock.now());
    expect(await confirmSubscription(context, token)).toMatchObject({ ok: true });
    expect(await confirmSubscription(context, token)).toEqual({ ok: false, reason: 'used' });
  });

  it('uses each link for its own purpose only', async () => {
    const confirmed = expectOk(await addSubscriberByAdmin(context, testActor, { email: 'purpose@example.com' }));
    const unsubscribeToken = await mintSubscriberToken(handle.db, { subscriberId: confirmed.id, purpose: 'unsubscribe', now: clock.now() });
    const manageToken = await mintSubscriberToken(handle.db, { subscriberId: confirmed.id, purpose: 'manage', now: clock.now() });
    expect(await getSubscription(context, unsubscribeToken)).toBeNull();
    expect(await confirmSubscription(context, manageToken)).toEqual({ ok: false, reason: 'invalid' });
    expect(await unsubscribe(context, manageToken, 'unsubscribe')).toBe(false);
    expect(await getSubscription(context, manageToken)).toMatchObject({ email: 'purpose@example.com', componentIds: [] });
    expect(await unsubscribe(context, unsubscribeToken, 'unsubscribe')).toBe(true);
    expect(await getSubscription(context, manageToken)).toBeNull();
    expect(await unsubscribe(context, unsubscribeToken, 'unsubscribe')).toBe(false);
  });

  it('refuses unknown components on the manage page and keeps the old choice', async () => {
    const confirmed = expectOk(await addSubscriberByAdmin(context, testActor, { email: 'prefs@example.com' }));
    const manageToken = await mintSubscriberToken(handle.db, { subscriberId: confirmed.id, purpose: 'manage', now: clock.now() });
    expectInvalid(await updateSubscriptionComponents(context, manageToken, { componentIds: ['nosuchcomponent'] }));
    expect(await getSubscription(context, manageToken)).toMatchObject({ componentIds: [] });
  });

  it('refuses an older confirmation link once a newer one confirmed the subscription', async () => {
    const row = await pendingSubscriber('older-link@example.com');
    const older = await mintConfirmationToken(handle.db, row.id, clock.now());
    clock.advance(HOUR);
    const newer = await mintConfirmationToken(handle.db, row.id, clock.now());
    expect(await confirmSubscription(context, newer)).toMatchObject({ ok: true });
    expect(await confirmSubscription(context, older)).toEqual({ ok: false, reason: 'used' });
  });
});

describe('DKIM', () => {
  it('signs outgoing mail when a key is configured', async () => {
    const sink = await startSmtpSink();
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const mailer = createMailer({
      smtpUrl: sink.url,
      mailFrom: 'updates@status.test',
      dkim: { domainName: 'status.test', keySelector: 'herald', privateKey },
      dataDir: '/nonexistent',
    });
    try {
      await mailer.send({ to: 'reader@example.com', subject: 'Signed', html: '<p>Hi</p>', text: 'Hi', messageId: '<signed@status.test>' });
      const [mail] = await sink.waitFor(1);
      expect(mail!.raw).toMatch(/^DKIM-Signature: .*d=status\.test/m);
      expect(mail!.raw).toMatch(/s=herald/);
    } finally {
      mailer.close();
      await sink.close();
    }
  });
});

describe('removing a component that subscribers chose', () => {
  it('archives it, so their choice is kept instead of widening to every component', async () => {
    const chosen = expectOk(await createComponent(context, testActor, { name: 'Chosen' }));
    const reader = expectOk(await addSubscriberByAdmin(context, testActor, { email: 'chooser@example.com', componentIds: [chosen.id] }));
    expect(expectOk(await removeComponent(context, testActor, chosen.id))).toEqual({ outcome: 'archived' });
    const manageToken = await mintSubscriberToken(handle.db, { subscriberId: reader.id, purpose: 'manage', now: clock.now() });
    expect(await getSubscription(context, manageToken)).toMatchObject({ componentIds: [chosen.id] });
  });
});
