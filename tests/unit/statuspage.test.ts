import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rollUpStatus } from '../../src/lib/domain/rollup';
import { componentStatuses, incidentStatuses, severities, type ComponentStatus, type IncidentStatus } from '../../src/lib/domain/statuses';
import { offsetMinutesAt } from '../../src/lib/domain/time-zone';
import {
  activeMaintenancesBody,
  componentsBody,
  currentStateBody,
  formatTimestamp,
  incidentsBody,
  scheduledMaintenancesBody,
  serializeComponent,
  serializeComponents,
  serializeGroup,
  serializeIncident,
  serializeIncidentUpdate,
  serializeMaintenance,
  serializePage,
  statusBody,
  summaryBody,
  unresolvedIncidentsBody,
  upcomingMaintenancesBody,
  type ComponentInput,
  type CurrentStateInput,
  type GroupInput,
  type IncidentInput,
  type IncidentUpdateInput,
  type MaintenanceInput,
  type MaintenanceUpdateInput,
  type PageInput,
  type PageRef,
  type PublicMaintenanceStatus,
} from '../../src/lib/domain/statuspage';

// ------------------------------------------------------------------------------------------------
// The contract (../shared/statuspage-api-v2.md), written out: every key, in order, with its type.

const timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/, 'ISO-8601 with milliseconds and an offset');
const utcTimestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

/** A contract object: its keys in the contract's order, each with its zod type. */
type Contract = readonly (readonly [string, z.ZodType])[];

const pageContract = [
  ['id', z.string()],
  ['name', z.string()],
  ['url', z.string().regex(/^https?:\/\/[^/]+(\/.*[^/])?$/, 'no trailing slash')],
  ['time_zone', z.string()],
  ['updated_at', timestamp],
] as const satisfies Contract;

const statusContract = [
  ['indicator', z.enum(['none', 'minor', 'major', 'critical', 'maintenance'])],
  ['description', z.string()],
] as const satisfies Contract;

const componentStatus = z.enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance']);

const componentContract = [
  ['id', z.string()],
  ['name', z.string()],
  ['status', componentStatus],
  ['created_at', timestamp],
  ['updated_at', timestamp],
  ['position', z.number().int().min(1)],
  ['description', z.string().nullable()],
  ['showcase', z.boolean()],
  [
    'start_date',
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .nullable(),
  ],
  ['group_id', z.string().nullable()],
  ['page_id', z.string()],
  ['group', z.literal(false)],
  ['only_show_if_degraded', z.boolean()],
] as const satisfies Contract;

const groupContract = [
  ...componentContract.slice(0, 11),
  ['group', z.literal(true)],
  ['only_show_if_degraded', z.boolean()],
  ['components', z.array(z.string())],
] as const satisfies Contract;

const affectedComponent = z.strictObject({ code: z.string(), name: z.string(), old_status: componentStatus, new_status: componentStatus });

function updateContract(statuses: readonly [string, ...string[]]): Contract {
  return [
    ['id', z.string()],
    ['status', z.enum(statuses)],
    ['body', z.string()],
    ['incident_id', z.string()],
    ['created_at', timestamp],
    ['updated_at', timestamp],
    ['display_at', timestamp],
    ['affected_components', z.array(affectedComponent).min(1).nullable()],
    ['deliver_notifications', z.boolean()],
    ['custom_tweet', z.null()],
    ['tweet_id', z.null()],
    // Herald's own, last: Statuspage clients ignore fields they do not know.
    ['herald_next_update_by', timestamp.nullable()],
  ];
}

const incidentStatus = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
const maintenanceStatus = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;

function incidentContract(statuses: readonly [string, ...string[]], impact: z.ZodType): Contract {
  return [
    ['id', z.string()],
    ['name', z.string()],
    ['status', z.enum(statuses)],
    ['created_at', timestamp],
    ['updated_at', timestamp],
    ['monitoring_at', timestamp.nullable()],
    ['resolved_at', timestamp.nullable()],
    ['impact', impact],
    ['shortlink', z.url()],
    ['started_at', timestamp],
    ['page_id', z.string()],
    ['incident_updates', z.array(z.unknown())],
    ['components', z.array(z.unknown())],
  ];
}

const incidentObjectContract = incidentContract(incidentStatus, z.enum(['none', 'minor', 'major', 'critical']));
const maintenanceObjectContract = [
  ...incidentContract(maintenanceStatus, z.literal('maintenance')),
  ['scheduled_for', timestamp],
  ['scheduled_until', timestamp],
] as const satisfies Contract;

/** Checks an object against a contract: exactly these keys, in this order, each of its type. */
function expectContract(value: unknown, contract: Contract, where = 'object'): void {
  expect(value, where).toBeTypeOf('object');
  expect(value, where).not.toBeNull();
  expect(Object.keys(value as object), `${where}: keys and their order`).toEqual(contract.map(([key]) => key));
  for (const [key, type] of contract) {
    const result = type.safeParse((value as Record<string, unknown>)[key]);
    expect(
      result.success,
      `${where}.${key} = ${JSON.stringify((value as Record<string, unknown>)[key])}: ${result.error?.message ?? ''}`,
    ).toBe(true);
  }
}

