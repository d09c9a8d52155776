/**
 * Webhook subscribers against a real HTTPS receiver on loopback (a certificate made for the
 * test, trusted by the client the tests hand the handlers; private targets allowed in settings, as a local
 * receiver needs): registration and verification, the Statuspage envelopes, signatures, retries,
 * redirects, timeouts, no duplicates, disabling with one email, the SSRF guard and unsubscribe.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhookDelivery, webhookEvent, webhookSubscriber } from '../../src/lib/server/db/schema/webhooks';
import { fanOutWebhookEvent } from '../../src/lib/server/jobs/handlers/webhook-fan-out';
import { sendWebhookContactConfirmation, sendWebhookNotice } from '../../src/lib/server/jobs/handlers/webhook-notice';
import { confirmWebhookContact } from '../../src/lib/server/services/webhooks/webhook-contact';
import { sendWebhookDelivery } from '../../src/lib/server/jobs/handlers/webhook-send';
import { verifyWebhookSubscriber } from '../../src/lib/server/jobs/handlers/webhook-verify';
import { createMailer, type Mailer } from '../../src/lib/server/mail/transport';
import type { ComponentRow, WebhookSubscriberRow } from '../../src/lib/server/db/schema';
import { createComponent, createGroup, setComponentStatus } from '../../src/lib/server/services/components/catalog';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { guardedHttpClient, type OutboundHttp } from '../../src/lib/server/services/webhooks/outbound-http';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { setAllowPrivateWebhookTargets, updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import {
  findWebhookByToken,
  MAX_CONSECUTIVE_FAILURES,
  registerWebhook,
  removeWebhookSubscriber,
  removeWebhookWithToken,
} from '../../src/lib/server/services/webhooks/webhook-subscribers';
import { FakeClock } from '../support/clock';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { DAY, expectFailure, expectInvalid, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { startMailWorkers, TEST_MAIL_FROM, TEST_PUBLIC_URL, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { waitUntil } from '../support/wait';

const clock = new FakeClock(new Date());
let handle: TestDatabase;
let context: ServiceContext;
let sink: SmtpSink;
let mailer: Mailer;
let receiver: Receiver;
let tlsDir: string;
/** The guarded client, trusting the receiver's certificate. */
let http: OutboundHttp;
let receiverCa: string;
let workers: MailWorkers | undefined;
/** Subscribers a test made, removed after it so the next test's events reach only its own. */
const made: string[] = [];
let addresses = 0;

// ---------------------------------------------------------------------------------------------
// A receiver: HTTPS on loopback, answering each path as the test says.

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
interface Answer {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}
interface Receiver {
  port: number;
  received: Received[];
  answer: Map<string, (request: Received, count: number) => Answer>;
  on(path: string): Received[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1, made with the openssl command for this run. */
function makeCertificate(dir: string): { key: string; cert: string } {
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
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
}

async function startReceiver(tls: { key: string; cert: string }): Promise<Receiver> {
  const received: Received[] = [];
  const answer = new Map<string, (request: Received, count: number) => Answer>();
  const server: Server = createServer(tls, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const item: Received = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(item);
      const count = received.filter((entry) => entry.path === item.path).length;
      const reply = answer.get(item.path)?.(item, count) ?? { status: 200 };
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(reply.status, reply.headers);
        response.end(reply.body ?? '');
      }, reply.delayMs ?? 0);
    });
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    received,
    answer,
    on: (where) => received.filter((item) => item.path === where),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const urlOf = (where: string) => `https://127.0.0.1:${receiver.port}${where}`;

/** The signature check a receiver runs, as the README and the subscribe page document it. */
function verifies(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const timestamp = headers['herald-webhook-timestamp'];
  const expected =
    'v1=' +
    createHmac('sha256', secret)
      .update(`${String(timestamp)}.${body}`)
      .digest('hex');
  const given = String(headers['herald-webhook-signature'] ?? '');
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  handle = await createTestDatabase({ retryLimit: 2, retryDelaySeconds: 1, expireInSeconds: 5 });
  context = { db: handle.db, clock, queue: handle.queue };
  sink = await startSmtpSink();
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: TEST_MAIL_FROM, dkim: undefined, dataDir: '/nonexistent' });
  tlsDir = mkdtempSync(path.join(tmpdir(), 'herald-webhook-tls-'));
  const tls = makeCertificate(tlsDir);
  receiverCa = tls.cert;
  http = guardedHttpClient({ ca: receiverCa });
  receiver = await startReceiver(tls);
  expectOk(await updatePageSettings(context, testActor, { name: 'Acme', description: '', timeZone: 'UTC' }));
  // The receiver is on loopback: only with private targets allowed can webhooks reach it.
  expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
});

