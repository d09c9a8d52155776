import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/lib/domain/chat/chat-message';
import { DISCORD_LIMITS } from '../../src/lib/domain/chat/discord';
import { GOOGLE_CHAT_LIMITS } from '../../src/lib/domain/chat/google-chat';
import { pagerDutyEvent, pagerDutySeverity } from '../../src/lib/domain/chat/pagerduty';
import { classifyAnswer } from '../../src/lib/domain/chat/platform-answers';
import { renderFor } from '../../src/lib/domain/chat/render';
import { SLACK_LIMITS } from '../../src/lib/domain/chat/slack';
import { TEAMS_LIMITS } from '../../src/lib/domain/chat/teams';
import { fitText, jsonBytes } from '../../src/lib/domain/chat/truncate';
import { describeTarget, parseChannelTarget } from '../../src/lib/domain/chat/webhook-urls';

const HOSTILE =
  '<!channel> <@U024BE7LH> <!here> <http://evil.example|click> @everyone **bold** [x](https://evil.example) {{DATE(2017-02-14T06:00:00Z)}} & <b>';

const message = (overrides: Partial<ChatMessage> = {}): ChatMessage => ({
  kind: 'team_alert',
  headline: 'Incident declared',
  title: 'Checkout is failing',
  severity: 'critical',
  status: 'Investigating',
  components: [{ name: 'Checkout', status: 'major_outage' }],
  body: 'Payments time out.',
  planStep: 'Notify technical team immediately',
  links: [
    { label: 'Open in Herald', url: 'https://status.example.com/admin/incidents/1' },
    { label: 'Public page', url: 'https://status.example.com/incidents/1' },
  ],
  ...overrides,
});

type Json = Record<string, unknown>;
const slackBlocks = (body: Json) => body.blocks as Json[];
const slackTexts = (body: Json) => slackBlocks(body).flatMap((block) => JSON.stringify(block));
const discordEmbed = (body: Json) => (body.embeds as Json[])[0] as Json & { fields: { name: string; value: string }[] };
const teamsCard = (body: Json) => ((body.attachments as Json[])[0] as { content: Json & { body: Json[]; actions?: Json[] } }).content;
const googleCard = (body: Json) => ((body.cardsV2 as Json[])[0] as { card: { sections: { widgets: Json[] }[] } }).card;
const bytes = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).length;
const long = (length: number) => 'Payments time out 🚨 '.repeat(Math.ceil(length / 20)).slice(0, length);

describe('escaping staff text', () => {
  it('keeps Slack mentions, links and entities literal in every block and the fallback', () => {
    const body = renderFor(
      'slack',
      message({ title: HOSTILE, body: HOSTILE, planStep: HOSTILE, components: [{ name: HOSTILE, status: 'partial_outage' }] }),
    );
    const mrkdwn = JSON.stringify({ text: body.text, blocks: slackBlocks(body).slice(1) });
    for (const control of ['<!channel>', '<!here>', '<@U024BE7LH>', '<http://evil.example|click>']) expect(mrkdwn).not.toContain(control);
    expect(mrkdwn).toContain('&lt;!channel&gt; &lt;@U024BE7LH&gt;');
    expect(mrkdwn).toContain('&amp; &lt;b&gt;');
    expect(body.text).toBe(`Incident declared: ${HOSTILE.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}`);
    // The header is plain_text, which Slack never parses; every mrkdwn text turns off auto-parsing.
    expect(slackBlocks(body)[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: HOSTILE, emoji: false } });
    expect(mrkdwn.match(/"type":"mrkdwn"/g)?.length).toBe(mrkdwn.match(/"verbatim":true/g)?.length);
  });

  it('escapes Discord Markdown and lets nothing ping', () => {
    const body = renderFor('discord', message({ title: HOSTILE, body: HOSTILE }));
    const embed = discordEmbed(body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(embed.title).toContain('\\<@U024BE7LH\\>');
    expect(embed.title).toContain('\\*\\*bold\\*\\* \\[x\\]\\(https\\://evil.example\\)');
    expect(embed.description).not.toMatch(/(?<!\\)\*\*bold/);
  });

  it('puts Teams text in TextRuns, which take no Markdown, and keeps card functions literal', () => {
    const card = teamsCard(renderFor('teams', message({ title: HOSTILE, body: HOSTILE })));
    const runs = card.body.flatMap((block) => (block.inlines as { type: string; text: string }[]).map((run) => run));
    expect(card.body.every((block) => block.type === 'RichTextBlock')).toBe(true);
    expect(runs.every((run) => run.type === 'TextRun')).toBe(true);
    expect(runs.map((run) => run.text)).toContain(HOSTILE.replaceAll('{', '{\u200b'));
  });

  it('escapes the HTML subset of Google Chat cards and keeps the text line free of mentions', () => {
    const body = renderFor('google_chat', message({ headline: 'Declared <users/all>', title: HOSTILE, body: HOSTILE }));
    const card = JSON.stringify(googleCard(body));
    expect(card).toContain('&lt;!channel&gt;');
    expect(card).toContain('&amp; &lt;b&gt;');
    expect(card).not.toContain('<!channel>');
    expect(card).not.toContain('& <b>');
    expect(body.text).toBe('Declared ‹users/all›');
  });
});

