/**
 * The admin's chat subscribers: the list shows each channel's URL shortened (never its secret
 * part), a test message goes through the guarded client to the local vendor receiver and shows
 * the platform's answer without counting towards disabling, a disabled channel is re-enabled,
 * one is removed, each change audited without the URL, and only admins may do any of it.
 */
import type { AstroCookies } from 'astro';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatSubscriberAdminForms } from '../../src/forms/chat-subscriber-admin';
import { handleForm, type FormRequest } from '../../src/forms/form';
import type { ChatPlatform } from '../../src/lib/domain/chat/channel-kinds';
import type { Role } from '../../src/lib/domain/roles';
import { user } from '../../src/lib/server/db/schema';
import { chatSubscriber, chatSubscriberComponent } from '../../src/lib/server/db/schema/webhooks';
import { newId } from '../../src/lib/server/ids';
import {
  listChatSubscribers,
  reenableChatSubscriber,
  removeChatSubscriber,
  sendChatSubscriberTest,
} from '../../src/lib/server/services/chat-subscribers/chat-subscriber-admin';
import { setAllowPrivateWebhookTargets } from '../../src/lib/server/services/settings/page-settings';
import { startChatReceiver, type ChatReceiver } from '../support/chat-receiver';
import { auditRowsFor, expectFailure, expectOk, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { TEST_PUBLIC_URL } from '../support/mail-workers';
import { useTestContext } from '../support/test-database';

const test = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const { clock, handle, context } = test;
const { newComponent } = incidentHelpers(test);
let receiver: ChatReceiver;

beforeAll(async () => {
  receiver = await startChatReceiver();
  // The receiver is on loopback: only with private targets allowed can the guarded client reach it.
  expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
});

afterAll(async () => {
  await (receiver as ChatReceiver | undefined)?.close();
});

/** A chat subscriber written directly, pointing at the receiver. */
async function subscriberOn(platform: ChatPlatform, fields: Partial<typeof chatSubscriber.$inferInsert> = {}, componentIds: string[] = []) {
  const now = clock.now();
  const [row] = await handle.db
    .insert(chatSubscriber)
    .values({
      id: newId(),
      platform,
      url: receiver.url(platform),
      state: 'active',
      unsubscribeSecretHash: Buffer.alloc(32, 1),
      verifiedAt: now,
      createdAt: now,
      updatedAt: now,
      ...fields,
    })
    .returning();
  for (const componentId of componentIds) await handle.db.insert(chatSubscriberComponent).values({ subscriberId: row!.id, componentId });
  return row!;
}

const rowOf = async (id: string) => (await handle.db.select().from(chatSubscriber).where(eq(chatSubscriber.id, id)))[0];
const secretOf = (url: string) => url.split('/').at(-1)!;

/** A form posted to the admin page by a signed-in user of `role`, a real user row (the audit log points at it). */
async function posted(role: Role, fields: Record<string, string>): Promise<FormRequest> {
  const id = newId();
  await handle.db.insert(user).values({ id, email: `${id}@example.com`, name: 'Staff', role, createdAt: clock.now() });
  const jar = { set: () => undefined, get: () => undefined, delete: () => undefined } as unknown as AstroCookies;
  return {
    request: new Request('http://herald.test/admin/subscribers/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }),
    locals: { user: { id, email: `${id}@example.com`, name: 'Staff', role }, context } as unknown as App.Locals,
    cookies: jar,
    redirect: (location, status = 302) => new Response(null, { status, headers: { Location: location } }),
  };
}

describe('chat subscribers, for admins', () => {
  it('are listed shortened, and a test message shows the answer without counting towards disabling', async () => {
    const api = await newComponent('API');
    const slack = await subscriberOn('slack', { ownerEmail: 'ops@example.com', consecutiveFailures: 2 }, [api.id]);
    clock.advance(60_000);
    const discord = await subscriberOn('discord', {
      state: 'disabled',
      disabledReason: 'Too many failures.',
      lastError: 'Discord answered 500.',
    });

    const items = await listChatSubscribers(context);
    expect(items.map((item) => [item.platformLabel, item.state, item.componentNames])).toEqual([
      ['Discord', 'disabled', []],
      ['Slack', 'active', ['API']],
    ]);
    expect(items[1]).toMatchObject({ target: 'hooks.slack.com/services/T0HERALD1/…', ownerEmail: 'ops@example.com', lastSuccessAt: null });
    expect(JSON.stringify(items)).not.toContain(secretOf(slack.url));
    expect(JSON.stringify(items)).not.toContain(secretOf(discord.url));

    const sendTest = (id: string) => sendChatSubscriberTest(context, { id, http: receiver.http, publicUrl: TEST_PUBLIC_URL });
    expect(expectOk(await sendTest(slack.id))).toEqual({ platformLabel: 'Slack', target: 'hooks.slack.com/services/T0HERALD1/…' });
    expect(JSON.stringify(receiver.received('slack').at(-1)!.body)).toContain('Test message');
    expect((await rowOf(slack.id))?.lastSuccessAt).toEqual(clock.now());

    receiver.answerNext('slack', { kind: 'not-found' });
    const failed = expectFailure(await sendTest(slack.id), 'invalid');
    expect(failed.message).toMatch(/not delivered.*no_service/);
    expect(await rowOf(slack.id)).toMatchObject({
      state: 'active',
      consecutiveFailures: 2,
      lastError: expect.stringMatching(/no_service/),
    });

    receiver.answerNext('slack', { kind: 'rate-limited', retryAfterSeconds: 30 });
    expect(expectFailure(await sendTest(slack.id), 'invalid').message).toMatch(/asked Herald to wait/);
    expect((await rowOf(slack.id))?.consecutiveFailures).toBe(2);
    expectFailure(await sendTest('nonexistent'), 'not_found');
    expect(receiver.invalid()).toEqual([]);
  });

  it('re-enables a disabled one and removes one, audited without the URL', async () => {
    const disabled = await subscriberOn('google_chat', {
      state: 'disabled',
      consecutiveFailures: 10,
      disabledAt: clock.now(),
      disabledReason: 'x',
    });
    const pending = await subscriberOn('teams', { state: 'pending', verifiedAt: null });

    expect(expectOk(await reenableChatSubscriber(context, testActor, disabled.id)).platformLabel).toBe('Google Chat');
    expect(await rowOf(disabled.id)).toMatchObject({ state: 'active', consecutiveFailures: 0, disabledAt: null, disabledReason: null });
    expect(expectFailure(await reenableChatSubscriber(context, testActor, disabled.id), 'invalid').message).toBe(
      'This chat subscriber is already active.',
    );
    expect(expectFailure(await reenableChatSubscriber(context, testActor, pending.id), 'invalid').message).toMatch(/verification code/);
    expect((await rowOf(pending.id))?.state).toBe('pending');

    expectOk(await removeChatSubscriber(context, testActor, pending.id));
    expect(await rowOf(pending.id)).toBeUndefined();
    expectFailure(await removeChatSubscriber(context, testActor, pending.id), 'not_found');

    const audits = [...(await auditRowsFor(handle.db, disabled.id)), ...(await auditRowsFor(handle.db, pending.id))];
    expect(audits.map((row) => row.action)).toEqual(['chat_subscriber.reenable', 'chat_subscriber.remove']);
    expect(audits[0]).toMatchObject({ before: { state: 'disabled' }, after: { state: 'active', consecutiveFailures: 0 } });
    expect(JSON.stringify(audits)).not.toContain(secretOf(disabled.url));
    expect(JSON.stringify(audits)).not.toContain(secretOf(pending.url));
  });

  it('refuses every change to anyone but an admin, through the page forms', async () => {
    const row = await subscriberOn('slack', { state: 'disabled' });
    for (const role of ['viewer', 'responder'] as const) {
      for (const intent of ['remove', 'reenable', 'test']) {
        const refused = await handleForm(await posted(role, { intent, subscriberId: row.id }), chatSubscriberAdminForms);
        expect(refused).toMatchObject({ status: 403, message: expect.stringMatching(/needs the Admin role/) });
      }
    }
    expect(await rowOf(row.id)).toMatchObject({ state: 'disabled' });
    expect(await auditRowsFor(handle.db, row.id)).toEqual([]);

    expect(await handleForm(await posted('admin', { intent: 'reenable', subscriberId: row.id }), chatSubscriberAdminForms)).toBeInstanceOf(
      Response,
    );
    expect((await rowOf(row.id))?.state).toBe('active');
    const missing = await handleForm(await posted('admin', { intent: 'remove', subscriberId: 'nonexistent' }), chatSubscriberAdminForms);
    expect(missing).toMatchObject({ status: 404 });
    expect(await handleForm(await posted('admin', { intent: 'remove', subscriberId: row.id }), chatSubscriberAdminForms)).toBeInstanceOf(
      Response,
    );
    expect(await rowOf(row.id)).toBeUndefined();
  });
});
