/**
 * Incident templates: created, edited and deleted through the service and the management API,
 * each write audited; bad input (an archived component, a duplicate name) refused with nothing
 * changed; and a template filling the declare form, which staff post as it stands.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createIncidentTemplateForm, templateFormValues, updateFilledFromTemplate } from '../../src/forms/incident-templates';
import { declareIncidentForm, postIncidentUpdateForm } from '../../src/forms/incidents';
import { auditLog, incidentTemplate, incidentTemplateComponent } from '../../src/lib/server/db/schema';
import { apiKeyActorLabel, createApiKey } from '../../src/lib/server/services/access/api-keys';
import { createUserWithPassword, labelOf, type StaffActor } from '../../src/lib/server/services/access/users';
import { removeComponent } from '../../src/lib/server/services/components/catalog';
import { getIncidentDetail } from '../../src/lib/server/services/incidents/incident-detail';
import {
  createIncidentTemplate,
  deleteIncidentTemplate,
  getIncidentTemplate,
  listIncidentTemplates,
  updateIncidentTemplate,
  type IncidentTemplateInput,
} from '../../src/lib/server/services/incidents/incident-templates';
import { apiClient } from '../support/api-client';
import { auditRowsFor, countRows, expectFailure, expectInvalid, expectOk, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const { newComponent, declare, post } = incidentHelpers({ clock, context });

/** A signed-in admin, as the forms see one. */
let admin: StaffActor;

beforeAll(async () => {
  const user = expectOk(
    await createUserWithPassword(context, testActor, {
      email: 'ada@example.com',
      name: 'Ada',
      role: 'admin',
      password: 'a long password 1',
    }),
  );
  admin = { userId: user.id, label: labelOf(user), role: user.role };
});

const template = (componentId: string): IncidentTemplateInput => ({
  name: 'Database down',
  title: 'Database unavailable',
  message: 'We are investigating errors reaching the database.',
  status: 'investigating',
  severity: 'high',
  components: [{ componentId, status: 'major_outage' }],
  notifySubscribers: false,
});

async function archivedComponent() {
  const old = await newComponent('Legacy API');
  const incident = await declare({ components: [{ componentId: old.id, status: 'partial_outage' }] });
  await post(incident.id, { status: 'resolved', components: [{ componentId: old.id, status: 'operational' }] });
  expect(expectOk(await removeComponent(context, testActor, old.id))).toEqual({ outcome: 'archived' });
  return old;
}

const counts = async () => ({
  templates: await countRows(handle.db, incidentTemplate),
  components: await countRows(handle.db, incidentTemplateComponent),
  audit: await countRows(handle.db, auditLog),
});

