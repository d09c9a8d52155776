import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, incident, incidentComponent, incidentUpdate } from '../../src/lib/server/db/schema';
import { getComponent, removeComponent, setComponentStatus } from '../../src/lib/server/services/components/catalog';
import { listIncidents, listOpenIncidents } from '../../src/lib/server/services/incidents/incident-lists';
import {
  correctIncidentUpdate,
  declareIncident,
  postIncidentUpdate,
  updateIncidentDetails,
} from '../../src/lib/server/services/incidents/incident-commands';
import { getIncidentDetail } from '../../src/lib/server/services/incidents/incident-detail';
import {
  auditRowsFor,
  countRows,
  expectFailure,
  expectInvalid,
  expectOk,
  HOUR,
  intervalsOf,
  MINUTE,
  testActor,
} from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

const { tick, newComponent, declare, post } = incidentHelpers({ clock, context });

async function statusOf(id: string) {
  return (await getComponent(context, id))!.status;
}

async function writeCounts() {
  return {
    incidents: await countRows(handle.db, incident),
    updates: await countRows(handle.db, incidentUpdate),
    links: await countRows(handle.db, incidentComponent),
    audit: await countRows(handle.db, auditLog),
  };
}

describe('declaring an incident', () => {
  it('changes the named components, writes the first update and links the components', async () => {
    const api = await newComponent('API');
    const web = await newComponent('Web');
    const untouched = await newComponent('Untouched');

    const declared = await declare({
      title: 'API errors',
      severity: 'high',
      message: 'Elevated error rates on the API.',
      components: [
        { componentId: api.id, status: 'major_outage' },
        { componentId: web.id, status: 'degraded_performance' },
      ],
    });
    const now = clock.now();
    expect(declared).toMatchObject({
      title: 'API errors',
      severity: 'high',
      status: 'investigating',
      startedAt: now,
      createdAt: now,
      monitoringAt: null,
      resolvedAt: null,
      declaredBy: null,
    });

    expect(await statusOf(api.id)).toBe('major_outage');
    expect(await statusOf(web.id)).toBe('degraded_performance');
    expect(await statusOf(untouched.id)).toBe('operational');

    const apiIntervals = await intervalsOf(handle.db, api.id);
    expect(apiIntervals.at(-2)).toMatchObject({ status: 'operational', endedAt: now });
    expect(apiIntervals.at(-1)).toMatchObject({ status: 'major_outage', startedAt: now, endedAt: null, incidentId: declared.id });

    const links = await handle.db.select().from(incidentComponent).where(eq(incidentComponent.incidentId, declared.id));
    expect(links.map((row) => row.componentId).sort()).toEqual([api.id, web.id].sort());

    const detail = (await getIncidentDetail(context, declared.id))!;
    expect(detail.updates).toHaveLength(1);
    expect(detail.updates[0]).toMatchObject({
      status: 'investigating',
      body: 'Elevated error rates on the API.',
      displayAt: now,
      createdAt: now,
      editedAt: null,
      // A High incident is an outage: customers hear through the five-minute rule, not at once.
      notifySubscribers: false,
      componentChanges: [
        { componentId: api.id, name: 'API', oldStatus: 'operational', newStatus: 'major_outage' },
        { componentId: web.id, name: 'Web', oldStatus: 'operational', newStatus: 'degraded_performance' },
      ],
    });
    expect(detail.components.map((item) => [item.name, item.status, item.archived])).toEqual([
      ['API', 'major_outage', false],
      ['Web', 'degraded_performance', false],
    ]);

    const audit = await auditRowsFor(handle.db, declared.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'incident.declare', entityType: 'incident', before: null, actorLabel: 'test-suite' });
    expect(audit[0]!.after).toMatchObject({ id: declared.id, title: 'API errors', message: 'Elevated error rates on the API.' });
    expect((audit[0]!.after as { components: unknown[] }).components).toHaveLength(2);

    // Tidy up so the open-incident lists below only see their own incidents.
    await post(declared.id, { status: 'resolved', message: 'Fixed.' });
  });

  it('an incident without components writes no component changes', async () => {
    const declared = await declare({ title: 'Email delays', notifySubscribers: false });
    const detail = (await getIncidentDetail(context, declared.id))!;
    expect(detail.components).toEqual([]);
    expect(detail.updates[0]).toMatchObject({ componentChanges: null, notifySubscribers: false });
    await post(declared.id, { status: 'resolved' });
  });

  it('declared in monitoring, it is monitored from its start', async () => {
    const declared = await declare({ status: 'monitoring' });
    expect(declared.monitoringAt).toEqual(declared.startedAt);
    await post(declared.id, { status: 'resolved' });
  });

  it('backfills an incident that started in the past', async () => {
    const db = await newComponent('Database');
    const now = clock.advance(4 * HOUR);
    const startedAt = new Date(now.getTime() - 3 * HOUR);

    const declared = expectOk(
      await declareIncident(context, testActor, {
        title: 'Replica lag',
        severity: 'medium',
        status: 'investigating',
        message: 'Replicas are behind.',
        startedAt: startedAt.toISOString(),
        components: [{ componentId: db.id, status: 'partial_outage' }],
      }),
    );
    expect(declared.startedAt).toEqual(startedAt);
    expect(declared.createdAt).toEqual(now);

    const intervals = await intervalsOf(handle.db, db.id);
    expect(intervals.map(({ status, startedAt: start, endedAt }) => ({ status, start, endedAt }))).toEqual([
      { status: 'operational', start: db.createdAt, endedAt: startedAt },
      { status: 'partial_outage', start: startedAt, endedAt: null },
    ]);

    const [first] = (await getIncidentDetail(context, declared.id))!.updates;
    expect(first).toMatchObject({ displayAt: startedAt, createdAt: now });

    await post(declared.id, { status: 'resolved' });
  });

  it('refuses a start time more than a minute in the future, and allows clock drift below that', async () => {
    const before = await writeCounts();
    const now = clock.now();
    const errors = expectInvalid(
      await declareIncident(context, testActor, {
        title: 'From the future',
        severity: 'low',
        status: 'investigating',
        message: 'Soon.',
        startedAt: new Date(now.getTime() + 2 * MINUTE),
      }),
    );
    expect(errors).toHaveProperty('startedAt');
    expect(
      expectInvalid(
        await declareIncident(context, testActor, {
          title: 'Bad date',
          severity: 'low',
          status: 'investigating',
          message: 'x',
          startedAt: 'not a date',
        }),
      ),
    ).toHaveProperty('startedAt');
    expect(await writeCounts()).toEqual(before);

    const drifted = expectOk(
      await declareIncident(context, testActor, {
        title: 'Slightly ahead',
        severity: 'low',
        status: 'investigating',
        message: 'Clock drift.',
        startedAt: new Date(now.getTime() + 30_000),
      }),
    );
    expect(drifted.startedAt).toEqual(new Date(now.getTime() + 30_000));
    await post(drifted.id, { status: 'resolved' });
  });

  it('refuses an unknown or archived component and writes nothing', async () => {
    const real = await newComponent('Real');
    const archived = await newComponent('Archived');
    tick();
    expectOk(await setComponentStatus(context, testActor, archived.id, { status: 'degraded_performance' }));
    tick();
    expect(expectOk(await removeComponent(context, testActor, archived.id)).outcome).toBe('archived');

    const before = await writeCounts();
    tick();
    const errors = expectInvalid(
      await declareIncident(context, testActor, {
        title: 'Ghost',
        severity: 'critical',
        status: 'identified',
        message: 'Boo.',
        components: [
          { componentId: real.id, status: 'major_outage' },
          { componentId: 'nosuchcomponent0', status: 'major_outage' },
          { componentId: archived.id, status: 'major_outage' },
        ],
      }),
    );
    expect(errors).toEqual({
      'components.1.componentId': 'That component does not exist.',
      'components.2.componentId': 'That component does not exist.',
    });
    expect(await writeCounts()).toEqual(before);
    expect(await statusOf(real.id)).toBe('operational');
    expect(await intervalsOf(handle.db, real.id)).toHaveLength(1);
  });

  it('refuses invalid input', async () => {
    const item = await newComponent('Validated');
    const before = await writeCounts();
    const base = { title: 'Valid', severity: 'low', status: 'investigating', message: 'Valid.' } as const;
    expect(expectInvalid(await declareIncident(context, testActor, { ...base, title: ' ' }))).toHaveProperty('title');
    expect(expectInvalid(await declareIncident(context, testActor, { ...base, title: 't'.repeat(201) }))).toHaveProperty('title');
    expect(expectInvalid(await declareIncident(context, testActor, { ...base, message: '' }))).toHaveProperty('message');
    expect(expectInvalid(await declareIncident(context, testActor, { ...base, severity: 'apocalyptic' as 'low' }))).toHaveProperty(
      'severity',
    );
    // An incident cannot be declared already resolved.
    expect(expectInvalid(await declareIncident(context, testActor, { ...base, status: 'resolved' as 'investigating' }))).toHaveProperty(
      'status',
    );
    expect(
      expectInvalid(
        await declareIncident(context, testActor, {
          ...base,
          components: [
            { componentId: item.id, status: 'major_outage' },
            { componentId: item.id, status: 'partial_outage' },
          ],
        }),
      ),
    ).toHaveProperty('components');
    expect(await writeCounts()).toEqual(before);
  });
});

