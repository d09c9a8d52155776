/**
 * Post-mortem action items: added with the default due date of the incident's severity, edited,
 * closed and reopened, each audited; bad input changes nothing; only responders change them; and
 * the owner of an overdue item is emailed once per due date, through the worker and a real SMTP
 * server, again after the date moves, never for a done or dropped item.
 */
import type { AstroCookies } from 'astro';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleForm, type FormRequest } from '../../src/forms/form';
import { actionItemStateForm, addActionItemForm } from '../../src/forms/action-items';
import { dueAtOfDate, dueDateOf } from '../../src/lib/domain/action-items';
import type { Role } from '../../src/lib/domain/roles';
import type { Severity } from '../../src/lib/domain/statuses';
import { actionItem, auditLog, user } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { queueActionItemReminders, sendActionItemReminder } from '../../src/lib/server/jobs/handlers/action-item-reminders';
import { addActionItem, changeActionItemState, editActionItem } from '../../src/lib/server/services/plan/action-items';
import { listActionItems, listIncidentActionItems } from '../../src/lib/server/services/plan/action-item-lists';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { createApiKey } from '../../src/lib/server/services/access/api-keys';
import { apiClient } from '../support/api-client';
import { auditRowsFor, countRows, DAY, expectFailure, expectInvalid, expectOk, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { startMailWorkers, TEST_PUBLIC_URL, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';
import { waitUntil } from '../support/wait';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const helpers = incidentHelpers({ clock, context });
let sink: SmtpSink;
let workers: MailWorkers;

async function newStaff(name: string, role: Role, disabled = false): Promise<string> {
  const id = newId();
  const now = clock.now();
  await handle.db
    .insert(user)
    .values({ id, email: `${name.toLowerCase()}@example.com`, name, role, createdAt: now, disabledAt: disabled ? now : null });
  return id;
}

let ada: string;
let bo: string;
let gone: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
  ada = await newStaff('Ada', 'responder');
  bo = await newStaff('Bo', 'viewer');
  gone = await newStaff('Gone', 'responder', true);
});

afterAll(async () => {
  await workers.stop();
  await sink.close();
});

const addDays = (time: Date, days: number) => new Date(time.getTime() + days * DAY);
const declare = (severity: Severity) => helpers.declare({ title: `A ${severity} outage`, severity });
async function resolved(severity: Severity) {
  const row = await declare(severity);
  await helpers.post(row.id, { status: 'resolved', message: 'Resolved.' });
  return { ...row, resolvedAt: clock.now() };
}