describe('platform limits', () => {
  const huge = message({
    title: long(5000),
    body: long(100_000),
    planStep: long(5000),
    components: Array.from({ length: 500 }, (_, index) => ({ name: `Component ${index} ${long(300)}`, status: 'major_outage' as const })),
  });

  it('cuts Slack text at each limit, ending with a link to the full update', () => {
    const body = renderFor('slack', huge);
    const blocks = slackBlocks(body);
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const header = blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(header.text.text.endsWith('…')).toBe(true);
    for (const block of blocks.filter((item) => item.type === 'section')) {
      expect((block.text as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
    expect(slackTexts(body).join()).toContain('and ');
    expect(slackTexts(body).join()).toContain('…\\n<https://status.example.com/incidents/1|Read the full update>');
  });

  it('keeps a Discord embed within every limit and 6,000 characters in all', () => {
    const embed = discordEmbed(renderFor('discord', huge));
    const title = embed.title as string;
    const description = embed.description as string;
    expect(title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(description).toMatch(/…\n\[Read the full update\]\(https:\/\/status\.example\.com\/incidents\/1\)$/);
    expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const field of embed.fields) expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    const total = title.length + description.length + embed.fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
    expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.total);
  });

  it('keeps Teams and Google Chat messages under their byte limits, with the read-more link', () => {
    const teams = renderFor('teams', huge);
    expect(bytes(teams)).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
    expect(teamsCard(teams).actions?.[0]).toEqual({
      type: 'Action.OpenUrl',
      title: 'Read the full update',
      url: 'https://status.example.com/incidents/1',
    });

    const google = renderFor('google_chat', huge);
    expect(bytes(google)).toBeLessThanOrEqual(GOOGLE_CHAT_LIMITS.messageBytes);
    const widgets = googleCard(google).sections.flatMap((section) => section.widgets);
    expect(widgets.length).toBeLessThanOrEqual(GOOGLE_CHAT_LIMITS.widgets);
    expect(JSON.stringify(widgets)).toContain(
      '"text":"Read the full update","onClick":{"openLink":{"url":"https://status.example.com/incidents/1"}}',
    );
  });

  it('sends short text whole, with no read-more link', () => {
    for (const platform of ['slack', 'teams', 'discord', 'google_chat'] as const) {
      const rendered = JSON.stringify(renderFor(platform, message()));
      expect(rendered).toContain('Payments time out.');
      expect(rendered).not.toContain('Read the full update');
    }
  });

  it('never splits a surrogate pair or an escape sequence', () => {
    expect(fitText('ab🚨🚨', 4)).toEqual({ text: 'ab…', truncated: true });
    expect(fitText('a&b&c', 6, { escape: (c) => (c === '&' ? '&amp;' : c) })).toEqual({ text: 'a…', truncated: true });
    expect(fitText('é🚨é', 9, { measure: jsonBytes })).toEqual({ text: 'é🚨é', truncated: false });
  });
});

describe('Discord colours and the footer', () => {
  it('colours by severity, grey without one, and carries the footer link', () => {
    const colour = (overrides: Partial<ChatMessage>) => discordEmbed(renderFor('discord', message(overrides))).color;
    expect([
      colour({ severity: 'critical' }),
      colour({ severity: 'high' }),
      colour({ severity: 'medium' }),
      colour({ severity: 'low' }),
    ]).toEqual([0xb91c1c, 0xc2410c, 0xa16207, 0x1d4ed8]);
    expect(colour({ severity: undefined })).toBe(0x6b7280);

    const footer = { label: 'Unsubscribe', url: 'https://status.example.com/unsubscribe/abc' };
    const update = message({ kind: 'incident_update', footer, at: new Date('2026-12-04T10:00:00Z') });
    const embed = discordEmbed(renderFor('discord', update));
    expect(embed.footer).toEqual({ text: 'Unsubscribe' });
    expect(embed.timestamp).toBe('2026-12-04T10:00:00.000Z');
    expect(embed.fields.at(-1)?.value).toContain('[Unsubscribe](https://status.example.com/unsubscribe/abc)');
    expect(JSON.stringify(renderFor('slack', update))).toContain('<https://status.example.com/unsubscribe/abc|Unsubscribe>');
    expect(JSON.stringify(renderFor('google_chat', update))).toContain(
      '<a href=\\"https://status.example.com/unsubscribe/abc\\">Unsubscribe</a>',
    );
  });
});

describe('PagerDuty events', () => {
  const base = { routingKey: 'a'.repeat(32), incidentId: 'inc-1' };

  it('triggers, re-triggers with a new severity and resolves under one dedup_key', () => {
    const trigger = pagerDutyEvent({
      ...base,
      action: 'trigger',
      summary: long(2000),
      severity: 'high',
      source: 'status.example.com',
      links: message().links,
    });
    expect(trigger).toMatchObject({
      routing_key: base.routingKey,
      event_action: 'trigger',
      dedup_key: 'herald-inc-1',
      payload: { severity: 'error', source: 'status.example.com' },
    });
    expect(trigger.event_action === 'trigger' && trigger.payload.summary.length).toBe(1024);
    expect(trigger.event_action === 'trigger' && trigger.links?.[0]).toEqual({
      href: 'https://status.example.com/admin/incidents/1',
      text: 'Open in Herald',
    });

    const raised = pagerDutyEvent({ ...base, action: 'trigger', summary: 'Raised', severity: 'critical', source: 'status.example.com' });
    expect(raised).toMatchObject({ event_action: 'trigger', dedup_key: 'herald-inc-1', payload: { severity: 'critical' } });
    expect(pagerDutyEvent({ ...base, action: 'resolve' })).toEqual({
      routing_key: base.routingKey,
      event_action: 'resolve',
      dedup_key: 'herald-inc-1',
    });
    expect((['critical', 'high', 'medium', 'low'] as const).map(pagerDutySeverity)).toEqual(['critical', 'error', 'warning', 'info']);
  });
});

describe('channel targets', () => {
  const good = {
    slack: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    teams:
      'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c3d4e5f/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cr3t',
    discord: 'https://discord.com/api/webhooks/123456789012345678/tok-en_Secret',
    google_chat: 'https://chat.googleapis.com/v1/spaces/AAAAkM/messages?key=AIzaKey&token=T0ken%3D',
  } as const;

  it('accepts each platform’s own webhook URLs and PagerDuty keys', () => {
    for (const [kind, url] of Object.entries(good))
      expect(parseChannelTarget(kind as keyof typeof good, `  ${url} `)).toMatchObject({ ok: true });
    expect(parseChannelTarget('teams', good.teams)).toEqual({ ok: true, target: good.teams.replace(':443', '') });
    const powerPlatform =
      'https://default1a2b.34.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/09870a0987/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc';
    expect(parseChannelTarget('teams', powerPlatform)).toMatchObject({ ok: true });
    for (const host of ['discordapp.com', 'canary.discord.com', 'ptb.discord.com']) {
      expect(parseChannelTarget('discord', good.discord.replace('discord.com', host))).toMatchObject({ ok: true });
    }
    expect(parseChannelTarget('pagerduty', 'r3FPuDvNOTEDyQYCc7trBkymIFcy2NkE')).toEqual({
      ok: true,
      target: 'r3FPuDvNOTEDyQYCc7trBkymIFcy2NkE',
    });
  });

  it('refuses other URLs with a clear message', () => {
    const refusal = (kind: Parameters<typeof parseChannelTarget>[0], input: string) => {
      const parsed = parseChannelTarget(kind, input);
      return parsed.ok ? 'accepted' : parsed.message;
    };
    expect(refusal('slack', good.slack.replace('https', 'http'))).toMatch(/https:\/\/ address/);
    expect(refusal('slack', 'https://user:pw@hooks.slack.com/services/T1/B1/x')).toMatch(/user name or password/);
    expect(refusal('slack', 'https://hooks.slack.com.evil.example/services/T1/B1/x')).toMatch(/not a Slack webhook URL/);
    expect(refusal('slack', 'https://10.0.0.1/services/T1/B1/x')).toMatch(/not a Slack webhook URL/);
    expect(refusal('slack', 'https://hooks.slack.com:8443/services/T1/B1/x')).toMatch(/port/);
    expect(refusal('slack', 'not a url')).toMatch(/not a URL/);
    expect(refusal('slack', '')).toBe('Enter the Slack webhook URL.');
    expect(refusal('discord', good.slack)).toMatch(/discord\.com\/api\/webhooks/);
    expect(refusal('teams', good.teams.replace(/&sig=.*/, ''))).toMatch(/not a Microsoft Teams webhook URL/);
    expect(refusal('teams', 'https://contoso.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi')).toMatch(/retired/);
    expect(refusal('google_chat', good.google_chat.replace('&token=T0ken%3D', ''))).toMatch(/not a Google Chat webhook URL/);
    expect(refusal('pagerduty', 'abc')).toMatch(/32 letters and digits/);
    expect(refusal('pagerduty', 'https://events.pagerduty.com/v2/enqueue')).toMatch(/not a URL/);
  });

  it('describes a target without its secret', () => {
    expect(describeTarget('slack', good.slack)).toBe('hooks.slack.com/services/T00000000/…');
    expect(describeTarget('discord', good.discord)).toBe('discord.com/api/webhooks/123456789012345678/…');
    expect(describeTarget('teams', good.teams)).toBe('prod-12.westeurope.logic.azure.com/workflows/0a1b2c…/…');
    expect(describeTarget('google_chat', good.google_chat)).toBe('chat.googleapis.com/v1/spaces/AAAA…/…');
    expect(describeTarget('pagerduty', 'r3FPuDvNOTEDyQYCc7trBkymIFcy2NkE')).toBe('Integration key r3FP…');
  });
});

describe('platform answers', () => {
  const now = new Date('2026-12-04T10:00:00Z');
  const answer = (kind: Parameters<typeof classifyAnswer>[0], status: number, body = '', headers: Record<string, string> = {}) =>
    classifyAnswer(kind, { status, headers, body }, now);

  it('reads success, waits and failures as each platform answers them', () => {
    expect(answer('slack', 200, 'ok')).toEqual({ kind: 'ok' });
    expect(answer('discord', 204)).toEqual({ kind: 'ok' });
    expect(answer('pagerduty', 202, '{"status":"success","dedup_key":"herald-1"}')).toEqual({ kind: 'ok' });

    expect(answer('slack', 429, '', { 'Retry-After': '30' })).toEqual({ kind: 'retry_after', at: new Date('2026-12-04T10:00:30Z') });
    expect(answer('teams', 429, '', { 'retry-after': 'Fri, 04 Dec 2026 10:02:00 GMT' })).toEqual({
      kind: 'retry_after',
      at: new Date('2026-12-04T10:02:00Z'),
    });
    expect(answer('discord', 429, '{"message":"You are being rate limited.","retry_after":1.5,"global":false}')).toEqual({
      kind: 'retry_after',
      at: new Date('2026-12-04T10:00:01.500Z'),
    });
    expect(answer('pagerduty', 429)).toEqual({ kind: 'retry_after', at: new Date('2026-12-04T10:01:00Z') });
    expect(classifyAnswer('google_chat', { status: 429, headers: new Headers({ 'Retry-After': '5' }), body: '' }, now)).toEqual({
      kind: 'retry_after',
      at: new Date('2026-12-04T10:00:05Z'),
    });

    expect(answer('slack', 404, 'no_service')).toEqual({
      kind: 'failed',
      message: expect.stringMatching(/no longer exists \(no_service\)/) as string,
    });
    expect(answer('slack', 400, 'invalid_payload')).toEqual({
      kind: 'failed',
      message: 'Slack could not read the message (invalid_payload).',
    });
    expect(
      answer(
        'pagerduty',
        400,
        '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect (should be 32 characters)"]}',
      ),
    ).toEqual({
      kind: 'failed',
      message: "PagerDuty answered 400: Event object is invalid; Length of 'routing_key' is incorrect (should be 32 characters)",
    });
    expect(answer('discord', 404, '{"message": "Unknown Webhook", "code": 10015}')).toEqual({
      kind: 'failed',
      message: 'Discord answered 404: this webhook no longer exists (Unknown Webhook).',
    });
    expect(answer('google_chat', 500, '<html>\u0000oops\n\n</html>')).toEqual({
      kind: 'failed',
      message: 'Google Chat answered 500: <html> oops </html>',
    });
  });
});
