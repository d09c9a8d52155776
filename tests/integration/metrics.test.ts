/**
 * /metrics after real traffic and real jobs: requests through the public edge (in front of a
 * stand-in site, composed with the metrics listener as scripts/server.ts does), the job queue
 * read at scrape time, and the worker of worker.ts sending a customer email late and starting a
 * maintenance window late, by the fake clock, through a real SMTP server. A scrape without the
 * bearer token learns nothing.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/lib/server/config';
import { delivery, incident, incidentUpdate, maintenance, type ComponentRow, type IncidentRow } from '../../src/lib/server/db/schema';
import { createPublicEdge, type PublicEdge } from '../../src/lib/server/edge/public-edge';
import { PUBLIC_PAGE_CACHE_CONTROL } from '../../src/lib/server/http';
import { withMetrics } from '../../src/lib/server/metrics/instrumented-listener';
import { startMetricsServer } from '../../src/lib/server/metrics/metrics-server';
import type { MetricsSources } from '../../src/lib/server/metrics/state-sampler';
import { invalidatePublicReads } from '../../src/lib/server/public-cache';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { expectOk, MINUTE, testActor } from '../support/factories';
import { startMailWorkers, waitForNotificationSettled, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';
import { waitUntil } from '../support/wait';

const TOKEN = 'metrics-token-for-tests-0123456789abcdef';
/** Half an hour ago by the real clock, on a whole minute: jobs due by the fake clock are due for pg-boss too. */
const T0 = new Date(Math.floor((Date.now() - 30 * MINUTE) / MINUTE) * MINUTE);
const READER = 'reader@example.com';
const REFUSED = 'refused@example.com';

// No retries: a refused message fails at once.
const { clock, handle, context } = useTestContext({
  start: T0,
  queueSettings: { retryLimit: 0, retryDelaySeconds: 1, expireInSeconds: 5 },
});
let sink: SmtpSink;
let workers: MailWorkers | undefined;
let edge: PublicEdge;
const servers: http.Server[] = [];
const directories: string[] = [];
/** The main port with METRICS_TOKEN set, and one without it. */
let base: string;
let baseWithoutToken: string;
let databaseDown = false;

const sources: MetricsSources = {
  executor: () => Promise.resolve(handle.executor),
  databaseReady: async () => {
    if (databaseDown) return false;
    await handle.db.execute(sql`select 1`);
    return true;
  },
  pool: { driver: 'pglite', size: 1 },
};

const site = { failing: false };

/** The site behind the edge: public pages kept, the admin no-store, unknown paths 404. */
function standIn(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  if (site.failing) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('down');
    return;
  }
  const known = url === '/' || url.startsWith('/admin') || url.startsWith('/api/') || url === '/healthz';
  const status = !known ? 404 : url.startsWith('/api/admin') ? 401 : url.startsWith('/api/intake') ? 202 : 200;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': url === '/' ? PUBLIC_PAGE_CACHE_CONTROL : 'no-store',
  });
  res.end(`<p>${url}</p>`);
}

function temporaryDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-metrics-'));
  directories.push(directory);
  return directory;
}

async function listen(listener: http.RequestListener): Promise<string> {
  const server = http.createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  sink = await startSmtpSink({ reject: (recipient) => recipient === REFUSED });
  const clientDirectory = temporaryDirectory();
  fs.mkdirSync(path.join(clientDirectory, '_astro'));
  fs.writeFileSync(path.join(clientDirectory, '_astro', 'site.abc123.css'), 'body { color: black; }\n');
  edge = await createPublicEdge({
    site: standIn,
    clientDirectory,
    dataDirectory: temporaryDirectory(),
    publicHost: 'status.example.com',
    log: pino({ level: 'silent' }),
    now: () => clock.now().getTime(),
    readBudgetMs: 500,
  });
  base = await listen(withMetrics(edge.listener, { token: TOKEN, sources }));
  baseWithoutToken = await listen(withMetrics(edge.listener, { token: undefined, sources }));
});

