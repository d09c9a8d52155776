/**
 * The vendors' local stand-in, tested on its own: each platform accepts a body shaped like its
 * documentation's example and refuses one over a documented limit the vendor's way; 429 carries
 * Retry-After; the guarded client reaches https://hooks.slack.com/... on it only through its
 * resolver, with the private-address rules still applied to what that resolver returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPlatforms } from '../../src/lib/domain/chat/channel-kinds';
import type { ChatMessage } from '../../src/lib/domain/chat/chat-message';
import { pagerDutyEvent } from '../../src/lib/domain/chat/pagerduty';
import { renderFor } from '../../src/lib/domain/chat/render';
import { parseChannelTarget } from '../../src/lib/domain/chat/webhook-urls';
import { componentStatuses } from '../../src/lib/domain/statuses';
import { guardedHttpClient } from '../../src/lib/server/services/webhooks/outbound-http';
import { startChatReceiver, type ChatReceiver, type ChatReceiverPlatform } from '../support/chat-receiver';

let receiver: ChatReceiver;

beforeAll(async () => {
  receiver = await startChatReceiver();
});

afterAll(async () => {
  await (receiver as ChatReceiver | undefined)?.close();
});

async function post(platform: ChatReceiverPlatform, body: unknown) {
  const outcome = await receiver.http.post({
    url: receiver.url(platform),
    body: JSON.stringify(body),
    headers: {},
    policy: receiver.policy,
  });
  const last = receiver.received(platform).at(-1);
  if (!last) throw new Error(`The ${platform} receiver got nothing: ${JSON.stringify(outcome)}`);
  return { outcome, last };
}

const text = (length: number) => 'x'.repeat(length);
const section = (chars: number) => ({ type: 'section', text: { type: 'mrkdwn', text: text(chars) } });
const adaptive = (body: unknown[]) => ({
  type: 'message',
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
    },
  ],
});
const chatCard = (widgets: unknown[]) => ({
  cardsV2: [{ cardId: 'incident', card: { header: { title: 'Checkout is down' }, sections: [{ header: 'Components', widgets }] } }],
});

interface Case {
  platform: ChatReceiverPlatform;
  valid: unknown;
  okStatus: number;
  invalid: unknown;
  /** The vendor's error body for the invalid one. */
  refusal: unknown;
}

const cases = (): Case[] => [
  {
    platform: 'slack',
    valid: {
      text: 'Checkout is down',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Major outage: Checkout' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Checkout* is down' }, fields: [{ type: 'mrkdwn', text: '*Severity*\nmajor' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Plan step: notify the team' }] },
        {
          type: 'actions',
          elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open' }, url: 'https://status.example.com/i/1' }],
        },
      ],
    },
    okStatus: 200,
    invalid: { text: 'Too much', blocks: [section(3001), ...Array.from({ length: 50 }, () => ({ type: 'divider' }))] },
    refusal: 'invalid_payload',
  },
  {
    platform: 'teams',
    valid: adaptive([
      { type: 'TextBlock', text: 'Checkout is down', weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'FactSet', facts: [{ title: 'Severity', value: 'major' }] },
      { type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title: 'Open', url: 'https://status.example.com/i/1' }] },
    ]),
    okStatus: 202,
    invalid: adaptive([{ type: 'TextBlock', text: text(29 * 1024) }]),
    refusal: { error: { code: 'TriggerInputSchemaMismatch', message: expect.stringContaining('at most 28672 bytes') } },
  },
  {
    platform: 'discord',
    valid: {
      content: 'Checkout is down',
      allowed_mentions: { parse: [] },
      embeds: [
        {
          title: 'Major outage',
          description: 'Checkout',
          color: 0xd93025,
          fields: [{ name: 'Severity', value: 'major', inline: true }],
          footer: { text: 'Herald' },
        },
      ],
    },
    okStatus: 204,
    invalid: { embeds: [{ title: text(257), description: text(100) }] },
    refusal: {
      code: 50035,
      message: 'Invalid Form Body',
      errors: { embeds: { 0: { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: expect.any(String) }] } } } },
    },
  },
  {
    platform: 'google_chat',
    valid: {
      text: 'Checkout is down',
      ...chatCard([
        { decoratedText: { topLabel: 'Severity', text: 'major' } },
        { buttonList: { buttons: [{ text: 'Open', onClick: { openLink: { url: 'https://status.example.com/i/1' } } }] } },
      ]),
    },
    okStatus: 200,
    invalid: chatCard([{ textParagraph: { maxLines: 2 } }]),
    refusal: { error: { code: 400, message: expect.stringContaining("must have required property 'text'"), status: 'INVALID_ARGUMENT' } },
  },
  {
    platform: 'pagerduty',
    valid: {
      routing_key: receiver.routingKey(),
      event_action: 'trigger',
      dedup_key: 'herald-incident-1',
      payload: {
        summary: 'Checkout is down',
        source: 'status.example.com',
        severity: 'critical',
        timestamp: '2015-07-17T08:42:58.315+0000',
      },
    },
    okStatus: 202,
    invalid: { routing_key: 'too-short', event_action: 'trigger', payload: { summary: text(1025), severity: 'fatal' } },
    refusal: {
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: expect.arrayContaining([expect.stringContaining('/routing_key')]),
    },
  },
];

