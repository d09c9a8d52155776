/**
 * A visitor subscribes a chat channel on /subscribe, against the local stand-in for Slack, Teams,
 * Discord and Google Chat (tests/support/chat-receiver.ts, which checks every body against the
 * platform's schema): the code posted to the channel, wrong, reused and expired codes, URLs that
 * are refused with nothing written, and the one-click unsubscribe link.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/lib/server/db/schema';
import { chatSubscriber, chatSubscriberComponent } from '../../src/lib/server/db/schema/webhooks';
import { chatUnsubscribeLink, findChatSubscriberByToken } from '../../src/lib/server/services/chat-subscribers/chat-unsubscribe-links';
import {
  confirmChatSubscriber,
  MAX_CODE_ATTEMPTS,
  registerChatSubscriber,
  unsubscribeChat,
} from '../../src/lib/server/services/chat-subscribers/chat-subscriptions';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { setAllowPrivateWebhookTargets, updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { startChatReceiver, type ChatReceiver, type ChatReceiverPlatform } from '../support/chat-receiver';
import { expectFailure, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { TEST_PUBLIC_URL } from '../support/mail-workers';
import { useTestContext } from '../support/test-database';

const { clock, context } = useTestContext();
let receiver: ChatReceiver;
let clientKeys = 0;

beforeAll(async () => {
  receiver = await startChatReceiver();
  expectOk(await updatePageSettings(context, testActor, { name: 'Acme', description: '', timeZone: 'UTC' }));
  // The receiver is on loopback: only with private targets allowed can the guarded client reach it.
  expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
});

afterAll(async () => {
  await receiver.close();
});

const sender = () => ({ http: receiver.http, publicUrl: TEST_PUBLIC_URL });

/** Registers a channel from a fresh visitor address (rate limits are per address and URL). */
function register(platform: string, url: string, componentIds: string[] = []) {
  clientKeys += 1;
  return registerChatSubscriber(context, { platform, url, componentIds }, `visitor-${clientKeys}`, sender());
}