describe('updating an incident', () => {
  it('a monitoring update sets monitoringAt once', async () => {
    const declared = await declare();
    const firstMonitoring = tick();
    expectOk(await postIncidentUpdate(context, testActor, declared.id, { status: 'monitoring', message: 'A fix is deployed.' }));
    expect((await getIncidentDetail(context, declared.id))!.incident).toMatchObject({
      status: 'monitoring',
      monitoringAt: firstMonitoring,
    });

    await post(declared.id, { status: 'identified', message: 'It came back.' });
    await post(declared.id, { status: 'monitoring', message: 'Second fix deployed.' });
    expect((await getIncidentDetail(context, declared.id))!.incident).toMatchObject({
      status: 'monitoring',
      monitoringAt: firstMonitoring,
    });

    const audit = await auditRowsFor(handle.db, declared.id);
    expect(audit.map((row) => row.action)).toEqual(['incident.declare', 'incident.update', 'incident.update', 'incident.update']);
    expect(audit[1]).toMatchObject({ before: { status: 'investigating' }, after: { status: 'monitoring', message: 'A fix is deployed.' } });
    await post(declared.id, { status: 'resolved' });
  });

  it('an update can change component statuses', async () => {
    const cdn = await newComponent('CDN');
    const declared = await declare({ components: [{ componentId: cdn.id, status: 'degraded_performance' }] });
    const update = await post(declared.id, { status: 'identified', components: [{ componentId: cdn.id, status: 'major_outage' }] });
    expect(update.componentChanges).toEqual([
      { componentId: cdn.id, name: 'CDN', oldStatus: 'degraded_performance', newStatus: 'major_outage' },
    ]);
    expect(await statusOf(cdn.id)).toBe('major_outage');
    expect((await intervalsOf(handle.db, cdn.id)).map((row) => [row.status, row.endedAt === null])).toEqual([
      ['operational', false],
      ['degraded_performance', false],
      ['major_outage', true],
    ]);
    await post(declared.id, { status: 'resolved' });
  });

  it('refuses an update to an unknown incident, with an unknown component, or without a message', async () => {
    const declared = await declare();
    const before = await writeCounts();
    expectFailure(await postIncidentUpdate(context, testActor, 'nosuchincident00', { status: 'identified', message: 'x' }), 'not_found');
    expect(
      expectInvalid(
        await postIncidentUpdate(context, testActor, declared.id, {
          status: 'identified',
          message: 'x',
          components: [{ componentId: 'nosuchcomponent0', status: 'major_outage' }],
        }),
      ),
    ).toHaveProperty(['components.0.componentId']);
    expect(
      expectInvalid(await postIncidentUpdate(context, testActor, declared.id, { status: 'identified', message: '  ' })),
    ).toHaveProperty('message');
    expect(
      expectInvalid(await postIncidentUpdate(context, testActor, declared.id, { status: 'postmortem' as 'resolved', message: 'x' })),
    ).toHaveProperty('status');
    expect(await writeCounts()).toEqual(before);
    expect((await getIncidentDetail(context, declared.id))!.incident.status).toBe('investigating');
    await post(declared.id, { status: 'resolved' });
  });
});

