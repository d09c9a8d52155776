/**
 * The access decision of every management API route, table-driven: each route of apiRoutes
 * with a key of each role, and with no key, a malformed header, a revoked key and an expired
 * one. A route added to the table is covered here without touching this file (unless its path
 * names a new kind of resource, which fails loudly below).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hasRole } from '../../src/lib/domain/roles';
import { apiRoutes } from '../../src/lib/server/api/router';
import type { ApiRoute } from '../../src/lib/server/api/route';
import { apiKeyRoles, createApiKey, revokeApiKey } from '../../src/lib/server/services/access/api-keys';
import { createComponent, createGroup } from '../../src/lib/server/services/components/catalog';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { createIncidentTemplate } from '../../src/lib/server/services/incidents/incident-templates';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { createMaintenanceTemplate } from '../../src/lib/server/services/maintenance/maintenance-templates';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { createUserWithPassword } from '../../src/lib/server/services/access/users';
import { addActionItem } from '../../src/lib/server/services/plan/action-items';
import { apiClient } from '../support/api-client';
import { DAY, expectOk, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

type KeyRole = (typeof apiKeyRoles)[number];
const badCredentials = ['no key', 'malformed header', 'revoked key', 'expired key'] as const;
type BadCredential = (typeof badCredentials)[number];
type Caller = { kind: 'role'; role: KeyRole } | { kind: 'bad'; credential: BadCredential };

interface Case {
  label: string;
  route: ApiRoute;
  caller: Caller;
}

const callers: Caller[] = [
  ...apiKeyRoles.map((role): Caller => ({ kind: 'role', role })),
  ...badCredentials.map((credential): Caller => ({ kind: 'bad', credential })),
];

const cases: Case[] = apiRoutes.flatMap((route) =>
  callers.map((caller) => ({
    label: `${route.method} ${route.path} (needs ${route.role}) with ${caller.kind === 'role' ? `a ${caller.role} key` : `a ${caller.credential}`}`,
    route,
    caller,
  })),
);

const { clock, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const tokens = new Map<KeyRole, string>();
let revokedToken: string;
let expiringToken: string;
/** The id to put in `{id}`, by the path's first segment. */
const ids = new Map<string, string>();

beforeAll(async () => {
  for (const role of apiKeyRoles) tokens.set(role, expectOk(await createApiKey(context, testActor, { name: `${role}-key`, role })).token);
  const revoked = expectOk(await createApiKey(context, testActor, { name: 'revoked-key', role: 'admin' }));
  revokedToken = revoked.token;
  expectOk(await revokeApiKey(context, testActor, revoked.key.id));
  expiringToken = expectOk(await createApiKey(context, testActor, { name: 'expiring-key', role: 'admin', expiresInDays: 1 })).token;
  // It works until it expires…
  expect((await apiClient(context, expiringToken).call('GET', '/components')).status).toBe(200);
  // …and the clock moves past its expiry before anything else happens.
  clock.advance(DAY + 60_000);

  const group = expectOk(await createGroup(context, testActor, { name: 'Core' }));
  const component = expectOk(await createComponent(context, testActor, { name: 'API', groupId: group.id }));
  const incident = expectOk(
    await declareIncident(context, testActor, {
      title: 'API errors',
      severity: 'high',
      status: 'investigating',
      message: 'We are investigating.',
      components: [{ componentId: component.id, status: 'partial_outage' }],
    }),
  );
  const [maintenance] = expectOk(
    await scheduleMaintenance(context, testActor, {
      title: 'Database upgrade',
      description: 'A short read-only window.',
      components: [component.id],
      startsAt: '2026-03-10T02:00',
      endsAt: '2026-03-10T03:00',
      timeZone: 'UTC',
    }),
  );
  const subscriber = expectOk(await addSubscriberByAdmin(context, testActor, { email: 'reader@example.com', componentIds: [] }));
  ids.set('components', component.id);
  ids.set('groups', group.id);
  ids.set('incidents', incident.id);
  ids.set('maintenances', maintenance!.id);
  ids.set('subscribers', subscriber.id);
  const template = expectOk(
    await createIncidentTemplate(context, testActor, { name: 'API down', title: 'API errors', status: 'investigating' }),
  );
  ids.set('incident-templates', template.id);
  const maintenanceTemplate = expectOk(
    await createMaintenanceTemplate(context, testActor, { name: 'Upgrade', title: 'Upgrade', description: 'Work.', durationMinutes: 60 }),
  );
  ids.set('maintenance-templates', maintenanceTemplate.id);
  const staff = expectOk(
    await createUserWithPassword(context, testActor, {
      email: 'ines@example.com',
      name: 'Ines',
      role: 'responder',
      password: 'a long enough passphrase',
    }),
  );
  const item = expectOk(await addActionItem(context, testActor, incident.id, { title: 'Alert on errors', ownerId: staff.id }));
  ids.set('action-items', item.id);
});

function concretePath(route: ApiRoute): string {
  const kind = route.path.split('/')[1]!;
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const id = ids.get(kind);
    if (name !== 'id' || !id) throw new Error(`No test id for {${name}} in ${route.path}: create one in beforeAll and add it to ids.`);
    return id;
  });
}

function tokenOf(caller: Caller): string | null {
  if (caller.kind === 'role') return tokens.get(caller.role)!;
  switch (caller.credential) {
    case 'no key':
      return null;
    case 'malformed header':
      return 'not-a-herald-key';
    case 'revoked key':
      return revokedToken;
    case 'expired key':
      return expiringToken;
  }
}

describe('access to every route of the management API', () => {
  it('has a case for every route with every key role and every bad credential', () => {
    expect(apiRoutes.length).toBeGreaterThan(0);
    expect(cases).toHaveLength(apiRoutes.length * (apiKeyRoles.length + badCredentials.length));
    expect(cases.filter((item) => item.caller.kind === 'role')).toHaveLength(apiRoutes.length * apiKeyRoles.length);
    expect(new Set(cases.map((item) => item.label)).size).toBe(cases.length);
  });

  it.each(cases)('$label', async ({ route, caller }) => {
    const method = route.method;
    const body = method === 'POST' || method === 'PATCH' ? {} : undefined;
    const answer = await apiClient(context, tokenOf(caller)).call(method, concretePath(route), { body });

    if (caller.kind === 'bad') {
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.json).toMatchObject({ status: 401, title: 'Unauthorized' });
      return;
    }
    if (!hasRole(caller.role, route.role)) {
      expect(answer.status).toBe(403);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.json).toMatchObject({ status: 403, title: 'Forbidden' });
      // Names the key's role and the one the route needs.
      expect(answer.json.detail).toContain(`the ${caller.role} role`);
      expect(answer.json.detail).toContain(`needs ${route.role}`);
      return;
    }
    // Let in: the outcome is the route's business (a 422 for an empty body is fine), never an access refusal nor a crash.
    expect([401, 403]).not.toContain(answer.status);
    expect(answer.status, answer.text).toBeLessThan(500);
  });
});
