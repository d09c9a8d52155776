/**
 * Updates reaching chat subscribers, against the local stand-in for Slack, Teams, Discord and
 * Google Chat (tests/support/chat-receiver.ts, which checks every body against the platform's
 * schema): who gets a message, one delivery per (subscriber, event), a 429's Retry-After, and
 * disabling after repeated failures with one email to the owner.
 */
import { and, asc, eq, isNull, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatPlatform } from '../../src/lib/domain/chat/channel-kinds';
import { chatDelivery, chatSubscriber, chatSubscriberComponent, webhookEvent } from '../../src/lib/server/db/schema/webhooks';
import { fanOutChatEvent } from '../../src/lib/server/jobs/handlers/chat-fan-out';
import { sendChatNotice } from '../../src/lib/server/jobs/handlers/chat-notice';
import { sendChatDelivery } from '../../src/lib/server/jobs/handlers/chat-send';
import { rowsOf } from '../../src/lib/server/db/client';
import { newId } from '../../src/lib/server/ids';
import { chatLinkSigner } from '../../src/lib/server/services/chat-subscribers/chat-unsubscribe-links';
import { createMailer, type Mailer } from '../../src/lib/server/mail/transport';
import { MAX_CONSECUTIVE_FAILURES } from '../../src/lib/server/services/webhooks/webhook-subscribers';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { setAllowPrivateWebhookTargets, updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { startChatReceiver, type ChatReceiver } from '../support/chat-receiver';
import { FakeClock } from '../support/clock';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { expectOk, testActor } from '../support/factories';
import { TEST_MAIL_FROM, TEST_PUBLIC_URL } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';

const clock = new FakeClock(new Date());
let handle: TestDatabase;
let context: ServiceContext;
let receiver: ChatReceiver;
let sink: SmtpSink;
let mailer: Mailer;
const platforms: ChatPlatform[] = ['slack', 'teams', 'discord', 'google_chat'];

beforeAll(async () => {
  handle = await createTestDatabase({ retryLimit: 2, retryDelaySeconds: 1, expireInSeconds: 5 });
  context = { db: handle.db, clock, queue: handle.queue };
  receiver = await startChatReceiver();
  sink = await startSmtpSink();
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: TEST_MAIL_FROM, dkim: undefined, dataDir: '/nonexistent' });
  expectOk(await updatePageSettings(context, testActor, { name: 'Acme', description: '', timeZone: 'UTC' }));
  // The receiver is on loopback: only with private targets allowed can the guarded client reach it.
  expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
});

afterAll(async () => {
  mailer.close();
  await receiver.close();
  await sink.close();
  await handle.close();
});

/** A chat subscriber as registration leaves it (registration itself is tested in chat-subscriptions.test.ts). */
async function chatSubscriberOf(
  platform: ChatPlatform,
  options: { state?: 'pending' | 'active' | 'disabled'; componentIds?: string[]; ownerEmail?: string } = {},
) {
  const id = newId();
  const now = clock.now();
  await handle.db.insert(chatSubscriber).values({
    id,
    platform,
    url: receiver.url(platform),
    state: options.state ?? 'active',
    unsubscribeSecretHash: (await chatLinkSigner(handle.db, { publicUrl: TEST_PUBLIC_URL, now })).secretHash(id),
    ownerEmail: options.ownerEmail ?? null,
    verifiedAt: options.state === 'pending' ? null : now,
    createdAt: now,
    updatedAt: now,
  });
  for (const componentId of options.componentIds ?? [])
    await handle.db.insert(chatSubscriberComponent).values({ subscriberId: id, componentId });
  return id;
}

/** Fans out every event not yet fanned out to chat, as the jobs would; returns their ids. */
async function fanOutAll(): Promise<string[]> {
  const waiting = await handle.db
    .select()
    .from(webhookEvent)
    .where(isNull(webhookEvent.chatFannedOutAt))
    .orderBy(asc(webhookEvent.createdAt));
  for (const event of waiting) await fanOutChatEvent(context, { eventId: event.id, publicUrl: TEST_PUBLIC_URL });
  return waiting.map((event) => event.id);
}