describe('resolving an incident', () => {
  it('returns affected components to operational, except one another open incident still holds', async () => {
    const api = await newComponent('Resolve API');
    const shared = await newComponent('Resolve shared');
    const first = await declare({
      components: [
        { componentId: api.id, status: 'major_outage' },
        { componentId: shared.id, status: 'degraded_performance' },
      ],
    });
    const second = await declare({ components: [{ componentId: shared.id, status: 'partial_outage' }] });

    const resolvedAt = tick();
    const update = expectOk(await postIncidentUpdate(context, testActor, first.id, { status: 'resolved', message: 'All good.' }));
    expect(update.componentChanges).toEqual([
      { componentId: api.id, name: 'Resolve API', oldStatus: 'major_outage', newStatus: 'operational' },
    ]);
    expect(await statusOf(api.id)).toBe('operational');
    expect(await statusOf(shared.id)).toBe('partial_outage');
    expect((await getIncidentDetail(context, first.id))!.incident).toMatchObject({ status: 'resolved', resolvedAt });

    const audit = (await auditRowsFor(handle.db, first.id)).at(-1)!;
    expect(audit).toMatchObject({ action: 'incident.resolve', before: { status: 'investigating' }, after: { status: 'resolved' } });

    // Once the other incident resolves too, the shared component is operational again.
    await post(second.id, { status: 'resolved' });
    expect(await statusOf(shared.id)).toBe('operational');
    expect((await intervalsOf(handle.db, shared.id)).map((row) => row.status)).toEqual([
      'operational',
      'degraded_performance',
      'partial_outage',
      'operational',
    ]);
  });

  it('keeps the status the resolving update names', async () => {
    const search = await newComponent('Resolve search');
    const other = await newComponent('Resolve other');
    const declared = await declare({
      components: [
        { componentId: search.id, status: 'major_outage' },
        { componentId: other.id, status: 'major_outage' },
      ],
    });
    await post(declared.id, {
      status: 'resolved',
      message: 'Resolved; search is still reindexing.',
      components: [{ componentId: search.id, status: 'degraded_performance' }],
    });
    expect(await statusOf(search.id)).toBe('degraded_performance');
    expect(await statusOf(other.id)).toBe('operational');
  });

  it('reopening a resolved incident clears resolvedAt; resolving again sets it anew', async () => {
    const declared = await declare();
    const firstResolution = tick();
    expectOk(await postIncidentUpdate(context, testActor, declared.id, { status: 'resolved', message: 'Done.' }));
    expect((await getIncidentDetail(context, declared.id))!.incident.resolvedAt).toEqual(firstResolution);
    expect((await listOpenIncidents(context)).map((item) => item.incident.id)).not.toContain(declared.id);

    await post(declared.id, { status: 'investigating', message: 'It is back.' });
    const reopened = (await getIncidentDetail(context, declared.id))!.incident;
    expect(reopened).toMatchObject({ status: 'investigating', resolvedAt: null });
    expect((await listOpenIncidents(context)).map((item) => item.incident.id)).toContain(declared.id);

    const secondResolution = tick();
    expectOk(await postIncidentUpdate(context, testActor, declared.id, { status: 'resolved', message: 'Done for real.' }));
    expect((await getIncidentDetail(context, declared.id))!.incident.resolvedAt).toEqual(secondResolution);
  });
});