describe('adding, editing and closing an action item', () => {
  it('defaults the due date to 4 weeks after a Critical resolution, 8 after a High one, 4 weeks from now while open', async () => {
    const critical = await resolved('critical');
    const high = await resolved('high');
    const open = await declare('critical');
    clock.advance(3 * DAY);
    const first = expectOk(await addActionItem(context, testActor, critical.id, { title: 'Alert on queue depth', ownerId: ada }));
    const second = expectOk(await addActionItem(context, testActor, high.id, { title: 'Document the failover', ownerId: bo, dueDate: '' }));
    const third = expectOk(await addActionItem(context, testActor, open.id, { title: 'Add a runbook', ownerId: ada }));
    // Resolved 2026-03-01 (UTC, the page's zone): due by the end of 29 March and 26 April; the open one 4 weeks after 4 March.
    expect(first.dueAt).toEqual(dueAtOfDate('2026-03-29', 'UTC'));
    expect(second.dueAt).toEqual(dueAtOfDate('2026-04-26', 'UTC'));
    expect(third.dueAt).toEqual(dueAtOfDate('2026-04-01', 'UTC'));
    expect(first).toMatchObject({ state: 'open', closedAt: null, overdueRemindedFor: null });
    const [audit] = await auditRowsFor(handle.db, first.id);
    expect(audit).toMatchObject({ action: 'action_item.create', entityType: 'action_item', actorLabel: 'test-suite' });

    const listed = await listIncidentActionItems(context, critical.id);
    expect(listed.map((item) => [item.title, item.ownerName, item.incidentTitle])).toEqual([
      ['Alert on queue depth', 'Ada', 'A critical outage'],
    ]);
  });

  it('edits, closes and reopens, with an audit row each, and lists open items first, filtered by owner and overdue', async () => {
    const row = await resolved('critical');
    const item = expectOk(
      await addActionItem(context, testActor, row.id, { title: 'Raise the pool size', ownerId: ada, dueDate: '2026-05-01' }),
    );
    const edited = expectOk(
      await editActionItem(context, testActor, item.id, { title: 'Raise the connection pool size', ownerId: bo, dueDate: '2026-05-15' }),
    );
    expect(edited).toMatchObject({ title: 'Raise the connection pool size', ownerId: bo, dueAt: dueAtOfDate('2026-05-15', 'UTC') });
    const done = expectOk(await changeActionItemState(context, testActor, item.id, { state: 'done' }));
    expect(done.closedAt).toEqual(clock.now());
    expect(expectInvalid(await changeActionItemState(context, testActor, item.id, { state: 'done' })).state).toBe(
      'This action item is already done.',
    );
    const reopened = expectOk(await changeActionItemState(context, testActor, item.id, { state: 'open' }));
    expect(reopened).toMatchObject({ state: 'open', closedAt: null });
    expectOk(await changeActionItemState(context, testActor, item.id, { state: 'dropped' }));
    expect((await auditRowsFor(handle.db, item.id)).map((audit) => audit.action)).toEqual([
      'action_item.create',
      'action_item.update',
      'action_item.done',
      'action_item.reopen',
      'action_item.drop',
    ]);

    const everything = await listActionItems(context, {});
    expect(everything.at(-1)!.id, 'closed items come last').toBe(item.id);
    expect((await listActionItems(context, { ownerId: bo, state: 'dropped' })).map((entry) => entry.id)).toEqual([item.id]);
    clock.set('2026-04-15T12:00:00.000Z');
    const overdue = await listActionItems(context, { overdue: true });
    expect(overdue.map((entry) => entry.title)).toEqual(['Alert on queue depth', 'Add a runbook']);
    clock.set('2026-03-05T12:00:00.000Z');
  });

  it('refuses a blank title, an owner who is not active staff, a bad date or one before the incident, and writes nothing', async () => {
    const row = await resolved('high');
    const before = { items: await countRows(handle.db, actionItem), audit: await countRows(handle.db, auditLog) };
    expect(expectInvalid(await addActionItem(context, testActor, row.id, { title: '  ', ownerId: ada })).title).toBe('Title is required.');
    expect(expectInvalid(await addActionItem(context, testActor, row.id, { title: 'Fix', ownerId: gone })).ownerId).toBe(
      'Choose an owner from the staff list.',
    );
    expect(expectInvalid(await addActionItem(context, testActor, row.id, { title: 'Fix', ownerId: 'nosuchuser' })).ownerId).toBe(
      'Choose an owner from the staff list.',
    );
    expect(
      expectInvalid(await addActionItem(context, testActor, row.id, { title: 'Fix', ownerId: ada, dueDate: '2026-02-30' })).dueDate,
    ).toBe('Enter the due date as a date (YYYY-MM-DD).');
    expect(
      expectInvalid(await addActionItem(context, testActor, row.id, { title: 'Fix', ownerId: ada, dueDate: '2026-02-27' })).dueDate,
    ).toBe('The due date is before the incident began.');
    expectFailure(await addActionItem(context, testActor, 'nosuchincident', { title: 'Fix', ownerId: ada }), 'not_found');
    const item = expectOk(await addActionItem(context, testActor, row.id, { title: 'Fix', ownerId: ada }));
    const afterAdd = await countRows(handle.db, auditLog);
    expect(expectInvalid(await editActionItem(context, testActor, item.id, { title: 'Fix', ownerId: ada, dueDate: '' })).dueDate).toBe(
      'Enter the due date as a date (YYYY-MM-DD).',
    );
    expectFailure(await changeActionItemState(context, testActor, item.id, { state: 'closed' as never }), 'invalid');
    expect({ items: await countRows(handle.db, actionItem), audit: await countRows(handle.db, auditLog) }).toEqual({
      items: before.items + 1,
      audit: afterAdd,
    });
    expect(afterAdd).toBe(before.audit + 1);
  });
});

