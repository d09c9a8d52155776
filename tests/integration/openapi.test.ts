/**
 * The OpenAPI document of the management API: valid OpenAPI 3.1, one operation per route of the
 * route table, and every operation answering as documented when called with an admin key.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_API_BODY_BYTES } from '../../src/lib/server/api/access';
import { openApiDocument } from '../../src/lib/server/api/openapi';
import { API_PREFIX, apiRoutes } from '../../src/lib/server/api/router';
import { createApiKey } from '../../src/lib/server/services/access/api-keys';
import { createComponent, createGroup } from '../../src/lib/server/services/components/catalog';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { createIncidentTemplate } from '../../src/lib/server/services/incidents/incident-templates';
import { createMaintenanceTemplate } from '../../src/lib/server/services/maintenance/maintenance-templates';
import { startMaintenanceNow } from '../../src/lib/server/services/maintenance/maintenance-action-commands';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { createUserWithPassword } from '../../src/lib/server/services/access/users';
import { addActionItem } from '../../src/lib/server/services/plan/action-items';
import { apiClient, TEST_PUBLIC_URL, type ApiClient } from '../support/api-client';
import { expectOk, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const document = openApiDocument(TEST_PUBLIC_URL) as unknown as Document;

/** Every operation of the document, by method and path. */
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
);

const successStatuses = (operation: Operation) => Object.keys(operation.responses).filter((status) => status.startsWith('2'));

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    // A copy: the validator must not see (or change) the object the router's document is built in.
    const result = await validator.validate(JSON.parse(JSON.stringify(document)));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.servers).toEqual([{ url: `${TEST_PUBLIC_URL}${API_PREFIX}` }]);
  });

  it('documents every route with its method, and nothing else', () => {
    expect(operations.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(
      apiRoutes.map((route) => `${route.method} ${route.path}`).sort(),
    );
    for (const route of apiRoutes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!.operationId).toBe(route.operationId);
    }
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("declares each path's parameters, required, and no others", () => {
    for (const { path, method, operation } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
      expect(declared.map((parameter) => parameter.name).sort(), `${method} ${path}`).toEqual(inPath);
      expect(declared.every((parameter) => parameter.required === true)).toBe(true);
    }
  });

  it('documents a JSON request body for each route that takes one, and none for the others', () => {
    for (const route of apiRoutes) {
      const operation = document.paths[route.path]![route.method.toLowerCase()]!;
      if (route.body) {
        expect(operation.requestBody?.content['application/json']?.schema, `${route.method} ${route.path}`).toEqual(expect.any(Object));
      } else {
        expect(operation.requestBody, `${route.method} ${route.path}`).toBeUndefined();
      }
    }
  });

  it("documents one success status per operation, the route's, with its schema when it has a body", () => {
    for (const route of apiRoutes) {
      const operation = document.paths[route.path]![route.method.toLowerCase()]!;
      expect(successStatuses(operation), `${route.method} ${route.path}`).toEqual([String(route.response.status)]);
      const success = operation.responses[String(route.response.status)]!;
      if (route.response.schema) expect(success.content?.['application/json']?.schema).toEqual(expect.any(Object));
      else expect(success.content).toBeUndefined();
      // Every operation documents the access refusals the router answers.
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
    }
  });
});

