import type { ComponentStatus, Severity } from '../../domain/statuses';
import type { Clock } from '../clock';
import { createComponent, createGroup, listComponentTree } from '../services/components/catalog';
import type { Actor, ServiceContext } from '../services/kernel/context';
import type { ServiceResult } from '../services/kernel/errors';
import { declareIncident, postIncidentUpdate } from '../services/incidents/incident-commands';
import { scheduleMaintenance } from '../services/maintenance/maintenance-schedule-commands';
import { updatePageSettings } from '../services/settings/page-settings';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const catalogue: { group: string | null; description?: string; components: { name: string; description: string }[] }[] = [
  {
    group: null,
    components: [
      { name: 'Website', description: 'Marketing site and documentation.' },
      { name: 'Dashboard', description: 'The web app customers sign in to.' },
    ],
  },
  {
    group: 'API',
    description: 'Public REST and streaming APIs.',
    components: [
      { name: 'REST API', description: 'api.example.com, all versions.' },
      { name: 'Streaming API', description: 'WebSocket event streams.' },
      { name: 'Webhooks', description: 'Outgoing event deliveries to customer endpoints.' },
    ],
  },
  {
    group: 'Payments',
    components: [
      { name: 'Card processing', description: 'Authorisations and captures.' },
      { name: 'Payouts', description: 'Transfers to connected accounts.' },
    ],
  },
  {
    group: 'Infrastructure',
    components: [
      { name: 'Primary database', description: 'Customer data store.' },
      { name: 'CDN', description: 'Static assets and file downloads.' },
      { name: 'Object storage', description: 'Uploads and exports.' },
    ],
  },
  {
    group: 'Notifications',
    components: [
      { name: 'Email delivery', description: 'Transactional email.' },
      { name: 'SMS', description: 'Text message alerts.' },
    ],
  },
];

interface Scenario {
  daysAgo: number;
  hour: number;
  title: string;
  severity: Severity;
  components: Record<string, ComponentStatus>;
  /** Minutes after the start at which each later update is posted, with its status and text. */
  updates: { after: number; status: 'identified' | 'monitoring' | 'resolved'; body: string }[];
  first: string;
}