describe('editing', () => {
  it('correctIncidentUpdate changes the text and marks it edited', async () => {
    const declared = await declare({ message: 'We are investigatign.' });
    const [update] = (await getIncidentDetail(context, declared.id))!.updates;
    const editedAt = tick();
    const corrected = expectOk(await correctIncidentUpdate(context, testActor, update!.id, { message: 'We are investigating.' }));
    expect(corrected).toMatchObject({
      body: 'We are investigating.',
      editedAt,
      createdAt: update!.createdAt,
      displayAt: update!.displayAt,
    });

    const detail = (await getIncidentDetail(context, declared.id))!;
    expect(detail.updates[0]).toMatchObject({ body: 'We are investigating.', editedAt });
    expect(detail.incident.updatedAt).toEqual(editedAt);

    const [audit] = await auditRowsFor(handle.db, update!.id);
    expect(audit).toMatchObject({
      action: 'incident_update.correct',
      entityType: 'incident_update',
      before: { body: 'We are investigatign.' },
      after: { body: 'We are investigating.' },
    });

    const before = await writeCounts();
    expect(expectInvalid(await correctIncidentUpdate(context, testActor, update!.id, { message: '' }))).toHaveProperty('message');
    expectFailure(await correctIncidentUpdate(context, testActor, 'nosuchupdate0000', { message: 'x' }), 'not_found');
    expect(await writeCounts()).toEqual(before);
    await post(declared.id, { status: 'resolved' });
  });

  it('updateIncidentDetails changes the title and severity', async () => {
    const declared = await declare({ title: 'Slow', severity: 'low' });
    const at = tick();
    const updated = expectOk(
      await updateIncidentDetails(context, testActor, declared.id, { title: 'Checkout is slow', severity: 'critical' }),
    );
    expect(updated).toMatchObject({ title: 'Checkout is slow', severity: 'critical', updatedAt: at, status: 'investigating' });
    expect((await auditRowsFor(handle.db, declared.id)).at(-1)).toMatchObject({
      action: 'incident.severity',
      before: { title: 'Slow', severity: 'low' },
      after: { title: 'Checkout is slow', severity: 'critical' },
    });

    const before = await writeCounts();
    expect(expectInvalid(await updateIncidentDetails(context, testActor, declared.id, { title: '', severity: 'low' }))).toHaveProperty(
      'title',
    );
    expect(
      expectInvalid(await updateIncidentDetails(context, testActor, declared.id, { title: 'x', severity: 'nope' as 'low' })),
    ).toHaveProperty('severity');
    expectFailure(await updateIncidentDetails(context, testActor, 'nosuchincident00', { title: 'x', severity: 'low' }), 'not_found');
    expect(await writeCounts()).toEqual(before);
    expect((await getIncidentDetail(context, declared.id))!.incident.title).toBe('Checkout is slow');
    await post(declared.id, { status: 'resolved' });
  });
});

