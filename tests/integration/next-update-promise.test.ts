/**
 * The promised "next update by" (issue 16, part 4) through the interfaces other than the admin
 * forms: the management API takes it on declaring and updating (defaulting to the severity's
 * cadence, refusing a time in the past), the Statuspage v2 API shows it in Herald's own field,
 * and the per-severity cadence is read and patched through the settings API, audited. A policy
 * stored before cadence was per severity keeps its one cadence for every severity.
 */
import type { APIContext } from 'astro';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultCommunicationPolicy, nextUpdateDueAt } from '../../src/lib/domain/communication-policy';
import type { IncidentsBody } from '../../src/lib/domain/statuspage/bodies';
import { auditLog, incident, incidentUpdate } from '../../src/lib/server/db/schema';
import { invalidatePublicReads } from '../../src/lib/server/public-cache';
import { authenticateApiKey, createApiKey } from '../../src/lib/server/services/access/api-keys';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { receiveAlerts } from '../../src/lib/server/services/intake/receive-alerts';
import { updateIntakeSettings } from '../../src/lib/server/services/intake/intake-settings';
import { getCommunicationPolicy } from '../../src/lib/server/services/plan/policy';
import { writeSetting } from '../../src/lib/server/services/settings/setting-rows';
import * as incidentsRoute from '../../src/pages/api/v2/incidents.json';
import { alertmanagerPayload } from '../support/alert-payloads';
import { apiClient, type ApiAnswer, type ApiClient } from '../support/api-client';
import { expectOk, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const START = new Date('2026-03-02T09:00:00.000Z');
const { clock, handle, context } = useTestContext({ start: START });
let admin: ApiClient;
let responder: ApiClient;

beforeAll(async () => {
  process.env.PUBLIC_URL = 'https://status.example.test';
  admin = apiClient(context, expectOk(await createApiKey(context, testActor, { name: 'admin-bot', role: 'admin' })).token);
  responder = apiClient(context, expectOk(await createApiKey(context, testActor, { name: 'pager', role: 'responder' })).token);
});

const after = (offset: number) => new Date(START.getTime() + offset);

function ok(answer: ApiAnswer, status = 200) {
  expect(answer.status, answer.text).toBe(status);
  return answer.json;
}

/** The fields a 422 problem document names, with their messages. */
function fieldErrors(answer: ApiAnswer): Record<string, string> {
  expect(answer.status, answer.text).toBe(422);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const errors = (answer.json as { errors?: { field: string; message: string }[] }).errors ?? [];
  return Object.fromEntries(errors.map((error) => [error.field, error.message]));
}

async function statuspageIncidents(): Promise<IncidentsBody> {
  invalidatePublicReads();
  const request = new Request('https://status.example.test/api/v2/incidents.json');
  const response = await incidentsRoute.GET({ request, url: new URL(request.url), locals: { context } } as unknown as APIContext);
  expect(response.status).toBe(200);
  return (await response.json()) as IncidentsBody;
}

describe('the next update through the management API and the Statuspage API', () => {
  it('defaults to the cadence, keeps a chosen time, refuses the past, and promises nothing on resolving', async () => {
    clock.set(START);
    const declared = ok(
      await responder.call('POST', '/incidents', {
        body: { title: 'Checkout errors', severity: 'critical', status: 'investigating', message: 'Checkout fails for some.' },
      }),
      201,
    );
    // Critical: every 20 minutes at first.
    expect(declared.updates[0].nextUpdateBy).toBe(after(20 * MINUTE).toISOString());

    clock.set(after(10 * MINUTE));
    const chosen = after(45 * MINUTE).toISOString();
    const updated = ok(
      await responder.call('POST', `/incidents/${declared.id}/updates`, {
        body: { status: 'identified', message: 'A bad deploy; rolling back.', nextUpdateBy: chosen },
      }),
      201,
    );
    expect(updated.updates[0].nextUpdateBy).toBe(chosen);

    const before = await handle.db.select().from(incidentUpdate).where(eq(incidentUpdate.incidentId, declared.id));
    expect(
      fieldErrors(
        await responder.call('POST', `/incidents/${declared.id}/updates`, {
          body: { status: 'monitoring', message: 'Watching.', nextUpdateBy: after(5 * MINUTE).toISOString() },
        }),
      ),
    ).toEqual({ nextUpdateBy: 'The next update time must be in the future.' });
    expect(
      fieldErrors(
        await responder.call('POST', `/incidents/${declared.id}/updates`, {
          body: { status: 'monitoring', message: 'Watching.', nextUpdateBy: 'soon' },
        }),
      ),
    ).toHaveProperty('nextUpdateBy');
    expect(await handle.db.select().from(incidentUpdate).where(eq(incidentUpdate.incidentId, declared.id))).toHaveLength(before.length);

    const [open] = (await statuspageIncidents()).incidents;
    expect(open!.incident_updates.map((update) => update.herald_next_update_by)).toEqual([chosen, after(20 * MINUTE).toISOString()]);

    clock.set(after(30 * MINUTE));
    const resolved = ok(await responder.call('POST', `/incidents/${declared.id}/resolve`, { body: { message: 'Fixed.' } }));
    expect(resolved.updates[0].nextUpdateBy).toBeNull();
    const [closed] = (await statuspageIncidents()).incidents;
    expect(closed!.incident_updates[0]!.herald_next_update_by).toBeNull();
  });

  it('gives an incident an alert opened the cadence’s next update', async () => {
    clock.set(after(60 * MINUTE));
    await createComponent(context, testActor, { name: 'Search' });
    expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident', autoResolve: false, rules: [] }));
    const created = expectOk(await createApiKey(context, testActor, { name: 'alertmanager', role: 'responder' }));
    const authenticated = await authenticateApiKey(context, created.token);
    if (!authenticated.ok) throw new Error(authenticated.reason);
    const labels = { alertname: 'HighErrorRate', severity: 'warning', component: 'search' };
    const payload = alertmanagerPayload({
      groupKey: '{}:{alertname="HighErrorRate"}',
      alerts: [{ labels, annotations: { error_rate: '12.4%' } }],
    });
    const { incidentId } = expectOk(await receiveAlerts(context, authenticated.principal, 'alertmanager', payload));
    const [row] = await handle.db.select().from(incident).where(eq(incident.id, incidentId!));
    const [update] = await handle.db.select().from(incidentUpdate).where(eq(incidentUpdate.incidentId, incidentId!));
    expect(update!.nextUpdateBy).not.toBeNull();
    expect(update!.nextUpdateBy).toEqual(nextUpdateDueAt(defaultCommunicationPolicy, row!, clock.now()));
  });
});

describe('the cadence by severity through the settings API', () => {
  it('reads the defaults, patches one severity keeping the others, refuses a half-set cadence, and is audited', async () => {
    clock.set(after(2 * 60 * MINUTE));
    const policy = ok(await admin.call('GET', '/settings/communication'));
    expect(policy.updateCadence).toEqual(defaultCommunicationPolicy.updateCadence);

    const changed = ok(await admin.call('PATCH', '/settings/communication', { body: { updateCadence: { low: { everyMinutes: 240 } } } }));
    expect(changed.updateCadence).toEqual({
      ...defaultCommunicationPolicy.updateCadence,
      low: { everyMinutes: 240, forFirstMinutes: null, thenEveryMinutes: null },
    });
    const [audit] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'settings.communication'), eq(auditLog.actorLabel, 'API key "admin-bot"')));
    expect(audit).toMatchObject({ entityId: 'communication' });

    expect(
      fieldErrors(
        await admin.call('PATCH', '/settings/communication', {
          body: { updateCadence: { high: { everyMinutes: 30, thenEveryMinutes: 60 } } },
        }),
      ),
    ).toEqual({ 'updateCadence.high.forFirstMinutes': 'Say how long the first cadence lasts before the later one applies.' });
    expect(
      fieldErrors(await admin.call('PATCH', '/settings/communication', { body: { updateCadence: { high: { everyMinutes: 0 } } } })),
    ).toEqual({
      'updateCadence.high.everyMinutes': 'The cadence must be at least 1.',
    });
    expect(ok(await admin.call('GET', '/settings/communication'))).toEqual(changed);
    expect((await responder.call('PATCH', '/settings/communication', { body: { updateCadence: {} } })).status).toBe(403);
  });

  it('reads a policy stored with one cadence for every severity as that cadence for each', async () => {
    const { updateCadence: _cadence, ...rest } = defaultCommunicationPolicy;
    await writeSetting(handle.db, 'communication', { ...rest, updateCadenceMinutes: 45 }, clock.now());
    const every45 = { everyMinutes: 45, forFirstMinutes: null, thenEveryMinutes: null };
    expect((await getCommunicationPolicy(context)).updateCadence).toEqual({
      critical: every45,
      high: every45,
      medium: every45,
      low: every45,
    });
  });
});