afterEach(async () => {
  for (const id of made.splice(0)) await removeWebhookSubscriber(context, testActor, id);
});

afterAll(async () => {
  await workers?.stop();
  (mailer as Mailer | undefined)?.close();
  await (handle as TestDatabase | undefined)?.close();
  await (sink as SmtpSink | undefined)?.close();
  await (receiver as Receiver | undefined)?.close();
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
});

async function newComponent(name: string, options: { hidden?: boolean; groupId?: string } = {}): Promise<ComponentRow> {
  clock.advance(1000);
  return expectOk(await createComponent(context, testActor, { name, ...options }));
}

/** Registers a URL on the receiver and verifies it, as the job would: an active webhook. */
async function activeWebhook(
  where: string,
  options: { componentIds?: string[]; email?: string } = {},
): Promise<WebhookSubscriberRow & { unsubscribeToken: string }> {
  clock.advance(1000);
  const registered = expectOk(
    await registerWebhook(
      context,
      { url: urlOf(where), email: options.email ?? '', componentIds: options.componentIds ?? [] },
      `client-${++addresses}`,
    ),
  );
  if (registered.kind !== 'registered') throw new Error('rate limited');
  made.push(registered.subscriberId);
  expect(await verifyWebhookSubscriber(context, { http, subscriberId: registered.subscriberId, publicUrl: TEST_PUBLIC_URL })).toBe(
    'activated',
  );
  const [row] = await handle.db.select().from(webhookSubscriber).where(eq(webhookSubscriber.id, registered.subscriberId));
  expect(row!.signingSecret).toBe(registered.signingSecret);
  return { ...row!, unsubscribeToken: registered.unsubscribeToken };
}

async function eventsWhere(condition: ReturnType<typeof eq>) {
  return handle.db.select().from(webhookEvent).where(condition).orderBy(asc(webhookEvent.createdAt), asc(webhookEvent.key));
}

/** Fans out every event not yet fanned out (as the fan-out jobs would) and returns their keys. */
async function fanOutAll(): Promise<string[]> {
  const waiting = await handle.db
    .select()
    .from(webhookEvent)
    .where(sql`${webhookEvent.fannedOutAt} is null`)
    .orderBy(asc(webhookEvent.createdAt));
  for (const event of waiting) await fanOutWebhookEvent(context, { eventId: event.id, publicUrl: TEST_PUBLIC_URL });
  return waiting.map((event) => event.key);
}

async function deliveryOf(subscriberId: string, eventKey: string) {
  const [row] = await handle.db
    .select()
    .from(webhookDelivery)
    .where(and(eq(webhookDelivery.subscriberId, subscriberId), eq(webhookDelivery.eventKey, eventKey)));
  return row;
}

async function subscriberRow(id: string) {
  const [row] = await handle.db.select().from(webhookSubscriber).where(eq(webhookSubscriber.id, id));
  return row;
}

/** The contact address's holder opens the confirmation email and presses the button. */
async function confirmContactThroughEmail(subscriberId: string, address: string): Promise<void> {
  const before = sink.received.length;
  expect(await sendWebhookContactConfirmation(context, mailer, { subscriberId, publicUrl: TEST_PUBLIC_URL })).toBe('sent');
  const [mail] = (await sink.waitFor(before + 1)).slice(before);
  expect([mail!.to, mail!.parsed.subject]).toEqual([address, '[Acme] Confirm notices about a webhook']);
  const token = /\/webhooks\/contact\/(\S+)/.exec(mail!.parsed.text ?? '')![1]!;
  expectOk(await confirmWebhookContact(context, token));
  expectFailure(await confirmWebhookContact(context, token), 'not_found');
}