/** The code in the last message the platform received, read from its JSON as the channel shows it. */
function lastCode(platform: ChatReceiverPlatform): string {
  const message = receiver.received(platform).at(-1);
  const text = JSON.stringify(message?.body);
  expect(text).toContain('Your code to confirm status updates from Acme is');
  return /from Acme is (\d{6})\D[^"]*valid 30 minutes/.exec(text)?.[1] ?? '';
}

const rowOf = async (id: string) => (await context.db.select().from(chatSubscriber).where(eq(chatSubscriber.id, id)))[0];
const subscriberCount = async () => (await context.db.select({ value: count() }).from(chatSubscriber))[0]?.value;

describe('registering and confirming a chat channel', () => {
  it('posts a valid message with the code; wrong codes count, the right one activates once', async () => {
    const api = expectOk(await createComponent(context, testActor, { name: 'API' }));
    const url = receiver.url('slack');
    const sent = expectOk(await register('slack', url, [api.id]));
    if (sent.kind !== 'code_sent') throw new Error('expected a code');
    expect(receiver.invalid()).toEqual([]);
    const code = lastCode('slack');
    const pending = await rowOf(sent.subscriberId);
    expect(pending).toMatchObject({ state: 'pending', platform: 'slack', url, verificationAttempts: 0 });
    // Only the hash is stored.
    expect(Buffer.from(pending!.verificationCodeHash!).toString()).not.toContain(code);
    expect(await context.db.select().from(chatSubscriberComponent)).toEqual([{ subscriberId: sent.subscriberId, componentId: api.id }]);

    const wrong = code === '000000' ? '111111' : '000000';
    expect(expectInvalid(await confirmChatSubscriber(context, sent.subscriberId, wrong)).code).toBe(
      'That is not the code in the message. 4 tries left.',
    );
    expect(expectInvalid(await confirmChatSubscriber(context, sent.subscriberId, 'abc')).code).toBe(
      'Enter the 6-digit code from the message in your channel.',
    );
    expect(await rowOf(sent.subscriberId)).toMatchObject({ state: 'pending', verificationAttempts: 1 });

    expect(expectOk(await confirmChatSubscriber(context, sent.subscriberId, ` ${code.slice(0, 3)} ${code.slice(3)} `))).toEqual({
      platform: 'slack',
    });
    const active = await rowOf(sent.subscriberId);
    expect(active).toMatchObject({ state: 'active', verificationCodeHash: null, verifiedAt: clock.now() });
    expect(expectInvalid(await confirmChatSubscriber(context, sent.subscriberId, code)).code).toContain('already used');

    // An active channel is not registered twice, and gets no second code.
    const before = receiver.received('slack').length;
    expect(expectInvalid(await register('slack', url)).url).toContain('already subscribed');
    expect(receiver.received('slack')).toHaveLength(before);
    expect(await subscriberCount()).toBe(1);
  });

  it('refuses an expired code, voids a code after too many wrong ones, and a new code replaces the old', async () => {
    const url = receiver.url('discord');
    const first = expectOk(await register('discord', url));
    if (first.kind !== 'code_sent') throw new Error('expected a code');
    const firstCode = lastCode('discord');
    clock.advance(31 * MINUTE);
    expect(expectInvalid(await confirmChatSubscriber(context, first.subscriberId, firstCode)).code).toContain('expired');
    expect((await rowOf(first.subscriberId))?.state).toBe('pending');

    const second = expectOk(await register('discord', url));
    if (second.kind !== 'code_sent') throw new Error('expected a code');
    expect(await rowOf(first.subscriberId)).toBeUndefined();
    const secondCode = lastCode('discord');
    const wrong = secondCode === '000000' ? '111111' : '000000';
    for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt += 1) await confirmChatSubscriber(context, second.subscriberId, wrong);
    expect(expectInvalid(await confirmChatSubscriber(context, second.subscriberId, secondCode)).code).toContain('Ask for a new code');
    expect((await rowOf(second.subscriberId))?.state).toBe('pending');
    expect(receiver.invalid()).toEqual([]);
  });

  it('refuses URLs that are not the platform’s, http, a private address and unknown input, writing nothing', async () => {
    const before = await subscriberCount();
    const discordElsewhere = 'https://discord.evil.example/api/webhooks/1234567890123456789/abc';
    expect(expectInvalid(await register('discord', discordElsewhere)).url).toContain('This is not a Discord webhook URL');
    expect(expectInvalid(await register('discord', receiver.url('slack'))).url).toContain('This is not a Discord webhook URL');
    expect(expectInvalid(await register('slack', receiver.url('slack').replace('https:', 'http:'))).url).toBe(
      'Use the https:// address: Herald does not send to http webhooks.',
    );
    expect(expectInvalid(await register('irc', receiver.url('slack'))).platform).toBe('Choose the chat platform.');
    expect(expectInvalid(await register('slack', receiver.url('slack'), ['nosuchcomponent'])).componentIds).toBe(
      'Choose components from the list.',
    );
    // The vendors' hosts resolve to the loopback receiver here: with private targets refused, so is the channel.
    expectOk(await setAllowPrivateWebhookTargets(context, testActor, false));
    const received = receiver.received('google_chat').length;
    try {
      expect(expectInvalid(await register('google_chat', receiver.url('google_chat'))).url).toMatch(/^Herald could not post the code/);
    } finally {
      expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
    }
    expect(receiver.received('google_chat')).toHaveLength(received);
    // The platform refusing the post (Teams answering 404) writes nothing either.
    receiver.answerNext('teams', { kind: 'not-found' });
    expect(expectInvalid(await register('teams', receiver.url('teams'))).url).toMatch(/^Herald could not post the code/);
    expect(await subscriberCount()).toBe(before);
  });
});

describe('unsubscribing by link', () => {
  it('removes the channel the signed link names, once; a forged link removes nothing', async () => {
    const sent = expectOk(await register('google_chat', receiver.url('google_chat')));
    if (sent.kind !== 'code_sent') throw new Error('expected a code');
    expectOk(await confirmChatSubscriber(context, sent.subscriberId, lastCode('google_chat')));
    const link = await chatUnsubscribeLink(context.db, { publicUrl: TEST_PUBLIC_URL, now: clock.now(), subscriberId: sent.subscriberId });
    expect(link.startsWith(`${TEST_PUBLIC_URL.replace(/\/+$/, '')}/chat/unsubscribe/${sent.subscriberId}.`)).toBe(true);
    const token = link.split('/').at(-1)!;

    const forged = `${sent.subscriberId}.${'a'.repeat(24)}`;
    expect(await findChatSubscriberByToken(context.db, forged)).toBeNull();
    expect(await unsubscribeChat(context, forged)).toBe(false);
    expect((await rowOf(sent.subscriberId))?.state).toBe('active');

    expect(await unsubscribeChat(context, token)).toBe(true);
    expect(await rowOf(sent.subscriberId)).toBeUndefined();
    expect(await unsubscribeChat(context, token)).toBe(false);
    const audit = await context.db.select().from(auditLog).where(eq(auditLog.entityId, sent.subscriberId));
    expect(audit.map((row) => row.action)).toEqual(['chat_subscriber.unsubscribe']);
    expectFailure(await confirmChatSubscriber(context, sent.subscriberId, '123456'), 'not_found');
  });
});
