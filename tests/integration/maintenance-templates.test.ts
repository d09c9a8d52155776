/**
 * Maintenance templates: created, edited and deleted through the service, the admin forms and
 * the management API, each write audited; bad input (a duplicate name, an archived or unknown
 * component, a duration the schedule form could not hold) refused with nothing changed; keys
 * below admin may read but not write; and a template filling the schedule form (its end set the
 * duration after the start, across a daylight-saving change), which staff schedule as it stands.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { scheduleMaintenanceForm, type MaintenanceFormValues } from '../../src/forms/maintenance';
import {
  createMaintenanceTemplateForm,
  deleteMaintenanceTemplateForm,
  filledFromMaintenanceTemplate,
  scheduleFormFromTemplate,
  updateMaintenanceTemplateForm,
} from '../../src/forms/maintenance-templates';
import { auditLog, maintenanceTemplate, maintenanceTemplateComponent } from '../../src/lib/server/db/schema';
import { apiKeyActorLabel, createApiKey } from '../../src/lib/server/services/access/api-keys';
import { createUserWithPassword, labelOf, type StaffActor } from '../../src/lib/server/services/access/users';
import { removeComponent } from '../../src/lib/server/services/components/catalog';
import { getMaintenanceDetail } from '../../src/lib/server/services/maintenance/maintenance-queries';
import {
  createMaintenanceTemplate,
  deleteMaintenanceTemplate,
  getMaintenanceTemplate,
  listMaintenanceTemplates,
  updateMaintenanceTemplate,
  type MaintenanceTemplateInput,
} from '../../src/lib/server/services/maintenance/maintenance-templates';
import { apiClient } from '../support/api-client';
import { auditRowsFor, countRows, expectFailure, expectInvalid, expectOk, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { useTestContext } from '../support/test-database';

/** "Now": Tuesday 10 March 2026, 12:00 UTC. Paris moves to summer time on 29 March at 02:00. */
const { clock, handle, context } = useTestContext({ start: '2026-03-10T12:00:00.000Z' });
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

const template = (components: string[], changes: Partial<MaintenanceTemplateInput> = {}): MaintenanceTemplateInput => ({
  name: 'Database upgrade',
  title: 'Database upgrade',
  description: 'We upgrade the primary database; writes pause for a few minutes.',
  durationMinutes: 120,
  components,
  setsUnderMaintenance: true,
  notifySubscribers: true,
  notifyOnSchedule: true,
  notifyReminder: false,
  notifyOnStart: true,
  notifyOnComplete: false,
  ...changes,
});

/** Archives a component (it had an incident, so it is kept for the history). */
async function archive(old: { id: string }) {
  const incident = await declare({ components: [{ componentId: old.id, status: 'partial_outage' }] });
  await post(incident.id, { status: 'resolved', components: [{ componentId: old.id, status: 'operational' }] });
  expect(expectOk(await removeComponent(context, testActor, old.id))).toEqual({ outcome: 'archived' });
}

async function archivedComponent(name: string) {
  const old = await newComponent(name);
  await archive(old);
  return old;
}

const counts = async () => ({
  templates: await countRows(handle.db, maintenanceTemplate),
  components: await countRows(handle.db, maintenanceTemplateComponent),
  audit: await countRows(handle.db, auditLog),
});

/** The schedule form's defaults, in Paris. */
const blankSchedule: MaintenanceFormValues = {
  title: '',
  description: '',
  components: [],
  startsAt: '',
  endsAt: '',
  timeZone: 'Europe/Paris',
  switches: {
    setsUnderMaintenance: true,
    notifySubscribers: true,
    notifyOnSchedule: true,
    notifyReminder: true,
    notifyOnStart: true,
    notifyOnComplete: true,
  },
};