/** A form posted to the post-mortem page by a signed-in user of `role`. */
function posted(role: Role, userId: string, fields: Record<string, string>): FormRequest {
  const jar = { set: () => undefined, get: () => undefined, delete: () => undefined } as unknown as AstroCookies;
  return {
    request: new Request('http://herald.test/admin/incidents/x/postmortem', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }),
    locals: { user: { id: userId, email: 'staff@example.com', name: 'Staff', role }, context } as unknown as App.Locals,
    cookies: jar,
    redirect: (location, status = 302) => new Response(null, { status, headers: { Location: location } }),
  };
}

describe('who may change action items', () => {
  it('lets a responder add and close them, and refuses a viewer', async () => {
    const row = await resolved('critical');
    const handlers = { 'action-add': addActionItemForm(row.id), 'action-state': actionItemStateForm() };
    const fields = { intent: 'action-add', title: 'Page the database team', ownerId: ada, dueDate: '' };
    const refused = await handleForm(posted('viewer', bo, fields), handlers);
    expect(refused).toMatchObject({ status: 403, message: 'This needs the Responder role or above; you are a Viewer.' });
    expect(await listIncidentActionItems(context, row.id)).toEqual([]);

    const added = await handleForm(posted('responder', ada, fields), handlers);
    expect((added as Response).headers.get('Location')).toBe(`/admin/incidents/${row.id}/postmortem`);
    const [item] = await listIncidentActionItems(context, row.id);
    const closing = { intent: 'action-state', itemId: item!.id, state: 'done' };
    expect(await handleForm(posted('viewer', bo, closing), handlers)).toMatchObject({ status: 403 });
    expect(await handleForm(posted('responder', ada, closing), handlers)).toBeInstanceOf(Response);
    expect((await listIncidentActionItems(context, row.id))[0]!.state).toBe('done');
  });
});

describe('the management API', () => {
  it('adds, lists, edits and closes items, and answers bad input with a problem, changing nothing', async () => {
    const key = expectOk(await createApiKey(context, testActor, { name: 'follow-up', role: 'responder' }));
    const api = apiClient(context, key.token);
    const row = await resolved('high');
    const created = await api.call('POST', `/incidents/${row.id}/action-items`, { body: { title: 'Add a canary', ownerId: ada } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ incidentId: row.id, title: 'Add a canary', ownerName: 'Ada', state: 'open', closedAt: null });
    expect(created.json.dueDate).toBe(dueDateOf(addDays(clock.now(), 56), 'UTC'));

    const before = await countRows(handle.db, auditLog);
    for (const [path, body] of [
      [`/incidents/${row.id}/action-items`, { title: 'Too early', ownerId: ada, dueDate: '2026-01-01' }],
      [`/incidents/${row.id}/action-items`, { title: 'Nobody', ownerId: gone }],
      [`/incidents/${row.id}/action-items`, { title: 42, ownerId: ada }],
      [`/action-items/${created.json.id as string}/state`, { state: 'finished' }],
    ] as const) {
      const refused = await api.call('POST', path, { body });
      expect(refused.status, JSON.stringify(refused.json)).toBe(422);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await api.call('PATCH', `/action-items/${created.json.id as string}`, { body: { dueDate: 'soon' } })).status).toBe(422);
    expect((await api.call('GET', '/incidents/nosuchincident/action-items')).status).toBe(404);
    expect(await countRows(handle.db, auditLog)).toBe(before);

    const moved = await api.call('PATCH', `/action-items/${created.json.id as string}`, { body: { dueDate: '2026-06-30' } });
    expect(moved.json).toMatchObject({ title: 'Add a canary', dueDate: '2026-06-30', dueAt: '2026-07-01T00:00:00.000Z' });
    const closed = await api.call('POST', `/action-items/${created.json.id as string}/state`, { body: { state: 'done' } });
    expect(closed.json).toMatchObject({ state: 'done', closedAt: clock.now().toISOString() });
    const listed = await api.call('GET', `/incidents/${row.id}/action-items`);
    expect(listed.json.data.map((item: { title: string }) => item.title)).toEqual(['Add a canary']);
    const done = await api.call('GET', '/action-items', { query: { state: 'done', ownerId: ada } });
    expect(done.json.data.map((item: { id: string }) => item.id)).toContain(created.json.id);
  });
});