const scenarios: Scenario[] = [
  {
    daysAgo: 86,
    hour: 9,
    title: 'Elevated API error rates',
    severity: 'high',
    components: { 'REST API': 'partial_outage' },
    first: 'We are investigating elevated 5xx error rates on the REST API.',
    updates: [
      { after: 18, status: 'identified', body: 'A faulty deploy was identified and is being rolled back.' },
      { after: 41, status: 'monitoring', body: 'The rollback is complete. Error rates are back to normal; we are monitoring.' },
      { after: 75, status: 'resolved', body: 'This incident has been resolved.' },
    ],
  },
  {
    daysAgo: 79,
    hour: 14,
    title: 'Delayed webhook deliveries',
    severity: 'medium',
    components: { Webhooks: 'degraded_performance' },
    first: 'Webhook deliveries are delayed by up to 10 minutes.',
    updates: [
      { after: 35, status: 'identified', body: 'A queue consumer was under-provisioned. We have added capacity.' },
      { after: 95, status: 'resolved', body: 'The backlog is drained and deliveries are on time.' },
    ],
  },
  {
    daysAgo: 71,
    hour: 2,
    title: 'Database failover',
    severity: 'critical',
    components: { 'Primary database': 'major_outage', Dashboard: 'major_outage', 'REST API': 'major_outage' },
    first: 'The dashboard and API are unavailable. We are investigating.',
    updates: [
      { after: 9, status: 'identified', body: 'The primary database host failed. Failover to the replica is in progress.' },
      { after: 27, status: 'monitoring', body: 'Failover completed. Services are recovering.' },
      { after: 62, status: 'resolved', body: 'All services are operating normally. A post-mortem will follow.' },
    ],
  },
  {
    daysAgo: 63,
    hour: 16,
    title: 'Slow dashboard page loads',
    severity: 'medium',
    components: { Dashboard: 'degraded_performance', CDN: 'degraded_performance' },
    first: 'Some customers see slow page loads in the dashboard.',
    updates: [{ after: 50, status: 'resolved', body: 'Our CDN provider fixed a routing issue in Europe.' }],
  },
  {
    daysAgo: 55,
    hour: 11,
    title: 'Card authorisations failing for some issuers',
    severity: 'critical',
    components: { 'Card processing': 'partial_outage' },
    first: 'A share of card authorisations are being declined with a processing error.',
    updates: [
      { after: 22, status: 'identified', body: 'An upstream acquirer is returning errors. We are routing around it.' },
      { after: 48, status: 'monitoring', body: 'Traffic has been rerouted; authorisation rates are recovering.' },
      { after: 130, status: 'resolved', body: 'Authorisation rates are back to normal.' },
    ],
  },
  {
    daysAgo: 47,
    hour: 20,
    title: 'SMS delivery delays in North America',
    severity: 'low',
    components: { SMS: 'degraded_performance' },
    first: 'Text messages to North American numbers are delayed.',
    updates: [{ after: 140, status: 'resolved', body: 'Our carrier resolved the delays.' }],
  },
  {
    daysAgo: 38,
    hour: 7,
    title: 'Streaming API disconnections',
    severity: 'high',
    components: { 'Streaming API': 'partial_outage' },
    first: 'Streaming connections are dropping every few minutes.',
    updates: [
      { after: 30, status: 'identified', body: 'A load balancer setting was changed in error and has been reverted.' },
      { after: 70, status: 'resolved', body: 'Connections are stable again.' },
    ],
  },
  {
    daysAgo: 29,
    hour: 13,
    title: 'Export downloads failing',
    severity: 'medium',
    components: { 'Object storage': 'partial_outage' },
    first: 'Downloading exports fails with an error for some customers.',
    updates: [
      { after: 45, status: 'monitoring', body: 'A fix is deployed; we are monitoring.' },
      { after: 90, status: 'resolved', body: 'Exports download normally.' },
    ],
  },
  {
    daysAgo: 21,
    hour: 10,
    title: 'Email delivery delayed',
    severity: 'medium',
    components: { 'Email delivery': 'degraded_performance' },
    first: 'Transactional emails are arriving up to 20 minutes late.',
    updates: [{ after: 60, status: 'resolved', body: 'The mail queue is clear and delivery times are normal.' }],
  },
  {
    daysAgo: 14,
    hour: 15,
    title: 'Payouts delayed',
    severity: 'high',
    components: { Payouts: 'partial_outage' },
    first: 'Scheduled payouts have not been sent today.',
    updates: [
      { after: 55, status: 'identified', body: 'A batch job failed; we are re-running it.' },
      { after: 180, status: 'resolved', body: 'All payouts have been sent.' },
    ],
  },
  {
    daysAgo: 8,
    hour: 3,
    title: 'Website unavailable',
    severity: 'high',
    components: { Website: 'major_outage' },
    first: 'The website is not loading.',
    updates: [{ after: 12, status: 'resolved', body: 'An expired certificate was renewed; the site is back.' }],
  },
  {
    daysAgo: 3,
    hour: 12,
    title: 'Increased API latency',
    severity: 'medium',
    components: { 'REST API': 'degraded_performance' },
    first: 'API responses are slower than usual.',
    updates: [
      { after: 25, status: 'identified', body: 'A slow database query was found and an index is being added.' },
      { after: 65, status: 'resolved', body: 'Latency is back to normal.' },
    ],
  },
];

/** A clock the seed moves through the past, so every record gets a realistic time. */
class SeedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(time: Date): void {
    this.current = time;
  }
}

function unwrap<T>(result: ServiceResult<T>): T {
  if (!result.ok)
    throw new Error(
      `demo seed failed: ${result.failure.message} ${JSON.stringify('fieldErrors' in result.failure ? result.failure.fieldErrors : {})}`,
    );
  return result.value;
}

/**
 * Loads a realistic demo page into an empty database: groups, a dozen components, ninety days
 * of past incidents and one open incident. Refuses when components already exist.
 */
/** The id of a component the catalogue created; the scenarios name only those. */
function componentId(ids: Map<string, string>, name: string): string {
  const id = ids.get(name);
  if (!id) throw new Error(`The demo seed names a component its catalogue does not create: ${name}.`);
  return id;
}