describe('registration', () => {
  it('records no event while nobody listens', async () => {
    const component = await newComponent('Quiet');
    expectOk(await setComponentStatus(context, testActor, component.id, { status: 'degraded_performance' }));
    expectOk(await setComponentStatus(context, testActor, component.id, { status: 'operational' }));
    expect(await handle.db.select().from(webhookEvent)).toEqual([]);
  });

  it('refuses http, and loopback or private targets unless an admin allows them', async () => {
    expectOk(await setAllowPrivateWebhookTargets(context, testActor, false));
    expect(expectInvalid(await registerWebhook(context, { url: 'http://example.com/hook' }, 'client-http')).url).toMatch(/https:\/\//);
    const refused = expectInvalid(await registerWebhook(context, { url: urlOf('/refused') }, 'client-private'));
    expect(refused.url).toBe('The address 127.0.0.1, a loopback address, is not one webhooks may reach.');
    expect(expectInvalid(await registerWebhook(context, { url: 'https://[::ffff:10.0.0.1]/hook' }, 'client-private')).url).toMatch(
      /private network/,
    );
    expect(expectInvalid(await registerWebhook(context, { url: 'https://169.254.169.254/latest' }, 'client-private')).url).toMatch(
      /link-local/,
    );
    expect(await handle.db.select().from(webhookSubscriber)).toEqual([]);

    expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
    const allowed = expectOk(await registerWebhook(context, { url: urlOf('/refused') }, 'client-private'));
    expect(allowed).toMatchObject({ kind: 'registered', url: urlOf('/refused') });
    if (allowed.kind === 'registered') made.push(allowed.subscriberId);
  });

  it('refuses at send time a target that became private after registration', async () => {
    const webhook = await activeWebhook('/later-private');
    expectOk(await setAllowPrivateWebhookTargets(context, testActor, false));
    try {
      clock.advance(1000);
      const component = await newComponent('Turned');
      // The event is recorded (the webhook is active); the POST is refused before connecting.
      expectOk(await setComponentStatus(context, testActor, component.id, { status: 'major_outage' }));
      const [key] = await fanOutAll();
      const delivery = await deliveryOf(webhook.id, key!);
      expect(await sendWebhookDelivery(context, { http, deliveryId: delivery!.id, lastAttempt: true })).toBe('failed');
      expect(await deliveryOf(webhook.id, key!)).toMatchObject({
        state: 'failed',
        lastStatusCode: null,
        lastError: expect.stringMatching(/loopback/),
      });
      expect(receiver.on('/later-private')).toHaveLength(1); // only the verification request
      expectOk(await setComponentStatus(context, testActor, component.id, { status: 'operational' }));
      await fanOutAll();
    } finally {
      expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
    }
  });

  it('verifies with a signed POST: a 2xx activates, anything else leaves it pending and tells the confirmed owner once', async () => {
    const good = await activeWebhook('/verify-ok');
    const [request] = receiver.on('/verify-ok');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('Herald-Webhooks');
    expect(verifies(good.signingSecret, request!.headers, request!.body)).toBe(true);
    const body = JSON.parse(request!.body);
    expect(Object.keys(body)).toEqual(['meta', 'page', 'verification']);
    expect(Object.keys(body.meta)).toEqual(['unsubscribe', 'documentation', 'generated_at']);
    expect(body.meta.unsubscribe).toBe(`${TEST_PUBLIC_URL}/webhooks/unsubscribe/${good.unsubscribeToken}`);
    expect(body.verification.challenge).toMatch(/^[a-z2-7]{24}$/);

    receiver.answer.set('/verify-broken', () => ({ status: 404, body: 'no such hook' }));
    clock.advance(1000);
    const registered = expectOk(
      await registerWebhook(context, { url: urlOf('/verify-broken'), email: 'Owner@Example.com' }, 'client-verify'),
    );
    if (registered.kind !== 'registered') throw new Error('rate limited');
    made.push(registered.subscriberId);
    expect(await verifyWebhookSubscriber(context, { http, subscriberId: registered.subscriberId, publicUrl: TEST_PUBLIC_URL })).toBe(
      'failed',
    );
    const row = await subscriberRow(registered.subscriberId);
    expect(row).toMatchObject({
      state: 'pending',
      ownerEmail: 'owner@example.com',
      lastError: 'Verification failed: The receiver answered HTTP 404: no such hook',
    });

    const notice = { subscriberId: registered.subscriberId, reason: 'verification_failed' as const, publicUrl: TEST_PUBLIC_URL };
    // The address was typed by whoever registered the URL: nothing but a confirmation link until its holder confirms.
    expect(await sendWebhookNotice(context, mailer, notice)).toBe('skipped');
    await confirmContactThroughEmail(registered.subscriberId, 'owner@example.com');

    const before = sink.received.length;
    expect(await sendWebhookNotice(context, mailer, notice)).toBe('sent');
    expect(await sendWebhookNotice(context, mailer, notice)).toBe('skipped');
    const mails = await sink.waitFor(before + 1);
    expect(mails.slice(before).map((mail) => [mail.to, mail.parsed.subject])).toEqual([
      ['owner@example.com', '[Acme] Your webhook could not be verified'],
    ]);
    // The receiver's answer is a third party's text: the email never quotes it.
    expect(mails.at(-1)!.parsed.text).not.toContain('no such hook');
    expect(mails.at(-1)!.parsed.html).not.toContain('no such hook');
  });

  it('reaches a host name through the address it vetted, and refuses it once private targets are not allowed', async () => {
    const registered = expectOk(await registerWebhook(context, { url: `https://localhost:${receiver.port}/by-name` }, 'client-name'));
    if (registered.kind !== 'registered') throw new Error('rate limited');
    made.push(registered.subscriberId);
    expect(await verifyWebhookSubscriber(context, { http, subscriberId: registered.subscriberId, publicUrl: TEST_PUBLIC_URL })).toBe(
      'activated',
    );
    expect(receiver.on('/by-name')).toHaveLength(1);
    expectOk(await setAllowPrivateWebhookTargets(context, testActor, false));
    try {
      expect(
        expectInvalid(await registerWebhook(context, { url: `https://localhost:${receiver.port}/by-name-2` }, 'client-name')).url,
      ).toMatch(/^The host localhost resolves to (127\.0\.0\.1|::1), a loopback address, which webhooks may not reach\.$/);
    } finally {
      expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
    }
  });

  it('refuses a second registration of an active URL, and replaces a pending one', async () => {
    await activeWebhook('/taken');
    expect(expectInvalid(await registerWebhook(context, { url: urlOf('/taken') }, 'client-again')).url).toMatch(/already gets webhooks/);

    receiver.answer.set('/retry-later', () => ({ status: 503 }));
    const first = expectOk(await registerWebhook(context, { url: urlOf('/retry-later') }, 'client-again'));
    const second = expectOk(await registerWebhook(context, { url: urlOf('/retry-later') }, 'client-again'));
    if (first.kind !== 'registered' || second.kind !== 'registered') throw new Error('rate limited');
    made.push(second.subscriberId);
    expect(second.signingSecret).not.toBe(first.signingSecret);
    expect(await subscriberRow(first.subscriberId)).toBeUndefined();
  });
});

describe('events', () => {
  it('announce an incident in the Statuspage envelope, signed, to the subscribers of its components only', async () => {
    const group = expectOk(await createGroup(context, testActor, { name: 'Platform' }));
    const api = await newComponent('API', { groupId: group.id });
    const web = await newComponent('Web');
    const secret = await newComponent('Secret', { hidden: true });
    const everything = await activeWebhook('/all');
    const apiOnly = await activeWebhook('/api-only', { componentIds: [api.id] });
    const webOnly = await activeWebhook('/web-only', { componentIds: [web.id] });

    clock.advance(MINUTE);
    const created = expectOk(
      await declareIncident(context, testActor, {
        title: 'API errors <script>',
        severity: 'high',
        status: 'investigating',
        message: 'We are investigating "errors".',
        components: [
          { componentId: api.id, status: 'major_outage' },
          { componentId: secret.id, status: 'major_outage' },
        ],
        notifySubscribers: false,
      }),
    );
    const keys = await fanOutAll();
    const [incidentEvent] = await eventsWhere(eq(webhookEvent.incidentId, created.id));
    // The incident, and the change of the API component; never the hidden one.
    expect(keys).toHaveLength(2);
    expect(keys).toContain(incidentEvent!.key);
    expect(keys.filter((key) => /^component_status:\d+$/.test(key))).toHaveLength(1);

    expect(await deliveryOf(webOnly.id, incidentEvent!.key)).toBeUndefined();
    for (const webhook of [everything, apiOnly]) {
      const delivery = await deliveryOf(webhook.id, incidentEvent!.key);
      expect(await sendWebhookDelivery(context, { http, deliveryId: delivery!.id, lastAttempt: false })).toBe('sent');
    }
    const [request] = receiver.on('/all').slice(-1);
    expect(verifies(everything.signingSecret, request!.headers, request!.body)).toBe(true);
    expect(receiver.on('/api-only').at(-1)!.body).not.toBe(request!.body); // each has its own unsubscribe link
    const body = JSON.parse(request!.body);
    expect(Object.keys(body)).toEqual(['meta', 'page', 'incident']);
    expect(body.meta).toEqual({
      unsubscribe: `${TEST_PUBLIC_URL}/webhooks/unsubscribe/${everything.unsubscribeToken}`,
      documentation: `${TEST_PUBLIC_URL}/subscribe?via=webhook#webhook-format`,
      generated_at: clock.now().toISOString(),
    });
    expect(body.page).toEqual({ id: expect.any(String), status_indicator: 'major', status_description: 'Partial System Outage' });
    expect(Object.keys(body.incident)).toEqual([
      'id',
      'name',
      'status',
      'created_at',
      'updated_at',
      'monitoring_at',
      'resolved_at',
      'impact',
      'shortlink',
      'started_at',
      'page_id',
      'incident_updates',
      'components',
    ]);
    expect(body.incident).toMatchObject({
      id: created.id,
      name: 'API errors <script>',
      status: 'investigating',
      impact: 'major',
      shortlink: `${TEST_PUBLIC_URL}/incidents/${created.id}`,
    });
    expect(body.incident.components.map((item: { id: string }) => item.id)).toEqual([api.id]);
    expect(body.incident.incident_updates[0]).toMatchObject({
      body: 'We are investigating "errors".',
      deliver_notifications: false,
      affected_components: [{ code: api.id, name: 'API', old_status: 'operational', new_status: 'major_outage' }],
    });

    // The component change: its own envelope, to those who chose the API or everything.
    const componentKey = keys.find((key) => key.startsWith('component_status:'))!;
    expect(await deliveryOf(webOnly.id, componentKey)).toBeUndefined();
    const delivery = await deliveryOf(apiOnly.id, componentKey);
    expect(await sendWebhookDelivery(context, { http, deliveryId: delivery!.id, lastAttempt: false })).toBe('sent');
    const change = JSON.parse(receiver.on('/api-only').at(-1)!.body);
    expect(Object.keys(change)).toEqual(['meta', 'page', 'component_update', 'component']);
    expect(change.component_update).toEqual({
      created_at: expect.any(String),
      new_status: 'major_outage',
      old_status: 'operational',
      id: expect.any(String),
      component_id: api.id,
    });
    expect(change.component).toMatchObject({ id: api.id, name: 'API', status: 'major_outage', group_id: group.id, group: false });

    // A later update, emailed or not, is announced too; a rename is not a status change.
    clock.advance(MINUTE);
    expectOk(
      await postIncidentUpdate(context, testActor, created.id, {
        status: 'resolved',
        message: 'Fixed.',
        components: [{ componentId: api.id, status: 'operational' }],
        notifySubscribers: false,
      }),
    );
    const later = await fanOutAll();
    expect(later).toHaveLength(2);
    const resolved = await deliveryOf(
      everything.id,
      later.find((key) => key.startsWith('incident_update:'))!,
    );
    expect(JSON.parse(resolved!.body).incident).toMatchObject({ status: 'resolved', resolved_at: clock.now().toISOString() });
    expect(JSON.parse(resolved!.body).page).toMatchObject({ status_indicator: 'none', status_description: 'All Systems Operational' });
  });

  it('announce a maintenance in the incident envelope, with impact maintenance and its window', async () => {
    const database = await newComponent('Database');
    const webhook = await activeWebhook('/maintenance', { componentIds: [database.id] });
    const start = new Date(clock.now().getTime() + DAY);
    const end = new Date(start.getTime() + 2 * HOUR);
    const [row] = expectOk(
      await scheduleMaintenance(context, testActor, {
        title: 'Database upgrade',
        description: 'The database is upgraded.',
        components: [database.id],
        startsAt: start.toISOString().slice(0, 16),
        endsAt: end.toISOString().slice(0, 16),
        timeZone: 'UTC',
      }),
    );
    const [key] = await fanOutAll();
    expect(key).toMatch(/^maintenance_update:/);
    const delivery = await deliveryOf(webhook.id, key!);
    expect(await sendWebhookDelivery(context, { http, deliveryId: delivery!.id, lastAttempt: false })).toBe('sent');
    const body = JSON.parse(receiver.on('/maintenance').at(-1)!.body);
    expect(Object.keys(body)).toEqual(['meta', 'page', 'incident']);
    expect(body.incident).toMatchObject({
      id: row!.id,
      name: 'Database upgrade',
      status: 'scheduled',
      impact: 'maintenance',
      scheduled_for: new Date(start.setSeconds(0, 0)).toISOString(),
      scheduled_until: new Date(end.setSeconds(0, 0)).toISOString(),
      shortlink: `${TEST_PUBLIC_URL}/maintenance/${row!.id}`,
    });
    expect(body.incident.components.map((item: { id: string }) => item.id)).toEqual([database.id]);
  });
});

describe('sending', () => {
  /** A fresh component whose every status change reaches only `webhook` (it chose it alone). */
  async function changeFor(name: string, webhookPath: string, email?: string) {
    const component = await newComponent(name);
    const webhook = await activeWebhook(webhookPath, { componentIds: [component.id], email });
    let status: 'operational' | 'major_outage' = 'operational';
    return {
      webhook,
      component,
      /** Changes the component's status and fans the event out: the webhook's new delivery. */
      next: async () => {
        status = status === 'operational' ? 'major_outage' : 'operational';
        clock.advance(1000);
        expectOk(await setComponentStatus(context, testActor, component.id, { status }));
        const keys = await fanOutAll();
        const delivery = await deliveryOf(
          webhook.id,
          keys.find((key) => key.startsWith('component_status:'))!,
        );
        return delivery!;
      },
    };
  }

  it('counts a redirect as a failure and does not follow it', async () => {
    const { next } = await changeFor('Moved', '/moved');
    receiver.answer.set('/moved', () => ({ status: 302, headers: { Location: '/moved-here' } }));
    const delivery = await next();
    expect(await sendWebhookDelivery(context, { http, deliveryId: delivery.id, lastAttempt: false })).toBe('retrying');
    expect(await deliveryOf(delivery.subscriberId, delivery.eventKey)).toMatchObject({
      state: 'queued',
      attempts: 1,
      lastStatusCode: 302,
      lastError: 'The receiver answered HTTP 302, a redirect (Herald does not follow redirects: give the final URL).',
    });
    expect(receiver.on('/moved-here')).toEqual([]);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const { next } = await changeFor('Slow', '/slow');
    receiver.answer.set('/slow', () => ({ status: 200, delayMs: 3_000 }));
    const delivery = await next();
    const impatient = guardedHttpClient({ ca: receiverCa, timeoutMs: 500 });
    expect(await sendWebhookDelivery(context, { http: impatient, deliveryId: delivery.id, lastAttempt: true })).toBe('failed');
    expect(await deliveryOf(delivery.subscriberId, delivery.eventKey)).toMatchObject({
      state: 'failed',
      lastStatusCode: null,
      lastError: 'No answer within 0.5 s.',
    });
  });

  it('never sends a delivery twice: not when its job runs again, not after a worker died mid-send', async () => {
    const { webhook, next } = await changeFor('Twice', '/twice');
    const first = await next();
    expect(await sendWebhookDelivery(context, { http, deliveryId: first.id, lastAttempt: false })).toBe('sent');
    expect(await sendWebhookDelivery(context, { http, deliveryId: first.id, lastAttempt: false })).toBe('skipped');
    // Fanning the event out again makes no second delivery.
    await fanOutWebhookEvent(context, { eventId: first.eventId, publicUrl: TEST_PUBLIC_URL });
    expect(await handle.db.select().from(webhookDelivery).where(eq(webhookDelivery.eventId, first.eventId))).toHaveLength(1);
    expect(receiver.on('/twice')).toHaveLength(2); // the verification and the one delivery

    // A worker claims the next one and dies with the request in flight; the job's retry finds
    // it still `sending` and gives it up instead of sending it again.
    receiver.answer.set('/twice', () => ({ status: 200, delayMs: 1_500 }));
    const second = await next();
    const inFlight = sendWebhookDelivery(context, { http, deliveryId: second.id, lastAttempt: false });
    await waitUntil('the delivery to be claimed', async () => (await deliveryOf(webhook.id, second.eventKey))?.state === 'sending');
    expect(await sendWebhookDelivery(context, { http, deliveryId: second.id, lastAttempt: false })).toBe('failed');
    expect(await inFlight).toBe('sent');
    receiver.answer.delete('/twice');
    expect(receiver.on('/twice')).toHaveLength(3);
    const after = await deliveryOf(webhook.id, second.eventKey);
    expect(after!.attempts).toBe(1);

    // The same, with the worker gone for good: nothing more is sent.
    const third = await next();
    await handle.db.update(webhookDelivery).set({ state: 'sending', attempts: 1 }).where(eq(webhookDelivery.id, third.id));
    expect(await sendWebhookDelivery(context, { http, deliveryId: third.id, lastAttempt: false })).toBe('failed');
    expect(await deliveryOf(webhook.id, third.eventKey)).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/not resent/) });
    expect(receiver.on('/twice')).toHaveLength(3);
  });

  it(`disables a webhook after ${MAX_CONSECUTIVE_FAILURES} failed deliveries in a row and emails its owner once`, async () => {
    const { webhook, component, next } = await changeFor('Dying', '/dying', 'ops@example.com');
    receiver.answer.set('/dying', () => ({ status: 500, body: 'boom' }));
    // A success in between starts the count again.
    for (let round = 0; round < MAX_CONSECUTIVE_FAILURES - 1; round += 1) {
      expect(await sendWebhookDelivery(context, { http, deliveryId: (await next()).id, lastAttempt: true })).toBe('failed');
    }
    expect(await subscriberRow(webhook.id)).toMatchObject({ state: 'active', consecutiveFailures: MAX_CONSECUTIVE_FAILURES - 1 });
    receiver.answer.delete('/dying');
    expect(await sendWebhookDelivery(context, { http, deliveryId: (await next()).id, lastAttempt: true })).toBe('sent');
    expect(await subscriberRow(webhook.id)).toMatchObject({ state: 'active', consecutiveFailures: 0 });

    receiver.answer.set('/dying', () => ({ status: 500, body: 'boom' }));
    for (let round = 0; round < MAX_CONSECUTIVE_FAILURES; round += 1) {
      expect(await sendWebhookDelivery(context, { http, deliveryId: (await next()).id, lastAttempt: true })).toBe('failed');
    }
    const disabled = await subscriberRow(webhook.id);
    expect(disabled).toMatchObject({
      state: 'disabled',
      consecutiveFailures: MAX_CONSECUTIVE_FAILURES,
      disabledReason: expect.stringContaining('HTTP 500: boom'),
    });

    // Disabled: a later change reaches it no more.
    const requests = receiver.on('/dying').length;
    clock.advance(1000);
    expectOk(await setComponentStatus(context, testActor, component.id, { status: 'partial_outage' }));
    await fanOutAll();
    expect(
      await handle.db
        .select()
        .from(webhookDelivery)
        .where(and(eq(webhookDelivery.subscriberId, webhook.id), eq(webhookDelivery.state, 'queued'))),
    ).toEqual([]);

    await confirmContactThroughEmail(webhook.id, 'ops@example.com');
    const before = sink.received.length;
    const notice = { subscriberId: webhook.id, reason: 'disabled' as const, publicUrl: TEST_PUBLIC_URL };
    expect(await sendWebhookNotice(context, mailer, notice)).toBe('sent');
    expect(await sendWebhookNotice(context, mailer, notice)).toBe('skipped');
    const mails = await sink.waitFor(before + 1);
    expect(mails.slice(before).map((mail) => [mail.to, mail.parsed.subject])).toEqual([
      ['ops@example.com', '[Acme] Your webhook was disabled'],
    ]);
    expect(mails.at(-1)!.parsed.text).not.toContain('boom');
    expect(receiver.on('/dying')).toHaveLength(requests);
  });
});

