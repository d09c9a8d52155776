import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { delivery, notification, setting } from '../../src/lib/server/db/schema';
import { rowsOf } from '../../src/lib/server/db/client';
import { fanOutNotification } from '../../src/lib/server/jobs/handlers/fan-out';
import { sendDeliveries } from '../../src/lib/server/jobs/handlers/send-deliveries';
import type { Mailer } from '../../src/lib/server/mail/transport';

type OutgoingMail = Parameters<Mailer['send']>[0];
import { checkSubscriberToken, mintSubscriberToken } from '../../src/lib/server/services/subscribers/subscriber-tokens';
import {
  addSubscriberByAdmin,
  getSubscription,
  removeSubscriber,
  requestSubscription,
  unsubscribe,
} from '../../src/lib/server/services/subscribers/subscribers';
import { expectOk, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { useTestContext } from '../support/test-database';

const test = useTestContext();
const { clock, handle, context } = test;
const { declare } = incidentHelpers(test);

async function confirmedSubscriber(email: string) {
  return expectOk(await addSubscriberByAdmin(context, testActor, { email }));
}

const mint = (subscriberId: string, purpose: 'manage' | 'unsubscribe') =>
  mintSubscriberToken(handle.db, { subscriberId, purpose, now: clock.now() });

/** Every table's row count in the public schema, by name. */
async function rowCounts(): Promise<Map<string, number>> {
  const tables = rowsOf(
    await handle.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    ),
  ) as { table_name: string }[];
  const counts = new Map<string, number>();
  for (const { table_name: name } of tables) {
    const [row] = rowsOf(await handle.db.execute(sql.raw(`select count(*)::int as count from "${name}"`))) as { count: number }[];
    counts.set(name, row?.count ?? 0);
  }
  return counts;
}

describe('signed subscriber links', () => {
  it('open the subscription they name, and only for their purpose', async () => {
    const reader = await confirmedSubscriber('signed@example.com');
    const manage = await mint(reader.id, 'manage');
    const unsubscribeLink = await mint(reader.id, 'unsubscribe');
    expect(await getSubscription(context, manage)).toMatchObject({ subscriberId: reader.id, email: 'signed@example.com' });
    expect(await checkSubscriberToken(handle.db, unsubscribeLink, 'unsubscribe', clock.now())).toMatchObject({ ok: true });
    expect(await getSubscription(context, unsubscribeLink)).toBeNull();
    expect(await checkSubscriberToken(handle.db, manage, 'confirm', clock.now())).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuse a tampered link, and one that names another subscriber with a valid signature of someone else', async () => {
    const owner = await confirmedSubscriber('owner@example.com');
    const other = await confirmedSubscriber('other@example.com');
    const manage = await mint(owner.id, 'manage');
    const signature = manage.slice(manage.lastIndexOf('.') + 1);
    const flipped = `${manage.slice(0, -1)}${manage.endsWith('A') ? 'B' : 'A'}`;
    const foreign = `${other.id}.0.${signature}`;
    for (const bad of [flipped, foreign, `${manage}x`, manage.replace('.0.', '.1.'), 'not-a-link', '']) {
      expect(await getSubscription(context, bad)).toBeNull();
    }
    expect(await unsubscribe(context, foreign, 'manage')).toBe(false);
    expect(await getSubscription(context, manage)).toMatchObject({ subscriberId: owner.id });
  });

  it('keep the signing secret in the database, never in a link', async () => {
    const reader = await confirmedSubscriber('secret@example.com');
    const [stored] = await handle.db.select().from(setting).where(eq(setting.key, 'subscriber-link-secret'));
    const secret = (stored?.value as { secret: string }).secret;
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect(await mint(reader.id, 'manage')).not.toContain(secret);
  });

  it('stop working for manage links once a new link is sent; the unsubscribe link keeps working', async () => {
    const reader = await confirmedSubscriber('rotate@example.com');
    const oldManage = await mint(reader.id, 'manage');
    const unsubscribeLink = await mint(reader.id, 'unsubscribe');
    expectOk(await requestSubscription(context, { email: 'rotate@example.com' }, '192.0.2.40'));
    expect(await getSubscription(context, oldManage)).toBeNull();
    expect(await checkSubscriberToken(handle.db, oldManage, 'manage', clock.now())).toEqual({ ok: false, reason: 'expired' });
    const newManage = await mint(reader.id, 'manage');
    expect(newManage).not.toBe(oldManage);
    expect(await getSubscription(context, newManage)).toMatchObject({ subscriberId: reader.id });
    expect(await checkSubscriberToken(handle.db, unsubscribeLink, 'unsubscribe', clock.now())).toMatchObject({ ok: true });
  });

  it('stop working when the subscriber is removed, and name nobody after they subscribe again', async () => {
    const reader = await confirmedSubscriber('removed@example.com');
    const manage = await mint(reader.id, 'manage');
    const unsubscribeLink = await mint(reader.id, 'unsubscribe');
    expectOk(await removeSubscriber(context, testActor, reader.id));
    await confirmedSubscriber('removed@example.com');
    expect(await getSubscription(context, manage)).toBeNull();
    expect(await checkSubscriberToken(handle.db, unsubscribeLink, 'unsubscribe', clock.now())).toEqual({ ok: false, reason: 'invalid' });
    expect(await unsubscribe(context, unsubscribeLink, 'unsubscribe')).toBe(false);
  });

  it('let an update reach every subscriber with working links while writing only its delivery rows', async () => {
    const readers = await Promise.all(['fan1@example.com', 'fan2@example.com', 'fan3@example.com'].map(confirmedSubscriber));
    const sent: OutgoingMail[] = [];
    const mailer: Mailer = {
      send: (mail) => {
        sent.push(mail);
        return Promise.resolve();
      },
      close: () => {},
      describe: () => 'memory',
    };
    const incident = await declare({ title: 'Signed links' });
    const [row] = await handle.db.select().from(notification).where(eq(notification.incidentId, incident.id));
    const before = await rowCounts();
    await fanOutNotification(context, row!.id);
    const deliveries = await handle.db.select({ id: delivery.id }).from(delivery).where(eq(delivery.notificationId, row!.id));
    await sendDeliveries(context, mailer, {
      notificationId: row!.id,
      deliveryIds: deliveries.map((item) => item.id),
      publicUrl: 'http://status.test',
      lastAttempt: false,
    });
    const after = await rowCounts();
    const grown = [...after].filter(([name, count]) => count !== before.get(name)).map(([name]) => name);
    expect(grown).toEqual(['delivery']);
    expect(sent.length).toBeGreaterThanOrEqual(readers.length);

    const mail = sent.find((item) => item.to === 'fan2@example.com')!;
    const unsubscribeLink = /<http:\/\/status\.test\/unsubscribe\/([^>]+)>/.exec(mail.headers?.['List-Unsubscribe'] ?? '')?.[1] ?? '';
    const manage = /http:\/\/status\.test\/subscription\/(\S+)/.exec(mail.text)?.[1] ?? '';
    expect(await getSubscription(context, manage)).toMatchObject({ email: 'fan2@example.com' });
    expect(await unsubscribe(context, unsubscribeLink, 'unsubscribe')).toBe(true);
    expect(await getSubscription(context, manage)).toBeNull();
  });
});