describe('the overdue reminder', () => {
  const remindersTo = (title: string) => sink.received.filter((mail) => mail.parsed.subject === `[Herald] Action item overdue: ${title}`);
  const reminderNumber = (title: string, count: number) =>
    waitUntil(`reminder ${count} about ${title}`, () => remindersTo(title)[count - 1]);

  it('emails the owner once per due date, again after the date moves, and never for done or dropped items', async () => {
    await updatePageSettings(context, testActor, { name: 'Herald', description: '', timeZone: 'Europe/Paris' });
    clock.set('2026-06-01T12:00:00.000Z');
    // Every earlier item is closed, so only these three are overdue.
    for (const item of await listActionItems(context, { state: 'open' })) {
      expectOk(await changeActionItemState(context, testActor, item.id, { state: 'dropped' }));
    }
    const row = await resolved('critical');
    const add = async (title: string, dueDate: string) =>
      expectOk(await addActionItem(context, testActor, row.id, { title, ownerId: ada, dueDate }));
    const open = await add('Shard the <payments> queue', '2026-06-10');
    const done = await add('Write the runbook', '2026-06-10');
    const dropped = await add('Buy more disks', '2026-06-10');
    expectOk(await changeActionItemState(context, testActor, done.id, { state: 'done' }));
    expectOk(await changeActionItemState(context, testActor, dropped.id, { state: 'dropped' }));

    clock.set('2026-06-10T21:59:00.000Z');
    expect(await queueActionItemReminders(context), 'not due before the end of the day in Paris').toBe(0);
    clock.set('2026-06-10T22:00:00.000Z');
    expect(await queueActionItemReminders(context)).toBe(1);
    expect(await queueActionItemReminders(context), 'a doubled sweep queues nothing more').toBe(0);
    const [stored] = await handle.db.select().from(actionItem).where(eq(actionItem.id, open.id));
    expect(stored!.overdueRemindedFor).toEqual(stored!.dueAt);

    const mail = await reminderNumber('Shard the <payments> queue', 1);
    expect(mail.to).toBe('ada@example.com');
    const link = `${TEST_PUBLIC_URL}/admin/incidents/${row.id}/postmortem`;
    expect(mail.parsed.text).toContain(
      'The action item “Shard the <payments> queue” of the incident “A critical outage” was due by 2026-06-10 and is still open.',
    );
    expect(mail.parsed.text).toContain(link);
    expect(mail.parsed.html).toContain('Shard the &lt;payments&gt; queue');
    expect(mail.parsed.html).not.toContain('<payments>');

    // A new due date re-arms the reminder; it comes once that date passes too.
    expectOk(await editActionItem(context, testActor, open.id, { title: open.title, ownerId: ada, dueDate: '2026-06-20' }));
    expect(await queueActionItemReminders(context)).toBe(0);
    clock.set('2026-06-21T08:00:00.000Z');
    expect(await queueActionItemReminders(context)).toBe(1);
    expect(await queueActionItemReminders(context)).toBe(0);
    await reminderNumber('Shard the <payments> queue', 2);

    // A reminder queued before the item was closed sends nothing.
    expectOk(await changeActionItemState(context, testActor, open.id, { state: 'done' }));
    const outcome = await sendActionItemReminder(context, workers.mailer, {
      actionItemId: open.id,
      incidentId: row.id,
      dueAt: dueAtOfDate('2026-06-20', 'Europe/Paris').toISOString(),
      publicUrl: TEST_PUBLIC_URL,
    });
    expect(outcome).toBe('skipped');
    expect(remindersTo('Write the runbook')).toEqual([]);
    expect(remindersTo('Buy more disks')).toEqual([]);
    expect(remindersTo('Shard the <payments> queue')).toHaveLength(2);
  });
});
