/**
 * A local stand-in for Slack, Microsoft Teams (Workflows), Discord, Google Chat and PagerDuty's
 * Events API v2, none of which these machines can reach. One HTTPS server on 127.0.0.1 with a
 * certificate made for the run, naming the vendors' hosts; the guarded client it hands out trusts
 * that certificate and resolves those hosts to it, so Herald sends to https://hooks.slack.com/...
 * as in production. Each body is checked against the platform's schema (chat-validation.ts) and
 * answered the way the vendor documents; a test can script the next answers.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LookupAddress } from 'node:dns';
import { guardedHttpClient, type OutboundHttp } from '../../src/lib/server/services/webhooks/outbound-http';
import type { Resolver, TargetPolicy } from '../../src/lib/server/services/webhooks/webhook-targets';
import { checkMessage, type ChatReceiverPlatform, type SchemaProblem } from './chat-validation';
import { vendorAnswer, type ScriptedAnswer, type VendorAnswer } from './chat-vendor-answers';

export type { ChatReceiverPlatform } from './chat-validation';

interface ReceivedMessage {
  platform: ChatReceiverPlatform;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  /** Why the platform would refuse it; empty when it passed its schema and limits. */
  problems: SchemaProblem[];
  /** What the receiver answered, the vendor's way. */
  answer: VendorAnswer;
}

export interface ChatReceiver {
  /**
   * A webhook URL of the platform's own host and form, without a port, as a user would paste it
   * (PagerDuty: its Events API v2 endpoint). Only `http` knows to connect to the receiver's port.
   */
  url(platform: ChatReceiverPlatform): string;
  /** A well-formed PagerDuty integration key (32 characters). */
  routingKey(): string;
  /**
   * The guarded client, trusting the receiver's certificate and resolving the vendors' hosts to
   * it; a vendor URL without a port is sent to the receiver's port (Herald's URL rules allow 443 only).
   */
  http: OutboundHttp;
  /** The vendors' hosts to the receiver, for code that vets a URL's host before it sends (vetWebhookUrl). */
  resolve: Resolver;
  /** The receiver is on loopback: only with private targets allowed can the guarded client reach it. */
  policy: TargetPolicy;
  /** The next requests to the platform get these answers, in order, before the normal ones. */
  answerNext(platform: ChatReceiverPlatform, ...answers: ScriptedAnswer[]): void;
  /** What the platform received, oldest first. */
  received(platform: ChatReceiverPlatform): ReceivedMessage[];
  /** Every message, on any platform, that failed its schema or limits. */
  invalid(): ReceivedMessage[];
  close(): Promise<void>;
}

/** The vendors' hosts, as they appear in real webhook URLs (Teams Workflows: two families of host). */
const hostPatterns: [RegExp, ChatReceiverPlatform][] = [
  [/^hooks\.slack\.com$/, 'slack'],
  [/^[a-z0-9-]+(\.[a-z0-9-]+)?\.logic\.azure\.com$/, 'teams'],
  [/^([a-z0-9-]+\.)+environment\.api\.powerplatform\.com$/, 'teams'],
  [/^discord\.com$/, 'discord'],
  [/^chat\.googleapis\.com$/, 'google_chat'],
  [/^events\.pagerduty\.com$/, 'pagerduty'],
];

/** The webhook paths each platform serves; anything else is the vendor's "not found". */
const pathPatterns: Record<ChatReceiverPlatform, RegExp> = {
  slack: /^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/,
  teams: /^(\/workflows\/[0-9a-f]{32}|\/powerautomate\/automations\/direct\/workflows\/[0-9a-f]{32})\/triggers\/manual\/paths\/invoke$/,
  discord: /^\/api(\/v\d+)?\/webhooks\/\d{17,20}\/[A-Za-z0-9_-]{60,80}$/,
  google_chat: /^\/v1\/spaces\/[A-Za-z0-9_-]+\/messages$/,
  pagerduty: /^\/v2\/enqueue$/,
};

const SUBJECT_ALT_NAMES = [
  'DNS:hooks.slack.com',
  'DNS:*.logic.azure.com',
  'DNS:*.westus.logic.azure.com',
  'DNS:*.environment.api.powerplatform.com',
  'DNS:*.0a.environment.api.powerplatform.com',
  'DNS:discord.com',
  'DNS:chat.googleapis.com',
  'DNS:events.pagerduty.com',
].join(',');