describe('incident templates through the service', () => {
  it('creates, edits and deletes a template, each audited', async () => {
    const database = await newComponent('Database');
    const api = await newComponent('API');
    const created = expectOk(await createIncidentTemplate(context, testActor, template(database.id)));
    expect(created).toMatchObject({
      name: 'Database down',
      status: 'investigating',
      severity: 'high',
      notifySubscribers: false,
      components: [{ componentId: database.id, name: 'Database', status: 'major_outage', archived: false }],
    });

    const edited = expectOk(
      await updateIncidentTemplate(context, testActor, created.id, {
        ...template(database.id),
        name: 'Database slow',
        severity: '',
        components: [
          { componentId: api.id, status: 'degraded_performance' },
          { componentId: database.id, status: 'partial_outage' },
        ],
      }),
    );
    expect(edited.name).toBe('Database slow');
    expect(edited.severity).toBeNull();
    expect(edited.components.map((item) => [item.name, item.status])).toEqual([
      ['API', 'degraded_performance'],
      ['Database', 'partial_outage'],
    ]);
    expect((await listIncidentTemplates(context)).map((item) => item.name)).toContain('Database slow');

    expect(expectOk(await deleteIncidentTemplate(context, testActor, created.id)).name).toBe('Database slow');
    expect(await getIncidentTemplate(context, created.id)).toBeUndefined();
    expectFailure(await deleteIncidentTemplate(context, testActor, created.id), 'not_found');

    const audit = await auditRowsFor(handle.db, created.id);
    expect(audit.map((row) => row.action)).toEqual(['incident_template.create', 'incident_template.update', 'incident_template.delete']);
    expect(audit[1]?.before).toMatchObject({ name: 'Database down' });
    expect(audit[1]?.after).toMatchObject({ name: 'Database slow' });
  });

  it('refuses an archived component, a duplicate name and bad fields, changing nothing', async () => {
    const live = await newComponent('Search');
    const kept = expectOk(await createIncidentTemplate(context, testActor, { ...template(live.id), name: 'Search down' }));
    const old = await archivedComponent();
    const before = await counts();

    const archived = expectInvalid(
      await createIncidentTemplate(context, testActor, {
        ...template(live.id),
        name: 'Legacy down',
        components: [
          { componentId: live.id, status: 'major_outage' },
          { componentId: old.id, status: 'major_outage' },
        ],
      }),
    );
    expect(archived).toEqual({ 'components.1.componentId': 'This component does not exist or is archived.' });
    expect(expectInvalid(await createIncidentTemplate(context, testActor, { ...template(live.id), name: 'Search down' }))).toEqual({
      name: 'Another template already has this name.',
    });
    const fields = expectInvalid(
      await createIncidentTemplate(context, testActor, {
        ...template(live.id),
        name: '',
        title: 'x'.repeat(201),
        message: 'x'.repeat(10_001),
        status: 'postmortem' as IncidentTemplateInput['status'],
        severity: 'severe' as IncidentTemplateInput['severity'],
        components: [{ componentId: live.id, status: 'broken' as 'operational' }],
      }),
    );
    expect(Object.keys(fields).sort()).toEqual(['components.0.status', 'message', 'name', 'severity', 'status', 'title']);
    // An edit naming the archived component leaves the template as it was.
    expectInvalid(
      await updateIncidentTemplate(context, testActor, kept.id, { ...template(old.id), name: 'Search down', title: 'Changed' }),
    );

    expect(await counts()).toEqual(before);
    expect((await getIncidentTemplate(context, kept.id))?.title).toBe('Database unavailable');
  });
});

describe('the template forms', () => {
  it('saves the rows given a status, and a template fills the declare form, which posts as it stands', async () => {
    const web = await newComponent('Website');
    const other = await newComponent('Billing');
    const saved = expectOk(
      await createIncidentTemplateForm.run({
        values: {
          name: 'Website down',
          title: 'Website unavailable',
          message: 'The website is not answering.',
          status: 'identified',
          severity: 'critical',
          notifySubscribers: 'on',
          components: { '0': { componentId: other.id, status: '' }, '1': { componentId: web.id, status: 'major_outage' } },
        },
        actor: admin,
        context,
      }),
    );
    expect(saved).toEqual({ location: '/admin/templates', notice: 'Template “Website down” added.' });
    const [stored] = (await listIncidentTemplates(context)).filter((item) => item.name === 'Website down');
    if (!stored) throw new Error('the template was not saved');
    expect(stored.components.map((item) => item.componentId)).toEqual([web.id]);

    // The form's own rows get the message: an archived component refused next to its row.
    const refused = expectInvalid(
      await createIncidentTemplateForm.run({
        values: {
          name: 'Other',
          title: 'Other',
          status: 'investigating',
          components: {
            '0': { componentId: other.id, status: '' },
            '1': { componentId: (await archivedComponent()).id, status: 'major_outage' },
          },
        },
        actor: admin,
        context,
      }),
    );
    expect(refused).toEqual({ 'components.1.componentId': 'This component does not exist or is archived.' });

    const filled = templateFormValues(stored);
    expect(filled).toMatchObject({ title: 'Website unavailable', status: 'identified', severity: 'critical', notifySubscribers: 'on' });
    const declared = expectOk(
      await declareIncidentForm.run({
        values: { ...filled, title: 'Website unavailable in Europe', signals: [], severityOverrideReason: 'Checkout is down.' },
        actor: admin,
        context,
      }),
    );
    if (!('location' in declared)) throw new Error('the declare form did not redirect');
    const detail = await getIncidentDetail(context, declared.location.split('/').pop() ?? '');
    expect(detail?.incident).toMatchObject({ title: 'Website unavailable in Europe', severity: 'critical', status: 'identified' });
    expect(detail?.components.map((item) => [item.name, item.status])).toEqual([['Website', 'major_outage']]);
  });
});