export async function seedDemo(
  base: ServiceContext,
  actor: Actor,
): Promise<{ components: number; incidents: number; maintenances: number }> {
  const now = base.clock.now();
  const clock = new SeedClock(new Date(now.getTime() - 91 * DAY));
  const context: ServiceContext = { ...base, clock };
  const existing = await listComponentTree(context);
  if (existing.ungrouped.length > 0 || existing.groups.length > 0) {
    throw new Error('This page already has components: the demo seed only loads into an empty page.');
  }

  unwrap(
    await updatePageSettings(context, actor, { name: 'Acme Cloud', description: 'Live status of Acme Cloud services.', timeZone: 'UTC' }),
  );
  const ids = new Map<string, string>();
  for (const section of catalogue) {
    const group = section.group
      ? unwrap(await createGroup(context, actor, { name: section.group, description: section.description ?? null }))
      : null;
    for (const item of section.components) {
      const created = unwrap(await createComponent(context, actor, { ...item, groupId: group?.id ?? null }));
      ids.set(item.name, created.id);
    }
  }

  for (const scenario of scenarios) {
    const day = new Date(now.getTime() - scenario.daysAgo * DAY);
    const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), scenario.hour, 7));
    clock.set(start);
    const incident = unwrap(
      await declareIncident(context, actor, {
        title: scenario.title,
        severity: scenario.severity,
        status: 'investigating',
        message: scenario.first,
        notifySubscribers: false,
        components: Object.entries(scenario.components).map(([name, status]) => ({ componentId: componentId(ids, name), status })),
      }),
    );
    for (const update of scenario.updates) {
      clock.set(new Date(start.getTime() + update.after * 60_000));
      unwrap(
        await postIncidentUpdate(context, actor, incident.id, { status: update.status, message: update.body, notifySubscribers: false }),
      );
    }
  }

  clock.set(new Date(now.getTime() - 40 * 60_000));
  const open = unwrap(
    await declareIncident(context, actor, {
      title: 'Webhook deliveries delayed',
      severity: 'medium',
      status: 'investigating',
      message: 'Some webhook deliveries are delayed by several minutes. We are investigating.',
      notifySubscribers: false,
      components: [{ componentId: componentId(ids, 'Webhooks'), status: 'degraded_performance' }],
    }),
  );
  clock.set(new Date(now.getTime() - 15 * 60_000));
  unwrap(
    await postIncidentUpdate(context, actor, open.id, {
      status: 'identified',
      message: 'A slow downstream queue was identified. We are adding workers.',
      notifySubscribers: false,
      components: [{ componentId: componentId(ids, 'Webhooks'), status: 'degraded_performance' }],
    }),
  );

  clock.set(now);
  const maintenances = await seedMaintenance(context, actor, ids, now);
  return { components: ids.size, incidents: scenarios.length + 1, maintenances };
}

/** A UTC wall-clock value for the maintenance forms, `days` from now at `hour`:00. */
function localAt(now: Date, days: number, hour: number): string {
  const day = new Date(now.getTime() + days * DAY);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour)).toISOString().slice(0, 16);
}

/** A finished window in the history and an announced one in two days; nobody is emailed. */
async function seedMaintenance(context: ServiceContext, actor: Actor, ids: Map<string, string>, now: Date): Promise<number> {
  const quiet = { notifySubscribers: false, timeZone: 'UTC' };
  unwrap(
    await scheduleMaintenance(context, actor, {
      ...quiet,
      title: 'Primary database upgrade',
      description: 'We upgraded the primary database to a new major version. The dashboard was read-only for a few minutes.',
      components: [componentId(ids, 'Primary database'), componentId(ids, 'Dashboard')],
      startsAt: localAt(now, -12, 2),
      endsAt: localAt(now, -12, 3),
      backfill: true,
    }),
  );
  unwrap(
    await scheduleMaintenance(context, actor, {
      ...quiet,
      title: 'CDN certificate rotation',
      description: 'We will rotate the CDN certificates. Downloads may be slow for a few seconds while edges reload.',
      components: [componentId(ids, 'CDN')],
      startsAt: localAt(now, 2, 4),
      endsAt: localAt(now, 2, 5),
    }),
  );
  return 2;
}