function platformOfHost(host: string): ChatReceiverPlatform | undefined {
  return hostPatterns.find(([pattern]) => pattern.test(host))?.[1];
}

function makeCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-chat-receiver-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=Herald chat receiver',
        '-addext',
        `subjectAltName=${SUBJECT_ALT_NAMES}`,
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function token(bytes: number, alphabet: 'hex' | 'base64url' = 'base64url'): string {
  return randomBytes(bytes).toString(alphabet);
}

function webhookPath(platform: ChatReceiverPlatform): string {
  switch (platform) {
    case 'slack':
      return `/services/T0HERALD1/B0HERALD1/${token(18).replace(/[-_]/g, 'x')}`;
    case 'teams':
      return `/powerautomate/automations/direct/workflows/${token(16, 'hex')}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${token(32)}`;
    case 'discord':
      return `/api/webhooks/1234567890123456789/${token(51)}`;
    case 'google_chat':
      return `/v1/spaces/AAAAherald1/messages?key=${token(30)}&token=${token(32)}`;
    case 'pagerduty':
      return '/v2/enqueue';
  }
}

const hostOfPlatform: Record<ChatReceiverPlatform, string> = {
  slack: 'hooks.slack.com',
  teams: 'default0123456789abcdef0123456789ab.0a.environment.api.powerplatform.com',
  discord: 'discord.com',
  google_chat: 'chat.googleapis.com',
  pagerduty: 'events.pagerduty.com',
};

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, answer: VendorAnswer): void {
  const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const type =
    answer.body === undefined ? {} : { 'Content-Type': typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' };
  response.writeHead(answer.status, { ...type, ...answer.headers });
  response.end(body);
}

export async function startChatReceiver(): Promise<ChatReceiver> {
  const tls = makeCertificate();
  const messages: ReceivedMessage[] = [];
  const scripted = new Map<ChatReceiverPlatform, ScriptedAnswer[]>();

  const server = createServer(tls, (request, response) => {
    void readBody(request).then((raw) => {
      const host = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      const platform = platformOfHost(host);
      const url = new URL(request.url ?? '/', 'https://receiver.invalid');
      if (!platform) return send(response, { status: 421, body: 'Misdirected request' });
      if (request.method !== 'POST' || !pathPatterns[platform].test(url.pathname))
        return send(response, vendorAnswer(platform, { kind: 'not-found' }, raw));
      const checked = checkMessage(platform, raw);
      const next = scripted.get(platform)?.shift();
      const answer = next
        ? vendorAnswer(platform, next, raw)
        : vendorAnswer(
            platform,
            checked.problems.length > 0 ? { kind: 'invalid', problems: checked.problems, json: checked.json } : { kind: 'accepted' },
            raw,
          );
      messages.push({
        platform,
        path: request.url ?? '',
        headers: request.headers,
        body: checked.body,
        problems: checked.problems,
        answer,
      });
      send(response, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  /** Vendor URLs get the receiver's port; anything else goes to the guarded client as it is. */
  const toReceiver = (url: string): string => {
    try {
      const parsed = new URL(url);
      if (parsed.port !== '' || !platformOfHost(parsed.hostname)) return url;
      parsed.port = String(port);
      return parsed.href;
    } catch {
      return url;
    }
  };
  const resolve = (host: string): Promise<LookupAddress[]> =>
    platformOfHost(host.toLowerCase())
      ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
      : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
  const guarded = guardedHttpClient({ ca: tls.cert, resolve });

  return {
    url: (platform) => `https://${hostOfPlatform[platform]}${webhookPath(platform)}`,
    routingKey: () => token(16, 'hex'),
    http: { post: (request) => guarded.post({ ...request, url: toReceiver(request.url) }) },
    resolve,
    policy: { allowPrivate: true },
    answerNext(platform, ...answers) {
      scripted.set(platform, [...(scripted.get(platform) ?? []), ...answers]);
    },
    received: (platform) => messages.filter((message) => message.platform === platform),
    invalid: () => messages.filter((message) => message.problems.length > 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