describe('maintenance templates through the service', () => {
  it('creates, edits and deletes a template, each audited', async () => {
    const database = await newComponent('Database');
    const api = await newComponent('API');
    const created = expectOk(await createMaintenanceTemplate(context, testActor, template([database.id])));
    expect(created).toMatchObject({
      name: 'Database upgrade',
      durationMinutes: 120,
      notifyReminder: false,
      notifyOnComplete: false,
      components: [{ componentId: database.id, name: 'Database', archived: false }],
    });

    const edited = expectOk(
      await updateMaintenanceTemplate(
        context,
        testActor,
        created.id,
        template([database.id, api.id], { name: 'Database failover', durationMinutes: 30, setsUnderMaintenance: false }),
      ),
    );
    expect(edited).toMatchObject({ name: 'Database failover', durationMinutes: 30, setsUnderMaintenance: false });
    expect(edited.components.map((item) => item.name)).toEqual(['API', 'Database']);
    expect((await listMaintenanceTemplates(context)).map((item) => item.name)).toContain('Database failover');

    expect(expectOk(await deleteMaintenanceTemplate(context, testActor, created.id)).name).toBe('Database failover');
    expect(await getMaintenanceTemplate(context, created.id)).toBeUndefined();
    expectFailure(await deleteMaintenanceTemplate(context, testActor, created.id), 'not_found');
    expectFailure(await updateMaintenanceTemplate(context, testActor, created.id, template([])), 'not_found');

    const audit = await auditRowsFor(handle.db, created.id);
    expect(audit.map((row) => row.action)).toEqual([
      'maintenance_template.create',
      'maintenance_template.update',
      'maintenance_template.delete',
    ]);
    expect(audit[1]?.before).toMatchObject({ name: 'Database upgrade', durationMinutes: 120 });
    expect(audit[1]?.after).toMatchObject({ name: 'Database failover', components: [database.id, api.id] });
  });

  it('refuses a duplicate name, an archived or unknown component and bad fields, changing nothing', async () => {
    const live = await newComponent('Search');
    const kept = expectOk(await createMaintenanceTemplate(context, testActor, template([live.id], { name: 'Search reindex' })));
    expectOk(await createMaintenanceTemplate(context, testActor, template([], { name: 'Cache flush' })));
    const old = await archivedComponent('Legacy search');
    const before = await counts();

    expect(expectInvalid(await createMaintenanceTemplate(context, testActor, template([live.id], { name: 'Search reindex' })))).toEqual({
      name: 'Another maintenance template already has this name.',
    });
    expect(
      expectInvalid(await createMaintenanceTemplate(context, testActor, template([live.id, old.id, 'nosuchid'], { name: 'Legacy' }))),
    ).toEqual({
      'components.1': 'This component does not exist or is archived.',
      'components.2': 'This component does not exist or is archived.',
    });
    const duration = 'Enter the duration in whole minutes, from 1 to 527040.';
    for (const durationMinutes of [0, 1.5, 527_041, 'an hour', '']) {
      expect(
        expectInvalid(await createMaintenanceTemplate(context, testActor, template([], { name: 'Other', durationMinutes }))),
        String(durationMinutes),
      ).toEqual({
        durationMinutes: duration,
      });
    }
    const fields = expectInvalid(
      await createMaintenanceTemplate(context, testActor, {
        ...template([live.id, live.id]),
        name: ' ',
        title: 'x'.repeat(201),
        description: '',
        notifyOnStart: 'maybe' as unknown as boolean,
      }),
    );
    expect(Object.keys(fields).sort()).toEqual(['components', 'description', 'name', 'notifyOnStart', 'title']);
    // An edit naming the archived component, or another template's name, leaves the template as it was.
    expect(
      expectInvalid(
        await updateMaintenanceTemplate(context, testActor, kept.id, template([old.id], { name: 'Search reindex', title: 'Changed' })),
      ),
    ).toEqual({ 'components.0': 'This component does not exist or is archived.' });
    expect(
      expectInvalid(await updateMaintenanceTemplate(context, testActor, kept.id, template([live.id], { name: 'Cache flush' }))),
    ).toEqual({
      name: 'Another maintenance template already has this name.',
    });

    expect(await counts()).toEqual(before);
    expect((await getMaintenanceTemplate(context, kept.id))?.title).toBe('Database upgrade');
  });
});