describe('reading incidents', () => {
  it('getIncidentDetail lists updates newest first, a backfilled first update last', async () => {
    const now = clock.now();
    const declared = await declare({ message: 'First', startedAt: new Date(now.getTime() - 2 * HOUR) });
    await post(declared.id, { status: 'identified', message: 'Second' });
    await post(declared.id, { status: 'monitoring', message: 'Third' });
    await post(declared.id, { status: 'resolved', message: 'Fourth' });
    const detail = (await getIncidentDetail(context, declared.id))!;
    expect(detail.updates.map((item) => item.body)).toEqual(['Fourth', 'Third', 'Second', 'First']);
    expect(detail.updates.map((item) => item.status)).toEqual(['resolved', 'monitoring', 'identified', 'investigating']);
    expect(await getIncidentDetail(context, 'nosuchincident00')).toBeUndefined();
  });

  it('getIncidentDetail still shows an archived component', async () => {
    const item = await newComponent('Soon archived');
    const declared = await declare({ components: [{ componentId: item.id, status: 'partial_outage' }] });
    await post(declared.id, { status: 'resolved' });
    tick();
    expectOk(await removeComponent(context, testActor, item.id));
    expect((await getIncidentDetail(context, declared.id))!.components).toEqual([
      { id: item.id, name: 'Soon archived', status: 'operational', archived: true },
    ]);
  });

  it('listIncidents pages newest first and filters by component and state', async () => {
    const paged = await newComponent('Paged');
    const titles: string[] = [];
    const ids: string[] = [];
    for (let index = 1; index <= 5; index += 1) {
      clock.advance(HOUR);
      const item = await declare({ title: `Paged ${index}`, components: [{ componentId: paged.id, status: 'degraded_performance' }] });
      titles.push(item.title);
      ids.push(item.id);
    }
    // Incidents 1, 2 and 4 are closed; 3 and 5 stay open.
    for (const index of [0, 1, 3]) await post(ids[index]!, { status: 'resolved' });

    const page1 = await listIncidents(context, { page: 1, componentId: paged.id, pageSize: 2 });
    expect(page1).toMatchObject({ page: 1, pageCount: 3, total: 5 });
    expect(page1.items.map((item) => item.incident.title)).toEqual(['Paged 5', 'Paged 4']);
    const page3 = await listIncidents(context, { page: 3, componentId: paged.id, pageSize: 2 });
    expect(page3.items.map((item) => item.incident.title)).toEqual(['Paged 1']);
    const page4 = await listIncidents(context, { page: 4, componentId: paged.id, pageSize: 2 });
    expect(page4.items).toEqual([]);

    expect(page1.items[0]!.components).toEqual([{ id: paged.id, name: 'Paged', status: 'degraded_performance' }]);
    expect(page1.items[1]!.latestUpdate).toMatchObject({ status: 'resolved' });

    const open = await listIncidents(context, { page: 1, componentId: paged.id, state: 'open' });
    expect(open.items.map((item) => item.incident.title)).toEqual(['Paged 5', 'Paged 3']);
    expect(open.total).toBe(2);
    const closed = await listIncidents(context, { page: 1, componentId: paged.id, state: 'closed' });
    expect(closed.items.map((item) => item.incident.title)).toEqual(['Paged 4', 'Paged 2', 'Paged 1']);

    // Without a filter every incident is listed, newest start first.
    const everything = await listIncidents(context, { page: 1, pageSize: 1000 });
    expect(everything.total).toBe(await countRows(handle.db, incident));
    expect(everything.items.slice(0, 5).map((item) => item.incident.title)).toEqual([...titles].reverse());
    const starts = everything.items.map((item) => item.incident.startedAt.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => b - a));

    // A component with no incidents has an empty history.
    const quiet = await newComponent('Quiet');
    expect(await listIncidents(context, { page: 1, componentId: quiet.id })).toMatchObject({ items: [], total: 0, pageCount: 1 });

    for (const index of [2, 4]) await post(ids[index]!, { status: 'resolved' });
  });

  it('listOpenIncidents lists open incidents with their latest update', async () => {
    for (const item of await listOpenIncidents(context)) await post(item.incident.id, { status: 'resolved' });
    expect(await listOpenIncidents(context)).toEqual([]);
    const older = await declare({ title: 'Older', message: 'Older, first' });
    await post(older.id, { status: 'identified', message: 'Older, second' });
    const newer = await declare({ title: 'Newer', message: 'Newer, first' });
    const closed = await declare({ title: 'Closed' });
    await post(closed.id, { status: 'resolved' });

    const open = await listOpenIncidents(context);
    expect(open.map((item) => item.incident.title)).toEqual(['Newer', 'Older']);
    expect(open.map((item) => item.latestUpdate?.body)).toEqual(['Newer, first', 'Older, second']);
    expect(open[1]!.incident.status).toBe('identified');

    await post(older.id, { status: 'resolved' });
    await post(newer.id, { status: 'resolved' });
    expect(await listOpenIncidents(context)).toEqual([]);
  });
});

describe('audit trail', () => {
  it('every incident write is recorded once, in order', async () => {
    const item = await newComponent('Audited incident component');
    const declared = await declare({ components: [{ componentId: item.id, status: 'major_outage' }] });
    await post(declared.id, { status: 'identified' });
    tick();
    expectOk(await updateIncidentDetails(context, testActor, declared.id, { title: 'Renamed', severity: 'high' }));
    await post(declared.id, { status: 'resolved' });
    await post(declared.id, { status: 'investigating' });
    await post(declared.id, { status: 'resolved' });

    const rows = await auditRowsFor(handle.db, declared.id);
    expect(rows.map((row) => row.action)).toEqual([
      'incident.declare',
      'incident.update',
      'incident.severity',
      'incident.resolve',
      'incident.update',
      // Reopened, the High incident is an outage again; resolved after its due moment, customers get the owed email.
      'incident.customer_email',
      'incident.resolve',
    ]);
    for (const row of rows) expect(row.after).not.toBeNull();
    expect(rows.slice(1).every((row) => row.before !== null)).toBe(true);
    const times = rows.map((row) => row.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