function expectComponent(value: unknown, where = 'component'): void {
  const isGroup = (value as { group?: unknown }).group === true;
  expectContract(value, isGroup ? groupContract : componentContract, where);
}

function expectIncident(value: unknown, where = 'incident'): void {
  expectContract(value, incidentObjectContract, where);
  const incident = value as { incident_updates: unknown[]; components: unknown[] };
  incident.incident_updates.forEach((update, index) =>
    expectContract(update, updateContract(incidentStatus), `${where}.incident_updates[${index}]`),
  );
  incident.components.forEach((item, index) => expectContract(item, componentContract, `${where}.components[${index}]`));
}

function expectMaintenance(value: unknown, where = 'maintenance'): void {
  expectContract(value, maintenanceObjectContract, where);
  const item = value as { incident_updates: unknown[]; components: unknown[] };
  item.incident_updates.forEach((update, index) =>
    expectContract(update, updateContract(maintenanceStatus), `${where}.incident_updates[${index}]`),
  );
  item.components.forEach((component, index) => expectContract(component, componentContract, `${where}.components[${index}]`));
}

// ------------------------------------------------------------------------------------------------
// Inputs

const PAGE: PageInput = {
  id: 'pg1',
  name: 'Acme',
  url: 'https://status.acme.test',
  timeZone: 'UTC',
  updatedAt: new Date('2026-03-01T14:05:09.123Z'),
};
const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function component(overrides: Partial<ComponentInput> = {}): ComponentInput {
  return {
    id: 'c1',
    name: 'API',
    description: null,
    status: 'operational',
    position: 1,
    groupId: null,
    onlyShowIfDegraded: false,
    startDate: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function group(overrides: Partial<GroupInput> = {}): GroupInput {
  return {
    id: 'g1',
    name: 'Core',
    description: 'The core',
    status: 'operational',
    position: 1,
    createdAt: T0,
    updatedAt: T0,
    components: [],
    ...overrides,
  };
}

function update(overrides: Partial<IncidentUpdateInput> = {}): IncidentUpdateInput {
  return {
    id: 'u1',
    incidentId: 'i1',
    status: 'investigating',
    body: 'Looking into it.',
    componentChanges: null,
    notifySubscribers: true,
    createdAt: T0,
    displayAt: T0,
    editedAt: null,
    nextUpdateBy: null,
    ...overrides,
  };
}

function incident(overrides: Partial<IncidentInput> = {}): IncidentInput {
  return {
    id: 'i1',
    title: 'Errors on the API',
    status: 'investigating',
    severity: 'high',
    startedAt: T0,
    createdAt: T0,
    updatedAt: T0,
    monitoringAt: null,
    resolvedAt: null,
    updates: [update()],
    components: [],
    ...overrides,
  };
}

function maintenanceUpdate(overrides: Partial<MaintenanceUpdateInput> = {}): MaintenanceUpdateInput {
  return {
    id: 'mu1',
    maintenanceId: 'm1',
    status: 'scheduled',
    body: 'Scheduled.',
    notifySubscribers: true,
    createdAt: T0,
    sequence: 1,
    ...overrides,
  };
}

function maintenance(overrides: Partial<MaintenanceInput> = {}): MaintenanceInput {
  return {
    id: 'm1',
    title: 'Database upgrade',
    status: 'scheduled',
    scheduledFor: at(600),
    scheduledUntil: at(720),
    startedAt: null,
    completedAt: null,
    createdAt: T0,
    updatedAt: T0,
    updates: [maintenanceUpdate()],
    components: [],
    ...overrides,
  };
}

function state(overrides: Partial<CurrentStateInput> = {}): CurrentStateInput {
  return {
    page: PAGE,
    status: rollUpStatus([]),
    ungrouped: [],
    groups: [],
    unresolvedIncidents: [],
    upcomingMaintenances: [],
    activeMaintenances: [],
    ...overrides,
  };
}

/** What a client sees: the body through JSON. */
function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// ------------------------------------------------------------------------------------------------

describe('timestamps', () => {
  it('UTC is written with milliseconds and Z', () => {
    expect(formatTimestamp(new Date('2026-03-01T14:05:09.123Z'), 'UTC')).toBe('2026-03-01T14:05:09.123Z');
    expect(formatTimestamp(new Date('2026-03-01T14:05:09Z'), 'UTC')).toBe('2026-03-01T14:05:09.000Z');
    expect(formatTimestamp(new Date('2026-03-01T14:05:09.123Z'), 'Etc/UTC')).toBe('2026-03-01T14:05:09.123Z');
    expect(utcTimestamp.safeParse(serializePage(PAGE).updated_at).success).toBe(true);
  });

  it('another zone is written as its wall clock with the offset in force at that instant', () => {
    expect(formatTimestamp(new Date('2026-03-01T14:05:09.123Z'), 'Europe/Paris')).toBe('2026-03-01T15:05:09.123+01:00');
    expect(formatTimestamp(new Date('2026-07-01T14:05:09.123Z'), 'Europe/Paris')).toBe('2026-07-01T16:05:09.123+02:00');
    expect(formatTimestamp(new Date('2026-01-15T03:00:00.007Z'), 'America/New_York')).toBe('2026-01-14T22:00:00.007-05:00');
    expect(formatTimestamp(new Date('2026-01-15T03:00:00.000Z'), 'Asia/Kathmandu')).toBe('2026-01-15T08:45:00.000+05:45');
    expect(formatTimestamp(new Date('2026-01-15T03:00:00.000Z'), 'America/St_Johns')).toBe('2026-01-14T23:30:00.000-03:30');
  });

  it('a zone that merely sits at offset zero is written +00:00, not Z', () => {
    expect(formatTimestamp(new Date('2026-01-15T12:00:00.000Z'), 'Europe/London')).toBe('2026-01-15T12:00:00.000+00:00');
    expect(formatTimestamp(new Date('2026-07-15T12:00:00.000Z'), 'Europe/London')).toBe('2026-07-15T13:00:00.000+01:00');
  });

  it('Europe/Paris across the spring-forward change (29 March 2026, 02:00 → 03:00)', () => {
    expect(formatTimestamp(new Date('2026-03-29T00:59:59.999Z'), 'Europe/Paris')).toBe('2026-03-29T01:59:59.999+01:00');
    expect(formatTimestamp(new Date('2026-03-29T01:00:00.000Z'), 'Europe/Paris')).toBe('2026-03-29T03:00:00.000+02:00');
  });

  it('Europe/Paris across the fall-back change (25 October 2026): the repeated hour differs by its offset', () => {
    expect(formatTimestamp(new Date('2026-10-25T00:30:00.000Z'), 'Europe/Paris')).toBe('2026-10-25T02:30:00.000+02:00');
    expect(formatTimestamp(new Date('2026-10-25T00:59:59.999Z'), 'Europe/Paris')).toBe('2026-10-25T02:59:59.999+02:00');
    expect(formatTimestamp(new Date('2026-10-25T01:00:00.000Z'), 'Europe/Paris')).toBe('2026-10-25T02:00:00.000+01:00');
    expect(formatTimestamp(new Date('2026-10-25T01:30:00.000Z'), 'Europe/Paris')).toBe('2026-10-25T02:30:00.000+01:00');
  });

  it('always names the same instant (parsing it back gives the original time), even for historical offsets with seconds', () => {
    const zones = [
      'UTC',
      'Europe/Paris',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'Pacific/Chatham',
      'America/St_Johns',
      'Europe/London',
    ];
    const times = [
      '1900-06-01T12:00:00.321Z', // Paris on local mean time (+00:09:21)
      '2026-03-29T00:59:59.999Z',
      '2026-03-29T01:00:00.000Z',
      '2026-10-25T00:59:59.999Z',
      '2026-10-25T01:00:00.001Z',
      '2026-11-01T05:30:00.500Z',
      '2026-04-05T15:29:59.999Z',
    ].map((value) => new Date(value));
    // Two hundred instants over ten years, at uneven hours, minutes and milliseconds.
    for (let index = 0; index < 200; index += 1) times.push(new Date(Date.UTC(2020, 0, 1) + index * (18 * 86_400_000 + 3_601_237)));
    for (const zone of zones) {
      for (const time of times) {
        const text = formatTimestamp(time, zone);
        expect(timestamp.safeParse(text).success, `${text} (${zone})`).toBe(true);
        expect(Date.parse(text), `${text} (${zone})`).toBe(time.getTime());
      }
    }
    expect(formatTimestamp(new Date('1900-06-01T12:00:00.321Z'), 'Europe/Paris')).toBe('1900-06-01T12:09:00.321+00:09');
  });

  it('reads the offset in minutes', () => {
    expect(offsetMinutesAt(new Date('2026-07-01T00:00:00Z'), 'Europe/Paris')).toBe(120);
    expect(offsetMinutesAt(new Date('2026-01-01T00:00:00Z'), 'America/New_York')).toBe(-300);
    expect(offsetMinutesAt(new Date('2026-01-01T00:00:00Z'), 'UTC')).toBe(0);
  });

  it('every timestamp of every object follows the page’s zone', () => {
    const paris: PageRef = { ...PAGE, timeZone: 'Europe/Paris' };
    const item = serializeMaintenance(
      maintenance({
        status: 'completed',
        startedAt: at(600),
        completedAt: at(700),
        updates: [maintenanceUpdate({ status: 'completed', createdAt: at(700) })],
        components: [component()],
      }),
      paris,
    );
    const texts = JSON.stringify(item).match(/"\d{4}-\d{2}-\d{2}T[^"]+"/g) ?? [];
    expect(texts.length).toBeGreaterThan(8);
    for (const text of texts) expect(text).toMatch(/\+01:00"$/);
    expect(serializePage({ ...PAGE, timeZone: 'Europe/Paris' }).updated_at).toBe('2026-03-01T15:05:09.123+01:00');
  });
});

describe('page', () => {
  it('has id, name, url, time_zone and updated_at, in that order', () => {
    const page = serializePage(PAGE);
    expectContract(page, pageContract, 'page');
    expect(page).toEqual({
      id: 'pg1',
      name: 'Acme',
      url: 'https://status.acme.test',
      time_zone: 'UTC',
      updated_at: '2026-03-01T14:05:09.123Z',
    });
  });

  it('drops a trailing slash from the URL', () => {
    expect(serializePage({ ...PAGE, url: 'https://status.acme.test/' }).url).toBe('https://status.acme.test');
  });
});

describe('status: the indicator table, row by row', () => {
  const rows: [string, ComponentStatus[], string, string][] = [
    ['1. every component major_outage', ['major_outage', 'major_outage'], 'critical', 'Major System Outage'],
    ['2. any major_outage', ['operational', 'major_outage', 'degraded_performance'], 'major', 'Partial System Outage'],
    ['2. every component partial_outage', ['partial_outage', 'partial_outage'], 'major', 'Partial System Outage'],
    ['3. any partial_outage', ['operational', 'partial_outage', 'under_maintenance'], 'minor', 'Minor Service Outage'],
    ['4. every component degraded_performance', ['degraded_performance', 'degraded_performance'], 'minor', 'Degraded System Service'],
    ['5. any degraded_performance', ['operational', 'degraded_performance', 'under_maintenance'], 'minor', 'Partially Degraded Service'],
    ['6. any under_maintenance', ['operational', 'under_maintenance'], 'maintenance', 'Service Under Maintenance'],
    ['7. otherwise', ['operational', 'operational'], 'none', 'All Systems Operational'],
    ['7. no components at all', [], 'none', 'All Systems Operational'],
    ['single component major_outage (step 1)', ['major_outage'], 'critical', 'Major System Outage'],
    ['single component partial_outage (step 2)', ['partial_outage'], 'major', 'Partial System Outage'],
    ['single component degraded_performance (step 4)', ['degraded_performance'], 'minor', 'Degraded System Service'],
    ['single component under_maintenance (step 6)', ['under_maintenance'], 'maintenance', 'Service Under Maintenance'],
    ['single component operational (step 7)', ['operational'], 'none', 'All Systems Operational'],
  ];
  it.each(rows)('%s', (_row, statuses, indicator, description) => {
    const body = wire(statusBody({ page: PAGE, status: rollUpStatus(statuses) }));
    expect(Object.keys(body)).toEqual(['page', 'status']);
    expectContract(body.status, statusContract, 'status');
    expect(body.status).toEqual({ indicator, description });
  });
});

describe('components', () => {
  it('a component has every key of the contract, in order, and no `components` key', () => {
    const item = serializeComponent(
      component({
        description: 'Public REST API',
        startDate: '2025-12-01',
        groupId: 'g1',
        position: 3,
        onlyShowIfDegraded: true,
        status: 'partial_outage',
        updatedAt: at(5),
      }),
      PAGE,
    );
    expectContract(item, componentContract, 'component');
    expect(item).toEqual({
      id: 'c1',
      name: 'API',
      status: 'partial_outage',
      created_at: '2026-03-01T10:00:00.000Z',
      updated_at: '2026-03-01T10:05:00.000Z',
      position: 3,
      description: 'Public REST API',
      showcase: true,
      start_date: '2025-12-01',
      group_id: 'g1',
      page_id: 'pg1',
      group: false,
      only_show_if_degraded: true,
    });
  });

  it('nullable fields are null, not missing', () => {
    const item = wire(serializeComponent(component(), PAGE));
    expect(item.description).toBeNull();
    expect(item.start_date).toBeNull();
    expect(item.group_id).toBeNull();
  });

  it('every component status passes through', () => {
    for (const status of componentStatuses) expect(serializeComponent(component({ status }), PAGE).status).toBe(status);
  });

  it('a group lists its components’ ids, last', () => {
    const children = [
      component({ id: 'a', groupId: 'g1', position: 1 }),
      component({ id: 'b', groupId: 'g1', position: 2, status: 'major_outage' }),
    ];
    const item = serializeGroup(group({ status: 'major_outage', components: children, position: 2 }), PAGE);
    expectContract(item, groupContract, 'group');
    expect(item).toMatchObject({
      id: 'g1',
      status: 'major_outage',
      group: true,
      group_id: null,
      position: 2,
      components: ['a', 'b'],
      showcase: false,
      start_date: null,
    });
  });

  it('the list is in display order: ungrouped components, then each group followed by its components', () => {
    const list = serializeComponents(
      [component({ id: 'u1', position: 1 }), component({ id: 'u2', position: 2 })],
      [
        group({
          id: 'g1',
          position: 1,
          components: [component({ id: 'g1a', groupId: 'g1' }), component({ id: 'g1b', groupId: 'g1', position: 2 })],
        }),
        group({ id: 'g2', position: 2, components: [component({ id: 'g2a', groupId: 'g2' })] }),
      ],
      PAGE,
    );
    expect(list.map((item) => item.id)).toEqual(['u1', 'u2', 'g1', 'g1a', 'g1b', 'g2', 'g2a']);
    list.forEach((item, index) => expectComponent(item, `components[${index}]`));
    expect(list.filter((item) => item.group_id === 'g1').map((item) => item.id)).toEqual(list.find((item) => item.id === 'g1')!.components);
  });
});

describe('incidents', () => {
  it('an incident has every key of the contract, in order, with its updates and components', () => {
    const item = serializeIncident(
      incident({
        updates: [
          update({ id: 'u1', createdAt: at(0), displayAt: at(0) }),
          update({
            id: 'u2',
            status: 'identified',
            createdAt: at(10),
            displayAt: at(10),
            componentChanges: [{ componentId: 'c1', name: 'API', oldStatus: 'operational', newStatus: 'major_outage' }],
          }),
        ],
        components: [component({ status: 'major_outage' })],
      }),
      PAGE,
    );
    expectIncident(item);
    expect(item).toMatchObject({
      id: 'i1',
      name: 'Errors on the API',
      status: 'investigating',
      created_at: '2026-03-01T10:00:00.000Z',
      monitoring_at: null,
      resolved_at: null,
      impact: 'major',
      shortlink: 'https://status.acme.test/incidents/i1',
      started_at: '2026-03-01T10:00:00.000Z',
      page_id: 'pg1',
    });
    expect(item.components).toEqual([serializeComponent(component({ status: 'major_outage' }), PAGE)]);
  });

  it('updates are newest first (by display time, then creation)', () => {
    const item = serializeIncident(
      incident({
        updates: [
          update({ id: 'old', displayAt: at(0), createdAt: at(0) }),
          update({ id: 'new', displayAt: at(30), createdAt: at(30) }),
          update({ id: 'backdated', displayAt: at(20), createdAt: at(40) }),
          update({ id: 'same-display-later', displayAt: at(30), createdAt: at(31) }),
        ],
      }),
      PAGE,
    );
    expect(item.incident_updates.map((entry) => entry.id)).toEqual(['same-display-later', 'new', 'backdated', 'old']);
  });

  it('an update: affected_components is null when it changed no component, else {code, name, old_status, new_status}', () => {
    const none = serializeIncidentUpdate(update({ componentChanges: null }), PAGE);
    expectContract(none, updateContract(incidentStatus), 'update');
    expect(none.affected_components).toBeNull();
    expect(serializeIncidentUpdate(update({ componentChanges: [] }), PAGE).affected_components).toBeNull();

    const changed = serializeIncidentUpdate(
      update({
        componentChanges: [{ componentId: 'c1', name: 'API', oldStatus: 'operational', newStatus: 'partial_outage' }],
        notifySubscribers: false,
      }),
      PAGE,
    );
    expectContract(changed, updateContract(incidentStatus), 'update');
    expect(changed.affected_components).toEqual([{ code: 'c1', name: 'API', old_status: 'operational', new_status: 'partial_outage' }]);
    expect(Object.keys(changed.affected_components![0]!)).toEqual(['code', 'name', 'old_status', 'new_status']);
    expect(changed.deliver_notifications).toBe(false);
    expect(changed.custom_tweet).toBeNull();
    expect(changed.tweet_id).toBeNull();
  });

  it('an update’s updated_at is its correction time when corrected, else its creation; display_at is its display time', () => {
    const plain = serializeIncidentUpdate(update({ createdAt: at(10), displayAt: at(5) }), PAGE);
    expect(plain).toMatchObject({
      created_at: '2026-03-01T10:10:00.000Z',
      updated_at: '2026-03-01T10:10:00.000Z',
      display_at: '2026-03-01T10:05:00.000Z',
    });
    const corrected = serializeIncidentUpdate(update({ createdAt: at(10), displayAt: at(10), editedAt: at(15) }), PAGE);
    expect(corrected.updated_at).toBe('2026-03-01T10:15:00.000Z');
  });

  it('carries the next update it promised in Herald’s own field, null when it promised none', () => {
    expect(serializeIncidentUpdate(update({ nextUpdateBy: at(30) }), PAGE).herald_next_update_by).toBe('2026-03-01T10:30:00.000Z');
    expect(serializeIncidentUpdate(update(), PAGE).herald_next_update_by).toBeNull();
  });

  it.each(incidentStatuses)('resolved_at is set exactly when the status is resolved or postmortem: %s', (status: IncidentStatus) => {
    // A reopened incident may still carry its old resolution time; it must not show.
    const item = serializeIncident(incident({ status, resolvedAt: at(60), updatedAt: at(90) }), PAGE);
    const resolved = status === 'resolved' || status === 'postmortem';
    expect(item.resolved_at).toBe(resolved ? '2026-03-01T11:00:00.000Z' : null);
    const missing = serializeIncident(incident({ status, resolvedAt: null, updatedAt: at(90) }), PAGE);
    expect(missing.resolved_at).toBe(resolved ? '2026-03-01T11:30:00.000Z' : null);
  });

  it('monitoring_at is when it entered monitoring', () => {
    expect(serializeIncident(incident({ status: 'monitoring', monitoringAt: at(45) }), PAGE).monitoring_at).toBe(
      '2026-03-01T10:45:00.000Z',
    );
    expect(serializeIncident(incident({ status: 'resolved', monitoringAt: at(45), resolvedAt: at(60) }), PAGE).monitoring_at).toBe(
      '2026-03-01T10:45:00.000Z',
    );
  });

  it.each([
    ['critical', 'critical'],
    ['high', 'major'],
    ['medium', 'minor'],
    ['low', 'none'],
  ] as const)('impact of severity %s is %s', (severity, impact) => {
    expect(serializeIncident(incident({ severity }), PAGE).impact).toBe(impact);
  });

  it('covers every severity', () => {
    expect(new Set(severities.map((severity) => serializeIncident(incident({ severity }), PAGE).impact))).toEqual(
      new Set(['none', 'minor', 'major', 'critical']),
    );
  });
});

describe('scheduled maintenances', () => {
  it('have the incident fields, then scheduled_for and scheduled_until; impact is maintenance', () => {
    const item = serializeMaintenance(maintenance({ components: [component({ status: 'operational' })] }), PAGE);
    expectMaintenance(item);
    expect(item).toMatchObject({
      id: 'm1',
      name: 'Database upgrade',
      status: 'scheduled',
      monitoring_at: null,
      resolved_at: null,
      impact: 'maintenance',
      shortlink: 'https://status.acme.test/maintenance/m1',
      // Not begun: when it is planned to.
      started_at: '2026-03-01T20:00:00.000Z',
      scheduled_for: '2026-03-01T20:00:00.000Z',
      scheduled_until: '2026-03-01T22:00:00.000Z',
    });
  });

  it('in progress: started_at is when the work began', () => {
    const item = serializeMaintenance(maintenance({ status: 'in_progress', startedAt: at(595) }), PAGE);
    expect(item.started_at).toBe('2026-03-01T19:55:00.000Z');
    expect(item.resolved_at).toBeNull();
  });

  it('verifying: monitoring_at is when it first entered verifying', () => {
    const item = serializeMaintenance(
      maintenance({
        status: 'verifying',
        startedAt: at(600),
        updates: [
          maintenanceUpdate({ id: 'a', status: 'scheduled', createdAt: at(0), sequence: 1 }),
          maintenanceUpdate({ id: 'b', status: 'in_progress', createdAt: at(600), sequence: 2 }),
          maintenanceUpdate({ id: 'c', status: 'verifying', createdAt: at(650), sequence: 3 }),
          maintenanceUpdate({ id: 'd', status: 'verifying', createdAt: at(660), sequence: 4 }),
        ],
      }),
      PAGE,
    );
    expect(item.monitoring_at).toBe('2026-03-01T20:50:00.000Z');
    expect(item.incident_updates.map((entry) => entry.id)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('resolved_at is set when completed (and only then)', () => {
    const statuses: PublicMaintenanceStatus[] = ['scheduled', 'in_progress', 'verifying', 'completed'];
    for (const status of statuses) {
      const item = serializeMaintenance(
        maintenance({ status, startedAt: at(600), completedAt: status === 'completed' ? at(700) : null }),
        PAGE,
      );
      expect(item.resolved_at, status).toBe(status === 'completed' ? '2026-03-01T21:40:00.000Z' : null);
      expectMaintenance(item, status);
    }
  });

  it('updates are in the incident update shape, newest first (same instant: by sequence), never changing a component', () => {
    const item = serializeMaintenance(
      maintenance({
        status: 'completed',
        startedAt: at(600),
        completedAt: at(600),
        updates: [
          maintenanceUpdate({ id: 'start', status: 'in_progress', createdAt: at(600), sequence: 7 }),
          maintenanceUpdate({ id: 'end', status: 'completed', createdAt: at(600), sequence: 8, notifySubscribers: false }),
          maintenanceUpdate({ id: 'first', status: 'scheduled', createdAt: at(0), sequence: 2 }),
        ],
      }),
      PAGE,
    );
    expect(item.incident_updates.map((entry) => entry.id)).toEqual(['end', 'start', 'first']);
    const last = item.incident_updates[0]!;
    expectContract(last, updateContract(maintenanceStatus), 'maintenance update');
    expect(last).toEqual({
      id: 'end',
      status: 'completed',
      body: 'Scheduled.',
      incident_id: 'm1',
      created_at: '2026-03-01T20:00:00.000Z',
      updated_at: '2026-03-01T20:00:00.000Z',
      display_at: '2026-03-01T20:00:00.000Z',
      affected_components: null,
      deliver_notifications: false,
      custom_tweet: null,
      tweet_id: null,
      herald_next_update_by: null,
    });
  });
});

describe('the eight bodies', () => {
  const comps = [component({ id: 'c1', status: 'degraded_performance' }), component({ id: 'c2', position: 2 })];
  const open = incident({ id: 'open', status: 'identified', startedAt: at(30), createdAt: at(30) });
  const planned = maintenance({ id: 'planned', status: 'scheduled', scheduledFor: at(900), scheduledUntil: at(960) });
  const running = maintenance({ id: 'running', status: 'in_progress', startedAt: at(20), scheduledFor: at(20), scheduledUntil: at(200) });
  const verifying = maintenance({ id: 'verifying', status: 'verifying', startedAt: at(10), scheduledFor: at(10), scheduledUntil: at(100) });
  const input = state({
    status: rollUpStatus(comps.map((item) => item.status)),
    ungrouped: comps,
    unresolvedIncidents: [open, incident({ id: 'resolved', status: 'resolved', resolvedAt: at(40) })],
    upcomingMaintenances: [planned, maintenance({ id: 'done', status: 'completed', startedAt: at(1), completedAt: at(2) })],
    activeMaintenances: [running, verifying, planned],
  });

  it('each has its top-level keys in the contract’s order', () => {
    expect(Object.keys(currentStateBody('summary', input))).toEqual([
      'page',
      'components',
      'incidents',
      'scheduled_maintenances',
      'status',
    ]);
    expect(Object.keys(currentStateBody('status', input))).toEqual(['page', 'status']);
    expect(Object.keys(currentStateBody('components', input))).toEqual(['page', 'components']);
    expect(Object.keys(currentStateBody('incidents/unresolved', input))).toEqual(['page', 'incidents']);
    expect(Object.keys(currentStateBody('scheduled-maintenances/upcoming', input))).toEqual(['page', 'scheduled_maintenances']);
    expect(Object.keys(currentStateBody('scheduled-maintenances/active', input))).toEqual(['page', 'scheduled_maintenances']);
    expect(Object.keys(incidentsBody(PAGE, []))).toEqual(['page', 'incidents']);
    expect(Object.keys(scheduledMaintenancesBody(PAGE, []))).toEqual(['page', 'scheduled_maintenances']);
  });

  it('every object in them follows the contract', () => {
    const summary = wire(summaryBody(input));
    expectContract(summary.page, pageContract, 'page');
    expectContract(summary.status, statusContract, 'status');
    summary.components.forEach((item, index) => expectComponent(item, `components[${index}]`));
    summary.incidents.forEach((item, index) => expectIncident(item, `incidents[${index}]`));
    summary.scheduled_maintenances.forEach((item, index) => expectMaintenance(item, `scheduled_maintenances[${index}]`));
  });

  it('unresolved lists only investigating, identified and monitoring incidents', () => {
    const statuses: IncidentStatus[] = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'];
    const body = unresolvedIncidentsBody({
      page: PAGE,
      unresolvedIncidents: statuses.map((status, index) => incident({ id: status, status, startedAt: at(index) })),
    });
    expect(body.incidents.map((item) => item.status)).toEqual(['monitoring', 'identified', 'investigating']);
  });

  it('upcoming lists only scheduled maintenances; active only in progress and verifying', () => {
    expect(upcomingMaintenancesBody(input).scheduled_maintenances.map((item) => item.id)).toEqual(['planned']);
    expect(activeMaintenancesBody(input).scheduled_maintenances.map((item) => item.id)).toEqual(['running', 'verifying']);
  });

  it('summary is its parts: components, unresolved incidents, upcoming ∪ active maintenances (newest first), status', () => {
    const summary = wire(summaryBody(input));
    const parts = {
      components: wire(componentsBody(input)),
      unresolved: wire(unresolvedIncidentsBody(input)),
      upcoming: wire(upcomingMaintenancesBody(input)),
      active: wire(activeMaintenancesBody(input)),
      status: wire(statusBody(input)),
    };
    expect(summary.page).toEqual(parts.status.page);
    expect(summary.components).toEqual(parts.components.components);
    expect(summary.incidents).toEqual(parts.unresolved.incidents);
    expect(summary.status).toEqual(parts.status.status);
    expect(summary.scheduled_maintenances.map((item) => item.id)).toEqual(['planned', 'running', 'verifying']);
    expect([...summary.scheduled_maintenances].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [...parts.upcoming.scheduled_maintenances, ...parts.active.scheduled_maintenances].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(summary.status).toEqual({ indicator: 'minor', description: 'Partially Degraded Service' });
  });

  it('empty lists are [], never null or missing', () => {
    const empty = wire(summaryBody(state()));
    expect(empty).toMatchObject({ components: [], incidents: [], scheduled_maintenances: [] });
    expect(wire(incidentsBody(PAGE, [])).incidents).toEqual([]);
    expect(wire(scheduledMaintenancesBody(PAGE, [])).scheduled_maintenances).toEqual([]);
    expect(wire(upcomingMaintenancesBody(state())).scheduled_maintenances).toEqual([]);
    expect(wire(activeMaintenancesBody(state())).scheduled_maintenances).toEqual([]);
    expect(wire(serializeIncident(incident({ updates: [], components: [] }), PAGE))).toMatchObject({
      incident_updates: [],
      components: [],
    });
    expect(wire(serializeGroup(group({ components: [] }), PAGE)).components).toEqual([]);
  });

  it('lists hold the 50 most recent incidents, newest first (by start)', () => {
    const many = Array.from({ length: 55 }, (_, index) =>
      incident({ id: `i${String(index).padStart(2, '0')}`, startedAt: at(index), createdAt: at(100) }),
    );
    const body = incidentsBody(PAGE, [...many].reverse());
    expect(body.incidents).toHaveLength(50);
    expect(body.incidents[0]!.id).toBe('i54');
    expect(body.incidents.at(-1)!.id).toBe('i05');
    const starts = body.incidents.map((item) => Date.parse(item.started_at));
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
  });

  it('incidents that started together are ordered by creation, then id, newest first', () => {
    const body = incidentsBody(PAGE, [
      incident({ id: 'a', startedAt: at(0), createdAt: at(1) }),
      incident({ id: 'b', startedAt: at(0), createdAt: at(2) }),
      incident({ id: 'c', startedAt: at(0), createdAt: at(2) }),
    ]);
    expect(body.incidents.map((item) => item.id)).toEqual(['c', 'b', 'a']);
  });

  it('maintenances: the 50 most recent, newest first by when they began (else were planned to)', () => {
    const many = Array.from({ length: 55 }, (_, index) =>
      maintenance({
        id: `m${String(index).padStart(2, '0')}`,
        status: 'completed',
        scheduledFor: at(index * 10),
        scheduledUntil: at(index * 10 + 5),
        startedAt: at(index * 10 + 1),
        completedAt: at(index * 10 + 5),
      }),
    );
    const body = scheduledMaintenancesBody(PAGE, many);
    expect(body.scheduled_maintenances).toHaveLength(50);
    expect(body.scheduled_maintenances[0]!.id).toBe('m54');
    expect(body.scheduled_maintenances.at(-1)!.id).toBe('m05');
  });

  it('upcoming: more than 50 scheduled keeps the 50 soonest, still listed newest first', () => {
    const many = Array.from({ length: 60 }, (_, index) =>
      maintenance({ id: `m${String(index).padStart(2, '0')}`, scheduledFor: at(1000 + index * 60), scheduledUntil: at(1030 + index * 60) }),
    );
    const body = upcomingMaintenancesBody({ page: PAGE, upcomingMaintenances: many });
    expect(body.scheduled_maintenances).toHaveLength(50);
    expect(body.scheduled_maintenances[0]!.id).toBe('m49');
    expect(body.scheduled_maintenances.at(-1)!.id).toBe('m00');
  });

  it('text comes back intact through JSON: markup, quotes, CDATA ends, emoji, right-to-left', () => {
    const nasty = `<script>alert("x")</script> 'quoted' "double" ]]> & </b> 🚨🔥 مرحبا بالعالم \u202Eevil\u202C \\ back\nslash \u2028`;
    const body = wire(
      summaryBody(
        state({
          ungrouped: [component({ name: nasty, description: nasty })],
          unresolvedIncidents: [
            incident({
              title: nasty,
              updates: [
                update({
                  body: nasty,
                  componentChanges: [{ componentId: 'c1', name: nasty, oldStatus: 'operational', newStatus: 'major_outage' }],
                }),
              ],
            }),
          ],
          upcomingMaintenances: [maintenance({ title: nasty, updates: [maintenanceUpdate({ body: nasty })] })],
          page: { ...PAGE, name: nasty },
        }),
      ),
    );
    expect(body.page.name).toBe(nasty);
    expect(body.components[0]!.name).toBe(nasty);
    expect(body.components[0]!.description).toBe(nasty);
    expect(body.incidents[0]!.name).toBe(nasty);
    expect(body.incidents[0]!.incident_updates[0]!.body).toBe(nasty);
    expect(body.incidents[0]!.incident_updates[0]!.affected_components![0]!.name).toBe(nasty);
    expect(body.scheduled_maintenances[0]!.name).toBe(nasty);
    expect(body.scheduled_maintenances[0]!.incident_updates[0]!.body).toBe(nasty);
  });
});