describe('the maintenance template forms', () => {
  it('saves, edits and deletes from posted fields, placing a refused component by its checkbox', async () => {
    const cdn = await newComponent('CDN');
    const posted = {
      name: 'CDN purge',
      title: 'CDN cache purge',
      description: 'Images may load slowly for a few minutes.',
      durationMinutes: '45',
      components: cdn.id,
      notifySubscribers: 'on',
      notifyOnSchedule: 'on',
    };
    expect(expectOk(await createMaintenanceTemplateForm.run({ values: posted, actor: admin, context }))).toEqual({
      location: '/admin/templates',
      notice: 'Maintenance template “CDN purge” added.',
    });
    const [saved] = (await listMaintenanceTemplates(context)).filter((item) => item.name === 'CDN purge');
    if (!saved) throw new Error('the template was not saved');
    // Unticked boxes post nothing: those switches are off.
    expect(saved).toMatchObject({ durationMinutes: 45, setsUnderMaintenance: false, notifyOnSchedule: true, notifyReminder: false });
    // The edit page shows what was saved, as its form posts it.
    expect(filledFromMaintenanceTemplate(saved, 'save').values).toEqual({
      ...posted,
      components: [cdn.id],
      setsUnderMaintenance: '',
      notifyReminder: '',
      notifyOnStart: '',
      notifyOnComplete: '',
    });

    const old = await archivedComponent('Old CDN');
    expect(
      expectInvalid(
        await updateMaintenanceTemplateForm(saved.id).run({ values: { ...posted, components: [cdn.id, old.id] }, actor: admin, context }),
      ),
    ).toEqual({ 'components.1': 'This component does not exist or is archived.' });
    expect(
      expectOk(await updateMaintenanceTemplateForm(saved.id).run({ values: { ...posted, durationMinutes: '90' }, actor: admin, context })),
    ).toEqual({ location: '/admin/templates', notice: 'Maintenance template “CDN purge” saved.' });
    expect((await getMaintenanceTemplate(context, saved.id))?.durationMinutes).toBe(90);
    expect(expectOk(await deleteMaintenanceTemplateForm(saved.id).run({ values: {}, actor: admin, context }))).toEqual({
      location: '/admin/templates',
      notice: 'Maintenance template “CDN purge” deleted.',
    });
    // Admins keep the templates: every writing form needs the admin role.
    expect(
      [createMaintenanceTemplateForm, updateMaintenanceTemplateForm(saved.id), deleteMaintenanceTemplateForm(saved.id)].map(
        (form) => form.role,
      ),
    ).toEqual(['admin', 'admin', 'admin']);
  });
});

/** The schedule form's fields as the browser posts them from the values the page shows. */
const postedSchedule = (values: MaintenanceFormValues) => ({
  title: values.title,
  description: values.description,
  components: values.components,
  startsAt: values.startsAt,
  endsAt: values.endsAt,
  timeZone: values.timeZone,
  ...Object.fromEntries(Object.entries(values.switches).flatMap(([name, on]) => (on ? [[name, 'on']] : []))),
});

describe('a template on the schedule form', () => {
  it('fills the form, sets the end the duration after a start across a DST change, and schedules as filled', async () => {
    const queue = await newComponent('Queue');
    const oldQueue = await newComponent('Old queue');
    const saved = expectOk(
      await createMaintenanceTemplate(
        context,
        testActor,
        template([queue.id, oldQueue.id], { name: 'Queue upgrade', title: 'Queue upgrade' }),
      ),
    );
    // A component archived since the template was saved: listed as such, and left out of the form.
    await archive(oldQueue);
    const queueWork = await getMaintenanceTemplate(context, saved.id);
    if (!queueWork) throw new Error('the template is gone');
    expect(queueWork.components.map((item) => [item.name, item.archived])).toEqual([
      ['Old queue', true],
      ['Queue', false],
    ]);

    // No start: everything but the window, for staff to set.
    expect(scheduleFormFromTemplate(queueWork, '', blankSchedule)).toEqual({
      values: {
        ...blankSchedule,
        title: 'Queue upgrade',
        description: 'We upgrade the primary database; writes pause for a few minutes.',
        components: [queue.id],
        switches: {
          setsUnderMaintenance: true,
          notifySubscribers: true,
          notifyOnSchedule: true,
          notifyReminder: false,
          notifyOnStart: true,
          notifyOnComplete: false,
        },
      },
      windowSet: false,
      startError: undefined,
    });
    // A start that is no date: a message, and the window left blank.
    const bad = scheduleFormFromTemplate(queueWork, '2026-02-30T01:00', blankSchedule);
    expect(bad).toMatchObject({
      windowSet: false,
      startError: 'Enter the start as a date and time (YYYY-MM-DD HH:MM), or leave it blank.',
    });
    expect(bad.values).toMatchObject({ startsAt: '', endsAt: '', title: 'Queue upgrade' });
    // 01:30 in Paris on the night the clocks go forward: two real hours later is 04:30 local.
    const filled = scheduleFormFromTemplate(queueWork, '2026-03-29T01:30', blankSchedule);
    expect(filled).toMatchObject({ windowSet: true, values: { startsAt: '2026-03-29T01:30', endsAt: '2026-03-29T04:30' } });

    // Staff change the title and schedule.
    const values = { ...postedSchedule(filled.values), title: 'Queue upgrade (EU)' };
    const scheduled = expectOk(await scheduleMaintenanceForm.run({ values, actor: admin, context }));
    if (!('location' in scheduled)) throw new Error('the schedule form did not redirect');
    const detail = await getMaintenanceDetail(context, scheduled.location.split('/').pop() ?? '');
    expect(detail?.maintenance).toMatchObject({
      title: 'Queue upgrade (EU)',
      timeZone: 'Europe/Paris',
      scheduledFor: new Date('2026-03-29T00:30:00.000Z'),
      scheduledUntil: new Date('2026-03-29T02:30:00.000Z'),
      notifyReminder: false,
      notifyOnComplete: false,
    });
    expect(detail?.components.map((item) => item.name)).toEqual(['Queue']);
  });
});