describe('every operation answers as documented', () => {
  const { clock, context } = useTestContext({ start: '2026-03-02T09:00:00.000Z' });
  let admin: ApiClient;
  let samples: Record<string, () => Promise<{ id?: string; body?: unknown; query?: Record<string, string> }>>;

  beforeAll(async () => {
    admin = apiClient(context, expectOk(await createApiKey(context, testActor, { name: 'contract', role: 'admin' })).token);
    const group = expectOk(await createGroup(context, testActor, { name: 'Core' }));
    const api = expectOk(await createComponent(context, testActor, { name: 'API', groupId: group.id }));
    const declare = async (title: string) =>
      expectOk(
        await declareIncident(context, testActor, {
          title,
          severity: 'high',
          status: 'investigating',
          message: 'Looking.',
          components: [{ componentId: api.id, status: 'partial_outage' }],
        }),
      ).id;
    const schedule = async (title: string) =>
      expectOk(
        await scheduleMaintenance(context, testActor, {
          title,
          description: 'Work.',
          components: [api.id],
          startsAt: '2026-03-10T02:00',
          endsAt: '2026-03-10T03:00',
          timeZone: 'UTC',
        }),
      )[0]!.id;
    const subscriber = async (email: string) => expectOk(await addSubscriberByAdmin(context, testActor, { email, componentIds: [] })).id;
    const template = async (name: string) =>
      expectOk(await createIncidentTemplate(context, testActor, { name, title: 'API errors', status: 'investigating' })).id;
    const { id: staff } = expectOk(
      await createUserWithPassword(context, testActor, {
        email: 'ines@example.com',
        name: 'Ines',
        role: 'responder',
        password: 'a long enough passphrase',
      }),
    );
    const actionItem = async (title: string) =>
      expectOk(await addActionItem(context, testActor, await declare(title), { title, ownerId: staff })).id;
    const maintenanceTemplate = async (name: string) =>
      expectOk(await createMaintenanceTemplate(context, testActor, { name, title: 'Patch', description: 'Work.', durationMinutes: 9 })).id;

    // A valid request per operation, each on its own resource where it changes one.
    samples = {
      listComponents: async () => ({}),
      createComponent: async () => ({ body: { name: 'Web', groupId: group.id } }),
      getComponent: async () => ({ id: api.id }),
      updateComponent: async () => ({ id: api.id, body: { description: 'The public API' } }),
      setComponentStatus: async () => ({ id: api.id, body: { status: 'degraded_performance' } }),
      listGroups: async () => ({}),
      createGroup: async () => ({ body: { name: 'Edge' } }),
      updateGroup: async () => ({ id: group.id, body: { description: 'Core services' } }),
      listIncidents: async () => ({ query: { state: 'open', page: '1' } }),
      declareIncident: async () => ({
        body: { title: 'Declared', signals: ['error_rate_above_1'], status: 'investigating', message: 'Errors.' },
      }),
      getIncident: async () => ({ id: await declare('Read') }),
      postIncidentUpdate: async () => ({ id: await declare('Updated'), body: { status: 'identified', message: 'Found it.' } }),
      resolveIncident: async () => ({ id: await declare('Resolved'), body: { message: 'Fixed.' } }),
      changeIncidentSeverity: async () => ({ id: await declare('Raised'), body: { severity: 'critical', severityReason: 'Wider.' } }),
      publishPostmortem: async () => {
        const id = await declare('Reviewed');
        expectOk(await postIncidentUpdate(context, testActor, id, { status: 'resolved', message: 'Fixed.' }));
        return { id, body: { body: 'What happened.' } };
      },
      sendCustomerEmailNow: async () => ({ id: await declare('Emailed') }),
      holdCustomerEmail: async () => ({ id: await declare('Held'), body: { holdReason: 'Legal review.' } }),
      decideRollback: async () => {
        const id = await declare('Rolled back');
        expectOk(
          await postIncidentUpdate(context, testActor, id, { status: 'identified', message: 'Errors.', rollbackCriteria: ['error_rate'] }),
        );
        return { id, body: { decision: 'rolled_back', reason: 'Errors over 5 %.' } };
      },
      listIncidentActionItems: async () => ({ id: await declare('Followed up') }),
      addActionItem: async () => ({ id: await declare('Learned from'), body: { title: 'Alert on errors', ownerId: staff } }),
      listActionItems: async () => ({ query: { state: 'open', overdue: 'false' } }),
      updateActionItem: async () => ({ id: await actionItem('Rescheduled'), body: { dueDate: '2026-04-30' } }),
      changeActionItemState: async () => ({ id: await actionItem('Finished'), body: { state: 'done' } }),
      listIncidentTemplates: async () => ({}),
      createIncidentTemplate: async () => ({
        body: {
          name: 'API down',
          title: 'API unavailable',
          status: 'investigating',
          components: [{ componentId: api.id, status: 'major_outage' }],
        },
      }),
      getIncidentTemplate: async () => ({ id: await template('Read') }),
      updateIncidentTemplate: async () => ({ id: await template('Edited'), body: { severity: 'high' } }),
      deleteIncidentTemplate: async () => ({ id: await template('Deleted') }),
      listMaintenances: async () => ({ query: { state: 'upcoming' } }),
      scheduleMaintenance: async () => ({
        body: {
          title: 'Scheduled',
          description: 'Work.',
          startsAt: '2026-03-11T02:00',
          endsAt: '2026-03-11T03:00',
          timeZone: 'Europe/Paris',
        },
      }),
      getMaintenance: async () => ({ id: await schedule('Read') }),
      updateMaintenance: async () => ({ id: await schedule('Moved'), body: { startsAt: '2026-03-12T02:00', endsAt: '2026-03-12T03:00' } }),
      startMaintenance: async () => ({ id: await schedule('Started'), body: {} }),
      completeMaintenance: async () => {
        const id = await schedule('Completed');
        expectOk(await startMaintenanceNow(context, testActor, id, {}));
        return { id, body: { message: 'Done.' } };
      },
      cancelMaintenance: async () => ({ id: await schedule('Cancelled'), body: {} }),
      listMaintenanceTemplates: async () => ({}),
      createMaintenanceTemplate: async () => ({
        body: { name: 'DB upgrade', title: 'Database upgrade', description: 'Work.', durationMinutes: 90, components: [api.id] },
      }),
      getMaintenanceTemplate: async () => ({ id: await maintenanceTemplate('Read') }),
      updateMaintenanceTemplate: async () => ({ id: await maintenanceTemplate('Edited'), body: { durationMinutes: 30 } }),
      deleteMaintenanceTemplate: async () => ({ id: await maintenanceTemplate('Deleted') }),
      listSubscribers: async () => ({ query: { state: 'confirmed' } }),
      addSubscriber: async () => ({ body: { email: 'new@example.com', componentIds: [api.id] } }),
      removeSubscriber: async () => ({ id: await subscriber('gone@example.com') }),
      getPageSettings: async () => ({}),
      updatePageSettings: async () => ({ body: { name: 'Acme Status' } }),
      getCommunicationPolicy: async () => ({}),
      updateCommunicationPolicy: async () => ({ body: { customerEmailDelaySeconds: 120 } }),
      getRollbackCriteria: async () => ({}),
      updateRollbackCriteria: async () => ({
        body: {
          criteria: [
            { id: 'error_rate', label: 'Errors over 5 %' },
            { id: 'performance_degradation', label: 'Slow' },
          ],
        },
      }),
    };
  });

  it('has a sample request for every operation', () => {
    expect(operations.map(({ operation }) => operation.operationId).filter((id) => !(id in samples))).toEqual([]);
  });

  it.each(operations.map((item) => ({ ...item, label: `${item.method} ${item.path} (${item.operation.operationId})` })))(
    '$label answers its documented success status',
    async ({ path, method, operation }) => {
      const sample = samples[operation.operationId];
      const documented = Object.keys(operation.responses);
      if (!sample) {
        // Not sampled yet (the test above fails): at least the status it answers must be documented.
        const answer = await admin.call(method, path.replace(/\{\w+\}/g, 'unknownid'), {
          body: method === 'POST' || method === 'PATCH' ? {} : undefined,
        });
        expect(documented).toContain(String(answer.status));
        return;
      }
      clock.advance(60_000);
      const { id, body, query } = await sample();
      const concrete = path.replace(/\{id\}/g, () => {
        if (!id) throw new Error(`The sample of ${operation.operationId} gives no id`);
        return id;
      });
      const answer = await admin.call(method, concrete, { body, query });
      expect(documented, `${method} ${concrete} answered ${answer.status}: ${answer.text}`).toContain(String(answer.status));
      expect(successStatuses(operation), `${method} ${concrete}: ${answer.text}`).toEqual([String(answer.status)]);
      if (operation.responses[String(answer.status)]!.content) expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      else expect(answer.text).toBe('');
    },
  );

  it('answers only documented statuses to a body it cannot read (not JSON, broken JSON, too large)', async () => {
    const undocumented: string[] = [];
    const tooLarge = JSON.stringify({ name: 'x'.repeat(MAX_API_BODY_BYTES) });
    // Every POST and PATCH reads its body, even one documented without a body (it may be empty).
    for (const { path, method, operation } of operations.filter((item) => item.method === 'POST' || item.method === 'PATCH')) {
      const documented = Object.keys(operation.responses);
      const concrete = path.replace(/\{\w+\}/g, 'unknownid');
      const probes = {
        'a form post': { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        'broken JSON': { body: '{', headers: { 'content-type': 'application/json' } },
        'a body over the limit': { body: tooLarge, headers: { 'content-type': 'application/json' } },
      };
      for (const [probe, options] of Object.entries(probes)) {
        const answer = await admin.call(method, concrete, options);
        expect(answer.status, `${method} ${path} with ${probe}`).toBeGreaterThanOrEqual(400);
        if (!documented.includes(String(answer.status))) undocumented.push(`${method} ${path} answers ${answer.status} to ${probe}`);
      }
    }
    expect(undocumented, undocumented.join('\n')).toEqual([]);
  });
});