afterAll(async () => {
  await workers?.stop();
  await (sink as SmtpSink | undefined)?.close();
  edge.stop();
  for (const server of servers) server.close();
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

/** One sample of the scrape: a metric's name, its labels, its value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseScrape(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key = '', value = ''] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(): Promise<Sample[]> {
  const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseScrape(await response.text());
}

/** The value of one series (0 when the scrape does not hold it). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return found?.value ?? 0;
}

describe('who may scrape', () => {
  it('answers 401 and no figure without the token or with a wrong one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-of-the-same-sort-0123456789' },
      { authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${base}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="Herald metrics"');
      const body = await response.text();
      expect(body).not.toContain('herald_');
      expect(body).toContain('METRICS_TOKEN');
    }
  });

  it('has no /metrics on the main port without METRICS_TOKEN: the site answers 404', async () => {
    const response = await fetch(`${baseWithoutToken}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('herald_');
  });

  it('serves only /metrics on METRICS_PORT, at 127.0.0.1, and asks for the token there too when one is set', async () => {
    const open = await startMetricsServer(0, { token: undefined, sources });
    const guarded = await startMetricsServer(0, { token: TOKEN, sources });
    servers.push(open, guarded);
    const address = (server: http.Server) => server.address() as AddressInfo;
    expect(address(open).address).toBe('127.0.0.1');
    const local = `http://127.0.0.1:${address(open).port}`;
    expect((await fetch(`${local}/metrics`)).status).toBe(200);
    expect((await fetch(`${local}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${address(guarded).port}/metrics`)).status).toBe(401);
  });
});

describe('requests and the public edge', () => {
  it('counts requests by route kind and status, with their latency, and how the edge answered', async () => {
    const before = await scrape();
    const get = async (url: string, init: RequestInit = {}) => (await fetch(`${base}${url}`, init)).status;
    expect(await get('/')).toBe(200); // rendered: a miss
    expect(await get('/')).toBe(200); // kept: a hit
    site.failing = true;
    invalidatePublicReads();
    expect(await get('/')).toBe(200); // the render fails: the kept answer, stale
    site.failing = false;
    expect(await get('/admin/incidents')).toBe(200);
    expect(await get('/api/admin/v1/components')).toBe(401);
    expect(await get('/api/intake/alertmanager', { method: 'POST', body: '{}' })).toBe(202);
    expect(await get('/_astro/site.abc123.css')).toBe(200);
    expect(await get('/healthz')).toBe(200);
    expect(await get('/no-such-page')).toBe(404);
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(moved('herald_http_requests_total', { kind: 'public', status: '200' })).toBe(3);
    expect(moved('herald_http_requests_total', { kind: 'admin', status: '200' })).toBe(1);
    expect(moved('herald_http_requests_total', { kind: 'api', status: '401' })).toBe(1);
    expect(moved('herald_http_requests_total', { kind: 'intake', status: '202' })).toBe(1);
    expect(moved('herald_http_requests_total', { kind: 'assets', status: '200' })).toBe(1);
    expect(moved('herald_http_requests_total', { kind: 'probes', status: '200' })).toBe(1);
    expect(moved('herald_http_requests_total', { kind: 'other', status: '404' })).toBe(1);
    // The scrape before this one was counted too, once it was answered.
    expect(moved('herald_http_requests_total', { kind: 'metrics', status: '200' })).toBe(1);
    expect(moved('herald_http_request_duration_seconds_count', { kind: 'public' })).toBe(3);
    expect(moved('herald_http_request_duration_seconds_bucket', { kind: 'public', le: '+Inf' })).toBe(3);

    expect(moved('herald_public_cache_requests_total', { outcome: 'miss' })).toBe(1);
    expect(moved('herald_public_cache_requests_total', { outcome: 'hit' })).toBe(1);
    expect(moved('herald_public_cache_requests_total', { outcome: 'stale' })).toBe(1);
    // The admin page, the management API, the health probe and the unknown page: rendered for each request.
    expect(moved('herald_public_cache_requests_total', { outcome: 'uncacheable' })).toBe(4);
    // Never a URL in a label.
    expect(after.some((sample) => Object.values(sample.labels).some((value) => value.includes('/')))).toBe(false);
  });
});

describe('the queue, the database and the jobs', () => {
  let outage: IncidentRow;
  let api: ComponentRow;
  let maintenanceId: string;

  beforeAll(async () => {
    expectOk(await updatePageSettings(context, testActor, { name: 'Acme Cloud', description: '', timeZone: 'UTC' }));
    api = expectOk(await createComponent(context, testActor, { name: 'API' }));
    for (const email of [READER, REFUSED]) expectOk(await addSubscriberByAdmin(context, testActor, { email, componentIds: [] }));
    // An outage: its customer email is due five minutes in, by a job that waits for then.
    outage = expectOk(
      await declareIncident(context, testActor, {
        title: 'Errors on the API',
        severity: 'high',
        status: 'investigating',
        message: 'We are looking into errors on the API.',
        components: [{ componentId: api.id, status: 'partial_outage' }],
        notifySubscribers: false,
        signals: ['partial_error_rate_above_5'],
      }),
    );
    const start = new Date(T0.getTime() + 10 * MINUTE);
    const [window] = expectOk(
      await scheduleMaintenance(context, testActor, {
        title: 'Database upgrade',
        description: 'We are upgrading the primary database.',
        components: [api.id],
        startsAt: start.toISOString().slice(0, 16),
        // Its end is still ahead by the real clock, so pg-boss leaves that job waiting.
        endsAt: new Date(T0.getTime() + 60 * MINUTE).toISOString().slice(0, 16),
        timeZone: 'UTC',
        notifySubscribers: false,
      }),
    );
    maintenanceId = window!.id;
  });

  it('reports the waiting jobs per queue, how long the oldest has waited, and the database', async () => {
    const [row] = await handle.db.select().from(incident).where(eq(incident.id, outage.id));
    expect(row?.customerEmailState).toBe('scheduled');
    const samples = await scrape();
    expect(valueOf(samples, 'herald_queue_waiting_jobs', { queue: 'customer-email' })).toBe(1);
    expect(valueOf(samples, 'herald_queue_waiting_jobs', { queue: 'maintenance-transition' })).toBe(1);
    expect(valueOf(samples, 'herald_queue_waiting_jobs', { queue: 'retention' })).toBe(0);
    // Due 25 minutes ago by the real clock and never taken: what the "customer email late" alert reads.
    expect(valueOf(samples, 'herald_queue_oldest_waiting_seconds', { queue: 'customer-email' })).toBeGreaterThan(60);
    expect(valueOf(samples, 'herald_queue_oldest_waiting_seconds', { queue: 'retention' })).toBe(0);
    expect(valueOf(samples, 'herald_database_up')).toBe(1);
    expect(samples.some((sample) => sample.name === 'herald_database_probe_seconds')).toBe(true);
    expect(valueOf(samples, 'herald_database_pool_connections', { driver: 'pglite' })).toBe(1);
  });

  it('counts deliveries sent and failed, and how late the customer email and the maintenance start were', async () => {
    // Eleven minutes in: the customer email is six minutes late, the maintenance start one.
    clock.set(new Date(T0.getTime() + 11 * MINUTE));
    workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
    // The plan's reminders would ask again by the fake clock at moments pg-boss sees as past: not worked here.
    for (const name of ['update-cadence-check', 'postmortem-check', 'team-alert'] as const)
      await handle.jobs.boss.offWork(name, { wait: true });
    const { deliveries } = await waitForNotificationSettled(handle.db, await firstUpdateId(outage));
    expect(deliveries.map((item) => [item.email, item.state])).toEqual([
      [READER, 'sent'],
      [REFUSED, 'failed'],
    ]);
    await waitUntil('the maintenance to start', async () => {
      const [row] = await handle.db.select({ status: maintenance.status }).from(maintenance).where(eq(maintenance.id, maintenanceId));
      return row?.status === 'in_progress';
    });
    expect(sink.received.map((mail) => mail.to)).toEqual([READER]);

    const samples = await waitUntil('the worker to record the maintenance start', async () => {
      const taken = await scrape();
      return valueOf(taken, 'herald_maintenance_transition_lateness_seconds_count', { transition: 'start' }) === 1 && taken;
    });
    expect(valueOf(samples, 'herald_deliveries_total', { channel: 'email', outcome: 'sent' })).toBe(1);
    expect(valueOf(samples, 'herald_deliveries_total', { channel: 'email', outcome: 'failed' })).toBe(1);
    expect(valueOf(samples, 'herald_deliveries_total', { channel: 'email', outcome: 'interrupted' })).toBe(0);
    expect(valueOf(samples, 'herald_customer_email_lateness_seconds_count')).toBe(1);
    expect(valueOf(samples, 'herald_customer_email_lateness_seconds_sum')).toBe(6 * 60);
    expect(valueOf(samples, 'herald_customer_email_lateness_seconds_bucket', { le: '300' })).toBe(0);
    expect(valueOf(samples, 'herald_customer_email_lateness_seconds_bucket', { le: '900' })).toBe(1);
    expect(valueOf(samples, 'herald_maintenance_transition_lateness_seconds_sum', { transition: 'start' })).toBe(60);
    expect(valueOf(samples, 'herald_maintenance_transition_lateness_seconds_count', { transition: 'end' })).toBe(0);
    expect(valueOf(samples, 'herald_queue_waiting_jobs', { queue: 'customer-email' })).toBe(0);
  });

  it('counts a delivery its worker left mid-send as interrupted, never sent again', async () => {
    const [sent] = await handle.db.select().from(delivery).where(eq(delivery.state, 'sent'));
    if (!sent) throw new Error('no sent delivery');
    // As a worker that died between claiming it and hearing back from the server leaves it.
    await handle.db.update(delivery).set({ state: 'sending' }).where(eq(delivery.id, sent.id));
    await handle.queue.send(handle.db, 'delivery-send', { notificationId: sent.notificationId, deliveryIds: [sent.id] });
    const samples = await waitUntil('the interrupted delivery to be counted', async () => {
      const taken = await scrape();
      return valueOf(taken, 'herald_deliveries_total', { channel: 'email', outcome: 'interrupted' }) === 1 && taken;
    });
    expect(valueOf(samples, 'herald_deliveries_total', { channel: 'email', outcome: 'sent' })).toBe(1);
    expect(sink.received).toHaveLength(1);
  });

  it('says the database is down, and leaves the queue figures out, while the probe fails', async () => {
    databaseDown = true;
    try {
      const samples = await scrape();
      expect(valueOf(samples, 'herald_database_up')).toBe(0);
      expect(samples.some((sample) => sample.name === 'herald_queue_waiting_jobs')).toBe(false);
    } finally {
      databaseDown = false;
    }
    expect(valueOf(await scrape(), 'herald_database_up')).toBe(1);
  });
});

async function firstUpdateId(row: IncidentRow): Promise<string> {
  const [first] = await handle.db.select({ id: incidentUpdate.id }).from(incidentUpdate).where(eq(incidentUpdate.incidentId, row.id));
  if (!first) throw new Error('the incident has no update');
  return first.id;
}

describe('the environment', () => {
  it('refuses a short METRICS_TOKEN and a METRICS_PORT equal to PORT with one line naming the variable', () => {
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow(
      new ConfigError('Invalid environment variable METRICS_TOKEN: must be at least 32 characters'),
    );
    expect(() => parseConfig({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(
      new ConfigError('Invalid environment variable METRICS_PORT: must be another port than PORT'),
    );
    expect(parseConfig({ METRICS_TOKEN: TOKEN, METRICS_PORT: '9464' }).metrics).toEqual({ token: TOKEN, port: 9464 });
    expect(parseConfig({}).metrics).toEqual({ token: undefined, port: undefined });
  });
});
