import { describe, expect, it } from 'vitest';
import {
  intakeEvent,
  knownDevice,
  passwordToken,
  pendingSignIn,
  rateLimit,
  session,
  subscriber,
  user,
  webhookSubscriber,
} from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { runRetention } from '../../src/lib/server/services/retention/retention';
import { confirmSubscription, mintConfirmationToken } from '../../src/lib/server/services/subscribers/subscribers';
import { DAY, HOUR, MINUTE } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-06-01T12:00:00.000Z' });

const hash = new Uint8Array(32);
/** A moment `ms` before the clock's now. */
const ago = (ms: number) => new Date(clock.now().getTime() - ms);

async function newUser(): Promise<string> {
  const id = newId();
  await handle.db.insert(user).values({ id, email: `${id}@example.com`, name: 'Staff', role: 'admin', createdAt: ago(400 * DAY) });
  return id;
}

async function pendingSubscriber(email: string, createdAt: Date): Promise<string> {
  const id = newId();
  await handle.db.insert(subscriber).values({ id, email, state: 'pending', source: 'web', createdAt, updatedAt: createdAt });
  return id;
}

describe('the retention job', () => {
  it('removes each family at its boundary, keeps what is still in force, and counts what it removed', async () => {
    const userId = await newUser();
    await handle.db.insert(rateLimit).values([
      { key: 'subscribe:email:ended@example.com', count: 3, resetAt: clock.now() },
      { key: 'subscribe:email:running@example.com', count: 1, resetAt: new Date(clock.now().getTime() + 1) },
    ]);
    const sessionAt = (createdAt: Date, lastActiveAt: Date) => ({
      id: newId(),
      userId,
      secretHash: hash,
      createdAt,
      lastActiveAt,
      verifiedAt: createdAt,
    });
    await handle.db.insert(session).values([
      sessionAt(ago(12 * HOUR), ago(MINUTE)), // past the 12-hour absolute limit
      sessionAt(ago(HOUR), ago(30 * MINUTE)), // idle for the 30-minute limit
      sessionAt(ago(12 * HOUR - 1), ago(30 * MINUTE - 1)), // live
    ]);
    await handle.db.insert(pendingSignIn).values([
      { id: newId(), userId, secretHash: hash, next: '/admin', createdAt: ago(10 * MINUTE), expiresAt: clock.now() },
      { id: newId(), userId, secretHash: hash, next: '/admin', createdAt: ago(MINUTE), expiresAt: new Date(clock.now().getTime() + 1) },
    ]);
    await handle.db.insert(knownDevice).values([
      { id: newId(), userId, secretHash: hash, createdAt: ago(200 * DAY), lastUsedAt: ago(90 * DAY) },
      { id: newId(), userId, secretHash: hash, createdAt: ago(200 * DAY), lastUsedAt: ago(90 * DAY - 1) },
    ]);
    await handle.db.insert(passwordToken).values([
      { id: newId(), userId, secretHash: hash, createdAt: ago(DAY), expiresAt: clock.now() },
      { id: newId(), userId, secretHash: hash, createdAt: ago(HOUR), expiresAt: ago(-DAY), usedAt: ago(MINUTE) },
      { id: newId(), userId, secretHash: hash, createdAt: ago(HOUR), expiresAt: ago(-1) },
    ]);
    await pendingSubscriber('stale@example.com', ago(7 * DAY));
    const freshId = await pendingSubscriber('fresh@example.com', ago(7 * DAY - 1));
    await handle.db.insert(subscriber).values({
      id: newId(),
      email: 'long-confirmed@example.com',
      state: 'confirmed',
      source: 'web',
      createdAt: ago(300 * DAY),
      confirmedAt: ago(300 * DAY),
      updatedAt: ago(300 * DAY),
    });
    const webhookAt = (url: string, state: 'pending' | 'active', createdAt: Date) => ({
      id: newId(),
      url,
      signingSecret: 'secret',
      unsubscribeSecretHash: hash,
      state,
      createdAt,
      updatedAt: createdAt,
    });
    await handle.db
      .insert(webhookSubscriber)
      .values([
        webhookAt('https://stale.example.com/hook', 'pending', ago(7 * DAY)),
        webhookAt('https://fresh.example.com/hook', 'pending', ago(7 * DAY - 1)),
        webhookAt('https://old-active.example.com/hook', 'active', ago(300 * DAY)),
      ]);
    const logEntry = (receivedAt: Date) => ({ receivedAt, source: 'alertmanager', outcome: 'ignored', detail: 'Nothing to do.' });
    await handle.db.insert(intakeEvent).values([logEntry(ago(90 * DAY + 1)), logEntry(ago(90 * DAY))]);

    expect(await runRetention(context)).toEqual({
      rateLimits: 1,
      sessions: 2,
      pendingSignIns: 1,
      knownDevices: 1,
      passwordTokens: 2,
      pendingSubscribers: 1,
      pendingWebhookSubscribers: 1,
      intakeEvents: 1,
    });

    expect((await handle.db.select().from(rateLimit)).map((row) => row.key)).toEqual(['subscribe:email:running@example.com']);
    expect(await handle.db.$count(session)).toBe(1);
    expect(await handle.db.$count(pendingSignIn)).toBe(1);
    expect(await handle.db.$count(knownDevice)).toBe(1);
    expect(await handle.db.$count(passwordToken)).toBe(1);
    expect((await handle.db.select().from(subscriber)).map((row) => row.email).sort()).toEqual([
      'fresh@example.com',
      'long-confirmed@example.com',
    ]);
    expect((await handle.db.select().from(webhookSubscriber)).map((row) => row.url).sort()).toEqual([
      'https://fresh.example.com/hook',
      'https://old-active.example.com/hook',
    ]);
    expect(await handle.db.$count(intakeEvent)).toBe(1);

    // A second run the same moment finds nothing more.
    expect(Object.values(await runRetention(context)).every((count) => count === 0)).toBe(true);

    // The pending subscription still inside its 7 days can be confirmed, right up to the boundary.
    const link = await mintConfirmationToken(handle.db, freshId, clock.now());
    expect(await confirmSubscription(context, link)).toMatchObject({ ok: true });
  });

  it('refuses to confirm a pending subscription older than 7 days, even with a fresh link', async () => {
    const staleId = await pendingSubscriber('seven-days@example.com', ago(7 * DAY));
    const link = await mintConfirmationToken(handle.db, staleId, clock.now());
    expect(await confirmSubscription(context, link)).toEqual({ ok: false, reason: 'expired' });
  });
});