describe('a template on the update form', () => {
  it('fills status, message and the statuses of its components; the update posts as filled', async () => {
    const cdn = await newComponent('CDN');
    const images = await newComponent('Images');
    const unrelated = await newComponent('Docs');
    const incident = await declare({ components: [{ componentId: cdn.id, status: 'partial_outage' }] });
    const monitoring = expectOk(
      await createIncidentTemplate(context, testActor, {
        name: 'Fix deployed',
        title: 'Unused here',
        message: 'A fix is deployed; we are watching the results.',
        status: 'monitoring',
        components: [
          { componentId: cdn.id, status: 'degraded_performance' },
          { componentId: images.id, status: 'degraded_performance' },
        ],
      }),
    );
    const filled = updateFilledFromTemplate(monitoring, [{ id: cdn.id, status: 'partial_outage' }], [images.id, unrelated.id]);
    expect(filled.values).toEqual({
      status: 'monitoring',
      message: 'A fix is deployed; we are watching the results.',
      notifySubscribers: 'on',
      components: {
        '0': { componentId: cdn.id, status: 'degraded_performance' },
        '1': { componentId: images.id, status: 'degraded_performance' },
      },
    });
    expectOk(await postIncidentUpdateForm(incident.id).run({ values: filled.values, actor: admin, context }));
    const detail = await getIncidentDetail(context, incident.id);
    expect(detail?.incident.status).toBe('monitoring');
    expect(detail?.components.map((item) => [item.name, item.status])).toEqual([
      ['CDN', 'degraded_performance'],
      ['Images', 'degraded_performance'],
    ]);
  });
});

describe('incident templates through the management API', () => {
  it('round-trips a template with an admin key; a viewer key reads but may not write', async () => {
    const queue = await newComponent('Queue');
    const adminKey = expectOk(await createApiKey(context, testActor, { name: 'deploy-bot', role: 'admin' }));
    const viewerKey = expectOk(await createApiKey(context, testActor, { name: 'dashboard', role: 'viewer' }));
    const admin = apiClient(context, adminKey.token);
    const viewer = apiClient(context, viewerKey.token);

    const created = await admin.call('POST', '/incident-templates', { body: { ...template(queue.id), name: 'Queue stuck' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'Queue stuck',
      severity: 'high',
      components: [{ componentId: queue.id, status: 'major_outage' }],
    });
    const id = created.json.id as string;

    const patched = await admin.call('PATCH', `/incident-templates/${id}`, { body: { title: 'Jobs are delayed', severity: null } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      name: 'Queue stuck',
      title: 'Jobs are delayed',
      severity: null,
      components: [{ componentId: queue.id }],
    });

    const read = await viewer.call('GET', `/incident-templates/${id}`);
    expect(read.status).toBe(200);
    expect(read.json.title).toBe('Jobs are delayed');
    expect((await viewer.call('GET', '/incident-templates')).json.data.map((item: { id: string }) => item.id)).toContain(id);

    const before = await counts();
    expect((await viewer.call('PATCH', `/incident-templates/${id}`, { body: { title: 'No' } })).status).toBe(403);
    expect((await viewer.call('DELETE', `/incident-templates/${id}`)).status).toBe(403);
    const bad = await admin.call('POST', '/incident-templates', { body: { ...template(queue.id), name: 'Queue stuck' } });
    expect(bad.status).toBe(422);
    expect(await counts()).toEqual(before);

    expect((await admin.call('DELETE', `/incident-templates/${id}`)).status).toBe(204);
    expect((await admin.call('GET', `/incident-templates/${id}`)).status).toBe(404);
    const audit = await auditRowsFor(handle.db, id);
    expect(audit.map((row) => [row.action, row.actorLabel])).toEqual([
      ['incident_template.create', apiKeyActorLabel('deploy-bot')],
      ['incident_template.update', apiKeyActorLabel('deploy-bot')],
      ['incident_template.delete', apiKeyActorLabel('deploy-bot')],
    ]);
  });
});