describe('the chat receiver', () => {
  it('accepts each platform’s documented shape and refuses one over its limits the vendor’s way', async () => {
    for (const item of cases()) {
      const good = await post(item.platform, item.valid);
      expect(good.outcome, item.platform).toEqual({ ok: true, status: item.okStatus });
      expect(good.last.problems, item.platform).toEqual([]);

      const bad = await post(item.platform, item.invalid);
      expect(bad.outcome, item.platform).toMatchObject({ ok: false, status: 400 });
      expect(bad.last.problems.length, item.platform).toBeGreaterThan(0);
      expect(bad.last.answer.body, item.platform).toEqual(item.refusal);
    }
    expect(receiver.received('pagerduty')[0]?.answer.body).toEqual({
      status: 'success',
      message: 'Event processed',
      dedup_key: 'herald-incident-1',
    });
    expect(receiver.invalid()).toHaveLength(5);
  });

  it('checks the rules a schema keyword cannot: Discord’s 6,000 characters, Google Chat’s widgets, PagerDuty’s dedup_key', async () => {
    const fields = Array.from({ length: 7 }, (_, index) => ({ name: `F${index}`, value: text(1000) }));
    expect((await post('discord', { embeds: [{ title: 'Long', fields }] })).last.problems).toEqual([
      { path: '/embeds', message: 'must total at most 6000 characters (has 7018)' },
    ]);
    const widgets = Array.from({ length: 101 }, () => ({ divider: {} }));
    expect((await post('google_chat', chatCard(widgets))).last.problems).toEqual([
      { path: '/cardsV2/0/card', message: 'must have at most 100 widgets (has 101)' },
    ]);
    const resolve = await post('pagerduty', { routing_key: receiver.routingKey(), event_action: 'resolve' });
    expect(resolve.last.answer.status).toBe(400);
    expect(resolve.last.problems).toContainEqual({ path: '', message: "must have required property 'dedup_key'" });
    expect((await post('discord', {})).last.answer.body).toEqual({ code: 50006, message: 'Cannot send an empty message' });
  });

  it('answers scripted 429s with Retry-After, then as normal', async () => {
    receiver.answerNext('discord', { kind: 'rate-limited', retryAfterSeconds: 2 });
    receiver.answerNext('slack', { kind: 'rate-limited' }, { kind: 'not-found' });
    const limited = await post('discord', { content: 'hello' });
    expect(limited.outcome).toMatchObject({ ok: false, status: 429 });
    expect(limited.last.answer).toMatchObject({
      headers: expect.objectContaining({ 'Retry-After': '2' }),
      body: { message: 'You are being rate limited.', retry_after: 2, global: false },
    });
    expect((await post('slack', { text: 'hello' })).last.answer).toMatchObject({ status: 429, headers: { 'Retry-After': '30' } });
    expect((await post('slack', { text: 'hello' })).outcome).toMatchObject({
      ok: false,
      status: 404,
      error: expect.stringContaining('no_service'),
    });
    expect((await post('slack', { text: 'hello' })).outcome).toEqual({ ok: true, status: 200 });
  });

  it('is reached at the vendor’s host only through the resolver, and only when private targets are allowed', async () => {
    const url = receiver.url('slack');
    expect(parseChannelTarget('slack', url)).toEqual({ ok: true, target: url });
    expect(parseChannelTarget('teams', receiver.url('teams'))).toMatchObject({ ok: true });
    expect(parseChannelTarget('discord', receiver.url('discord'))).toMatchObject({ ok: true });
    expect(parseChannelTarget('google_chat', receiver.url('google_chat'))).toMatchObject({ ok: true });
    expect(parseChannelTarget('pagerduty', receiver.routingKey())).toMatchObject({ ok: true });
    const body = JSON.stringify({ text: 'hello' });
    const refused = await receiver.http.post({ url, body, headers: {}, policy: { allowPrivate: false } });
    expect(refused).toEqual({ ok: false, status: null, error: expect.stringContaining('hooks.slack.com resolves to 127.0.0.1') });
    // Without the receiver's resolver the host is looked up for real: nothing reaches the receiver.
    const before = receiver.received('slack').length;
    const plain = await guardedHttpClient({ timeoutMs: 2000 }).post({ url, body, headers: {}, policy: receiver.policy });
    expect(plain.ok).toBe(false);
    expect(receiver.received('slack')).toHaveLength(before);
  });
});