async function deliveriesOf(subscriberId: string) {
  return handle.db.select().from(chatDelivery).where(eq(chatDelivery.subscriberId, subscriberId)).orderBy(asc(chatDelivery.createdAt));
}

/** Sends every queued delivery of these events once, as the send jobs would on their first try. */
async function sendAll(eventIds: string[], lastAttempt = false) {
  for (const eventId of eventIds) {
    const rows = await handle.db
      .select()
      .from(chatDelivery)
      .where(and(eq(chatDelivery.eventId, eventId), eq(chatDelivery.state, 'queued')));
    for (const row of rows) await sendChatDelivery(context, { deliveryId: row.id, lastAttempt, http: receiver.http });
  }
}

const textOf = (body: unknown) => JSON.stringify(body);

describe('chat fan-out', () => {
  it('reaches the active subscribers of the component on every platform, escaped, with the unsubscribe link, once', async () => {
    const api = expectOk(await createComponent(context, testActor, { name: 'API' }));
    const web = expectOk(await createComponent(context, testActor, { name: 'Website' }));
    const wanted = await Promise.all(platforms.map((platform) => chatSubscriberOf(platform, { componentIds: [api.id] })));
    const everything = await chatSubscriberOf('slack');
    const pending = await chatSubscriberOf('slack', { state: 'pending' });
    const disabled = await chatSubscriberOf('discord', { state: 'disabled' });
    const other = await chatSubscriberOf('teams', { componentIds: [web.id] });

    expectOk(
      await declareIncident(context, testActor, {
        title: 'API errors <!channel> & <@U123>',
        severity: 'high',
        status: 'investigating',
        message: 'We are looking at *errors* <https://evil.example|click>.',
        components: [{ componentId: api.id, status: 'major_outage' }],
        notifySubscribers: false,
      }),
    );
    // The declaration is two events: the incident update and the component's status change.
    const events = await fanOutAll();
    const [update] = await handle.db.select().from(webhookEvent).where(like(webhookEvent.key, 'incident_update:%'));
    expect(events).toHaveLength(2);
    expect(update!.chatRecipientCount).toBe(5);
    // A second fan-out of the same event (a retried job, even one that missed the mark) adds no delivery.
    await handle.db.update(webhookEvent).set({ chatFannedOutAt: null }).where(eq(webhookEvent.id, update!.id));
    await fanOutChatEvent(context, { eventId: update!.id, publicUrl: TEST_PUBLIC_URL });
    await sendAll(events);

    for (const id of [...wanted, everything]) expect((await deliveriesOf(id)).map((row) => row.state)).toEqual(['sent', 'sent']);
    for (const id of [pending, disabled, other]) expect(await deliveriesOf(id)).toEqual([]);
    expect(receiver.invalid()).toEqual([]);
    for (const platform of platforms) {
      const messages = receiver.received(platform).map((message) => textOf(message.body));
      for (const text of messages) expect(text).toContain(`${TEST_PUBLIC_URL}/chat/unsubscribe/`);
      const incidentMessage = messages.find((text) => text.includes('/incidents/'));
      expect(incidentMessage).toContain('Investigating');
      expect(incidentMessage).toContain('API');
    }
    // Slack's markup cannot be injected: wherever Slack reads mrkdwn, the title's mentions are escaped text.
    const slack = receiver.received('slack').find((message) => textOf(message.body).includes('/incidents/'))!.body as {
      text: string;
      blocks: unknown[];
    };
    const mrkdwn = [
      slack.text,
      ...JSON.stringify(slack.blocks)
        .matchAll(/"type":"mrkdwn","text":"((?:[^"\\]|\\.)*)"/g)
        .map((match) => match[1]!),
    ];
    expect(mrkdwn.length).toBeGreaterThan(2);
    expect(slack.text).toContain('API errors &lt;!channel&gt; &amp; &lt;@U123&gt;');
    for (const text of mrkdwn) expect(text).not.toMatch(/<!channel>|<@U123>|<https:\/\/evil/);
  });

  it("retries a 429 at the platform's Retry-After, and disables a failing channel with one email to its owner", async () => {
    const api = expectOk(await createComponent(context, testActor, { name: 'Billing' }));
    const limited = await chatSubscriberOf('discord', { componentIds: [api.id] });
    const broken = await chatSubscriberOf('google_chat', { componentIds: [api.id], ownerEmail: 'owner@example.com' });
    // The broken channel's webhook was deleted: Google Chat answers 404 every time.
    receiver.answerNext('google_chat', ...Array.from({ length: 2 * MAX_CONSECUTIVE_FAILURES }, () => ({ kind: 'not-found' as const })));

    const incident = expectOk(
      await declareIncident(context, testActor, {
        title: 'Billing delays',
        severity: 'medium',
        status: 'investigating',
        message: 'Invoices are late.',
        components: [{ componentId: api.id, status: 'degraded_performance' }],
        notifySubscribers: false,
      }),
    );
    receiver.answerNext('discord', { kind: 'rate-limited', retryAfterSeconds: 120 });
    await sendAll(await fanOutAll(), true);
    const before = receiver.received('discord').length;
    const [waiting] = (await deliveriesOf(limited)).filter((delivery) => delivery.retryAfter);
    expect(waiting!.state).toBe('queued');
    expect(waiting!.retryAfter!.getTime()).toBe(clock.now().getTime() + 120_000);
    // Too early: nothing is sent.
    clock.advance(60_000);
    await sendChatDelivery(context, { deliveryId: waiting!.id, lastAttempt: false, http: receiver.http });
    expect(receiver.received('discord').length).toBe(before);
    clock.advance(60_000);
    expect(await sendChatDelivery(context, { deliveryId: waiting!.id, lastAttempt: false, http: receiver.http })).toEqual({ kind: 'sent' });
    expect(receiver.received('discord').length).toBe(before + 1);

    // The broken channel failed its first message on its last attempt; more updates until the threshold.
    for (let update = 1; update < MAX_CONSECUTIVE_FAILURES; update += 1) {
      clock.advance(60_000);
      expectOk(
        await postIncidentUpdate(context, testActor, incident.id, {
          status: 'identified',
          message: `Update ${update}.`,
          components: [{ componentId: api.id, status: 'degraded_performance' }],
          notifySubscribers: false,
        }),
      );
      await sendAll(await fanOutAll(), true);
    }
    const [row] = await handle.db.select().from(chatSubscriber).where(eq(chatSubscriber.id, broken));
    expect(row!.state).toBe('disabled');
    expect(row!.disabledReason).toContain(`${MAX_CONSECUTIVE_FAILURES} messages in a row failed`);
    expect((await deliveriesOf(broken)).every((delivery) => delivery.state === 'failed')).toBe(true);
    expect((await deliveriesOf(limited)).every((delivery) => delivery.state === 'sent')).toBe(true);

    // The notice job (queued once, by the disabling) emails the owner once, however often it runs.
    expect(await sendChatNotice(context, mailer, { subscriberId: broken, publicUrl: TEST_PUBLIC_URL })).toBe('sent');
    expect(await sendChatNotice(context, mailer, { subscriberId: broken, publicUrl: TEST_PUBLIC_URL })).toBe('skipped');
    const [mail] = await sink.waitFor(1);
    expect(mail!.to).toBe('owner@example.com');
    expect(mail!.parsed.subject).toBe('[Acme] Status updates to your Google Chat channel were stopped');
    expect(mail!.parsed.text).not.toContain(row!.url);
    const notices = rowsOf(await handle.db.execute(sql`select count(*)::int as count from pgboss.job where name = 'chat-notice'`));
    expect(Number(notices[0]!.count)).toBe(1);
  });
});