describe('unsubscribe', () => {
  it('removes the webhook named by the link in every POST, and nothing else', async () => {
    const keep = await activeWebhook('/keep');
    const leave = await activeWebhook('/leave');
    expect(await findWebhookByToken(handle.db, `${leave.id}.${'a'.repeat(24)}`)).toBeNull();
    expect(await findWebhookByToken(handle.db, 'not a token')).toBeNull();
    expect((await findWebhookByToken(handle.db, leave.unsubscribeToken))?.id).toBe(leave.id);
    expect(await removeWebhookWithToken(context, leave.unsubscribeToken)).toBe(true);
    expect(await removeWebhookWithToken(context, leave.unsubscribeToken)).toBe(false);
    expect(await subscriberRow(leave.id)).toBeUndefined();
    expect(await subscriberRow(keep.id)).toMatchObject({ state: 'active' });
  });
});

describe('through the job workers', () => {
  beforeAll(async () => {
    // The tests above ran the handlers themselves: the jobs their services queued are done.
    await handle.db.execute(sql`delete from pgboss.job where name like 'webhook-%'`);
    workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock, http });
  });

  it('verify a new webhook, then deliver a component change queued by a status change', async () => {
    clock.advance(1000);
    const registered = expectOk(await registerWebhook(context, { url: urlOf('/worker') }, 'client-worker'));
    if (registered.kind !== 'registered') throw new Error('rate limited');
    made.push(registered.subscriberId);
    await waitUntil('the webhook to be verified', async () => (await subscriberRow(registered.subscriberId))?.state === 'active');

    const component = await newComponent('Worked');
    clock.advance(1000);
    expectOk(await setComponentStatus(context, testActor, component.id, { status: 'partial_outage' }));
    const [request] = await waitUntil('the component webhook', () => {
      const found = receiver.on('/worker').filter((item) => item.body.includes('"component_update"'));
      return found.length > 0 ? found : undefined;
    });
    expect(verifies(registered.signingSecret, request!.headers, request!.body)).toBe(true);
    expect(JSON.parse(request!.body).component_update).toMatchObject({
      component_id: component.id,
      old_status: 'operational',
      new_status: 'partial_outage',
    });
  });

  it('retry a 500 with backoff until it is accepted, sending the same signed body', async () => {
    const component = await newComponent('Flaky');
    const webhook = await activeWebhook('/flaky', { componentIds: [component.id] });
    receiver.answer.set('/flaky', (_request, count) => ({ status: count <= 2 ? 500 : 204 }));
    clock.advance(1000);
    expectOk(await setComponentStatus(context, testActor, component.id, { status: 'degraded_performance' }));
    const [event] = await waitUntil('the event', async () => {
      const rows = await eventsWhere(eq(webhookEvent.componentId, component.id));
      return rows.length > 0 ? rows : undefined;
    });
    const sent = await waitUntil('the delivery to be sent', async () => {
      const row = await deliveryOf(webhook.id, event!.key);
      return row?.state === 'sent' ? row : undefined;
    });
    expect(sent).toMatchObject({ attempts: 2, lastStatusCode: 204, lastError: null });
    const [failedOnce, accepted] = receiver.on('/flaky').slice(1);
    expect(accepted!.body).toBe(failedOnce!.body);
    expect(verifies(webhook.signingSecret, accepted!.headers, accepted!.body)).toBe(true);
  });
});