describe('Herald’s renderers against the receiver', () => {
  it('turn a long, hostile message into a body every platform accepts', async () => {
    const hostile = '<!channel> @everyone @here <@U123> <https://evil.example|click> &amp; *bold* _i_ `code` ||spoiler|| <b>html</b> 💥 ';
    const message: ChatMessage = {
      kind: 'incident_update',
      headline: 'Severity raised to Critical',
      title: hostile.repeat(20),
      severity: 'critical',
      status: 'Investigating',
      components: Array.from({ length: 120 }, (_, index) => ({
        name: `${hostile}${index}`,
        status: componentStatuses[index % componentStatuses.length] ?? 'major_outage',
      })),
      body: hostile.repeat(400),
      planStep: `Notify the team ${hostile}`,
      links: [
        { label: 'Open in Herald', url: 'https://status.example.com/admin/incidents/1' },
        { label: 'Public page', url: 'https://status.example.com/incidents/1' },
      ],
      at: new Date('2026-12-04T22:00:00Z'),
      footer: { label: `Unsubscribe ${hostile}`, url: 'https://status.example.com/unsubscribe/abc' },
    };
    const bodies: [ChatReceiverPlatform, unknown][] = [
      ...chatPlatforms.map((platform): [ChatReceiverPlatform, unknown] => [platform, renderFor(platform, message)]),
      [
        'pagerduty',
        pagerDutyEvent({
          action: 'trigger',
          routingKey: receiver.routingKey(),
          incidentId: 'incident-1',
          summary: message.title,
          severity: 'critical',
          source: 'status.example.com',
          links: message.links,
        }),
      ],
      ['pagerduty', pagerDutyEvent({ action: 'resolve', routingKey: receiver.routingKey(), incidentId: 'incident-1' })],
    ];
    const before = receiver.invalid().length;
    for (const [platform, body] of bodies) {
      const { outcome, last } = await post(platform, body);
      expect(last.problems, platform).toEqual([]);
      expect(outcome.ok, platform).toBe(true);
    }
    expect(receiver.invalid()).toHaveLength(before);
  });
});