describe('maintenance templates through the management API', () => {
  it('round-trips a template with an admin key; viewer and responder keys read but may not write', async () => {
    const db = await newComponent('Primary DB');
    const old = await archivedComponent('Replica DB');
    const adminKey = expectOk(await createApiKey(context, testActor, { name: 'deploy-bot', role: 'admin' }));
    const api = apiClient(context, adminKey.token);
    const readers = await Promise.all(
      (['viewer', 'responder'] as const).map(async (role) =>
        apiClient(context, expectOk(await createApiKey(context, testActor, { name: `${role}-key`, role })).token),
      ),
    );

    const created = await api.call('POST', '/maintenance-templates', { body: template([db.id], { name: 'DB patch' }) });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'DB patch',
      durationMinutes: 120,
      notifyReminder: false,
      components: [{ componentId: db.id, name: 'Primary DB', archived: false }],
    });
    const id = created.json.id as string;

    const patched = await api.call('PATCH', `/maintenance-templates/${id}`, { body: { durationMinutes: 15, notifyReminder: true } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ name: 'DB patch', title: 'Database upgrade', durationMinutes: 15, notifyReminder: true });

    const before = await counts();
    for (const reader of readers) {
      expect((await reader.call('GET', `/maintenance-templates/${id}`)).json.durationMinutes).toBe(15);
      expect((await reader.call('GET', '/maintenance-templates')).json.data.map((item: { id: string }) => item.id)).toContain(id);
      expect((await reader.call('POST', '/maintenance-templates', { body: template([], { name: 'No' }) })).status).toBe(403);
      expect((await reader.call('PATCH', `/maintenance-templates/${id}`, { body: { title: 'No' } })).status).toBe(403);
      expect((await reader.call('DELETE', `/maintenance-templates/${id}`)).status).toBe(403);
    }
    for (const body of [{ durationMinutes: 0 }, { components: [old.id] }, { name: '' }, { setsUnderMaintenance: 'sometimes' }]) {
      const refused = await api.call('PATCH', `/maintenance-templates/${id}`, { body });
      expect(refused.status, JSON.stringify(body)).toBe(422);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await api.call('POST', '/maintenance-templates', { body: template([db.id], { name: 'DB patch' }) })).status).toBe(422);
    expect(await counts()).toEqual(before);

    expect((await api.call('DELETE', `/maintenance-templates/${id}`)).status).toBe(204);
    expect((await api.call('GET', `/maintenance-templates/${id}`)).status).toBe(404);
    expect((await api.call('PATCH', `/maintenance-templates/${id}`, { body: {} })).status).toBe(404);
    const audit = await auditRowsFor(handle.db, id);
    expect(audit.map((row) => [row.action, row.actorLabel])).toEqual([
      ['maintenance_template.create', apiKeyActorLabel('deploy-bot')],
      ['maintenance_template.update', apiKeyActorLabel('deploy-bot')],
      ['maintenance_template.delete', apiKeyActorLabel('deploy-bot')],
    ]);
  });
});
