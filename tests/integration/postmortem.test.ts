import { desc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, incident, incidentUpdate, notification, type IncidentRow } from '../../src/lib/server/db/schema';
import { sendCustomerEmailNow } from '../../src/lib/server/services/plan/communication-plan';
import { postmortemDeadline } from '../../src/lib/domain/communication-policy';
import { getCommunicationPolicy } from '../../src/lib/server/services/plan/policy';
import { listIncidents, listOpenIncidents } from '../../src/lib/server/services/incidents/incident-lists';
import { getIncidentDetail } from '../../src/lib/server/services/incidents/incident-detail';
import {
  POSTMORTEM_MAX_CHARS,
  POSTMORTEM_REVISED_BODY,
  POSTMORTEM_UPDATE_BODY,
  publishPostmortem,
  savePostmortemDraft,
} from '../../src/lib/server/services/plan/postmortem';
import { getPublicIncident } from '../../src/lib/server/services/public/public-incidents';
import { getPostmortemTemplate } from '../../src/lib/server/services/plan/postmortem-timeline';
import { updateIncidentDetails } from '../../src/lib/server/services/incidents/incident-commands';
import { postmortemTemplateForm } from '../../src/forms/postmortem';
import { formatInZone } from '../../src/lib/domain/time-format';
import type { Severity } from '../../src/lib/domain/statuses';
import { auditRowsFor, countRows, expectFailure, expectInvalid, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

const BODY = '# Summary\n\nThe primary database failed over.\n\n- Detected in 2 minutes\n- Resolved in 40 minutes';

const helpers = incidentHelpers({ clock, context });
const declare = (severity: Severity = 'critical') =>
  helpers.declare({ title: `A ${severity} incident`, severity, status: 'investigating', message: 'We are investigating.' });
const resolve = (incidentId: string) => helpers.post(incidentId, { status: 'resolved', message: 'Resolved.' });

async function incidentRow(incidentId: string): Promise<IncidentRow> {
  const [row] = await handle.db.select().from(incident).where(eq(incident.id, incidentId));
  return row!;
}

function updatesOf(incidentId: string) {
  return handle.db.select().from(incidentUpdate).where(eq(incidentUpdate.incidentId, incidentId)).orderBy(desc(incidentUpdate.createdAt));
}

function notificationsOf(incidentId: string) {
  return handle.db.select().from(notification).where(eq(notification.incidentId, incidentId));
}

async function writeCounts() {
  return {
    updates: await countRows(handle.db, incidentUpdate),
    notifications: await countRows(handle.db, notification),
    audit: await countRows(handle.db, auditLog),
  };
}

describe('an open incident', () => {
  it('cannot take a post-mortem, published or draft, and nothing is written', async () => {
    const open = await declare();
    const before = await writeCounts();

    const published = expectFailure(
      await publishPostmortem(context, testActor, open.id, { body: BODY, notifySubscribers: true }),
      'invalid',
    );
    expect(published.message).toBe('A post-mortem can be written only once the incident is resolved.');
    const draft = expectInvalid(await savePostmortemDraft(context, testActor, open.id, { body: BODY }));
    expect(draft.body).toBe('A post-mortem can be written only once the incident is resolved.');

    expect(await writeCounts()).toEqual(before);
    const row = await incidentRow(open.id);
    expect(row.status).toBe('investigating');
    expect(row.postmortemBody).toBeNull();
    expect(row.postmortemPublishedAt).toBeNull();
  });

  it('is not found when it does not exist', async () => {
    expectFailure(await publishPostmortem(context, testActor, 'nosuchincident', { body: BODY, notifySubscribers: true }), 'not_found');
    expectFailure(await savePostmortemDraft(context, testActor, 'nosuchincident', { body: BODY }), 'not_found');
  });
});

describe('a resolved Critical incident', () => {
  let row: IncidentRow;

  beforeAll(async () => {
    row = await declare('critical');
    await resolve(row.id);
  });

  it('is owed a post-mortem by the policy window after resolution', async () => {
    const policy = await getCommunicationPolicy(context);
    const resolved = await incidentRow(row.id);
    const deadline = postmortemDeadline(resolved, policy, clock.now());
    expect(deadline).toEqual({ owed: true, dueAt: new Date(resolved.resolvedAt!.getTime() + 24 * HOUR), overdue: false });
    expect(postmortemDeadline(resolved, policy, new Date(resolved.resolvedAt!.getTime() + 25 * HOUR)).overdue).toBe(true);
  });

  it('saves a draft without changing the status or the public page', async () => {
    const updatesBefore = (await updatesOf(row.id)).length;
    clock.advance(MINUTE);
    const saved = expectOk(await savePostmortemDraft(context, testActor, row.id, { body: `  ${BODY}\r\n` }));
    expect(saved.status).toBe('resolved');
    expect(saved.postmortemBody).toBe(BODY);
    expect(saved.postmortemPublishedAt).toBeNull();
    expect((await updatesOf(row.id)).length).toBe(updatesBefore);

    const audit = (await auditRowsFor(handle.db, row.id)).at(-1)!;
    expect(audit.action).toBe('incident.postmortem_draft');

    const publicView = await getPublicIncident(context, row.id);
    expect(publicView!.incident.postmortemPublishedAt).toBeNull();
  });

  it('publishes: status postmortem, the time, a short update, an audit row, all at once', async () => {
    const publishedAt = clock.advance(2 * HOUR);
    const after = expectOk(await publishPostmortem(context, testActor, row.id, { body: BODY, notifySubscribers: true }));
    expect(after.status).toBe('postmortem');
    expect(after.postmortemBody).toBe(BODY);
    expect(after.postmortemPublishedAt).toEqual(publishedAt);

    const [latest] = await updatesOf(row.id);
    expect(latest).toMatchObject({
      status: 'postmortem',
      body: POSTMORTEM_UPDATE_BODY,
      componentChanges: null,
      createdAt: publishedAt,
      displayAt: publishedAt,
    });
    // A Critical incident is an outage: resolved before its customer email went out, so its updates are not emailed.
    expect(latest!.notifySubscribers).toBe(false);
    expect(await notificationsOf(row.id)).toEqual([]);

    const audit = (await auditRowsFor(handle.db, row.id)).at(-1)!;
    expect(audit.action).toBe('incident.postmortem_publish');
    expect(audit.actorLabel).toBe('test-suite');
    expect(audit.before).toMatchObject({ status: 'resolved', postmortemPublishedAt: null });
    expect(audit.after).toMatchObject({ status: 'postmortem', postmortemLength: BODY.length, notified: false, late: false });
  });

  it('then shows the post-mortem in the public page model', async () => {
    const publicView = await getPublicIncident(context, row.id);
    expect(publicView!.incident.status).toBe('postmortem');
    expect(publicView!.incident.postmortemBody).toBe(BODY);
    expect(publicView!.incident.postmortemPublishedAt).not.toBeNull();
    expect(publicView!.updates[0]!.status).toBe('postmortem');
  });

  it('counts as closed in the incident lists', async () => {
    expect((await listOpenIncidents(context)).map((summary) => summary.incident.id)).not.toContain(row.id);
    const closed = await listIncidents(context, { page: 1, state: 'closed', pageSize: 100 });
    expect(closed.items.map((summary) => summary.incident.id)).toContain(row.id);
    const open = await listIncidents(context, { page: 1, state: 'open', pageSize: 100 });
    expect(open.items.map((summary) => summary.incident.id)).not.toContain(row.id);
  });

  it('refuses a draft once published, since the text is public', async () => {
    const before = await writeCounts();
    const errors = expectInvalid(await savePostmortemDraft(context, testActor, row.id, { body: 'Changed quietly.' }));
    expect(errors.body).toMatch(/already published/);
    expect(await writeCounts()).toEqual(before);
    expect((await incidentRow(row.id)).postmortemBody).toBe(BODY);
  });

  it('publishes again with changes, keeping the first publication time', async () => {
    const first = (await incidentRow(row.id)).postmortemPublishedAt;
    clock.advance(HOUR);
    const after = expectOk(
      await publishPostmortem(context, testActor, row.id, { body: `${BODY}\n\nAction items added.`, notifySubscribers: false }),
    );
    expect(after.postmortemPublishedAt).toEqual(first);
    expect(after.postmortemBody).toContain('Action items added.');
    const [latest] = await updatesOf(row.id);
    expect(latest).toMatchObject({ status: 'postmortem', body: POSTMORTEM_REVISED_BODY, notifySubscribers: false });
    expect((await auditRowsFor(handle.db, row.id)).at(-1)!.action).toBe('incident.postmortem_republish');
  });
});

describe('notifying subscribers', () => {
  it('emails the update of an outage whose customer email went out, when staff ask', async () => {
    const row = await declare('high');
    expectOk(await sendCustomerEmailNow(context, testActor, row.id));
    await resolve(row.id);
    const notificationsBefore = (await notificationsOf(row.id)).length;

    clock.advance(HOUR);
    expectOk(await publishPostmortem(context, testActor, row.id, { body: BODY, notifySubscribers: true }));
    const [latest] = await updatesOf(row.id);
    expect(latest!.notifySubscribers).toBe(true);
    const notifications = await notificationsOf(row.id);
    expect(notifications.length).toBe(notificationsBefore + 1);
    expect(notifications.some((item) => item.incidentUpdateId === latest!.id)).toBe(true);
  });

  it('does not email when staff untick it', async () => {
    const row = await declare('medium');
    await resolve(row.id);
    const notificationsBefore = (await notificationsOf(row.id)).length;
    clock.advance(HOUR);
    expectOk(await publishPostmortem(context, testActor, row.id, { body: BODY, notifySubscribers: false }));
    expect((await updatesOf(row.id))[0]!.notifySubscribers).toBe(false);
    expect((await notificationsOf(row.id)).length).toBe(notificationsBefore);
  });
});

describe('a Medium incident', () => {
  it('is not owed a post-mortem, but one can be published', async () => {
    const row = await declare('medium');
    await resolve(row.id);
    const policy = await getCommunicationPolicy(context);
    expect(postmortemDeadline(await incidentRow(row.id), policy, clock.now())).toMatchObject({ owed: false, overdue: false });

    clock.advance(30 * HOUR);
    const after = expectOk(await publishPostmortem(context, testActor, row.id, { body: BODY, notifySubscribers: true }));
    expect(after.status).toBe('postmortem');
    // Not an outage: the update is emailed as staff chose.
    const [latest] = await updatesOf(row.id);
    expect(latest!.notifySubscribers).toBe(true);
    expect((await notificationsOf(row.id)).some((item) => item.incidentUpdateId === latest!.id)).toBe(true);
    const detail = await getIncidentDetail(context, row.id);
    expect(detail!.incident.postmortemBody).toBe(BODY);
  });
});

describe('validation', () => {
  let row: IncidentRow;

  beforeAll(async () => {
    row = await declare('high');
    await resolve(row.id);
  });

  it('refuses an empty or blank body', async () => {
    const before = await writeCounts();
    expect(expectInvalid(await publishPostmortem(context, testActor, row.id, { body: '', notifySubscribers: true })).body).toBe(
      'The post-mortem is required.',
    );
    expect(expectInvalid(await publishPostmortem(context, testActor, row.id, { body: ' \r\n\t ', notifySubscribers: true })).body).toBe(
      'The post-mortem is required.',
    );
    expect(expectInvalid(await savePostmortemDraft(context, testActor, row.id, { body: '' })).body).toBe('The post-mortem is required.');
    expect(await writeCounts()).toEqual(before);
    expect((await incidentRow(row.id)).status).toBe('resolved');
  });

  it('refuses a body over 50,000 characters, and takes one of exactly 50,000', async () => {
    const before = await writeCounts();
    const errors = expectInvalid(
      await publishPostmortem(context, testActor, row.id, { body: 'x'.repeat(POSTMORTEM_MAX_CHARS + 1), notifySubscribers: true }),
    );
    expect(errors.body).toBe('The post-mortem must be at most 50,000 characters.');
    expectInvalid(await savePostmortemDraft(context, testActor, row.id, { body: 'x'.repeat(POSTMORTEM_MAX_CHARS + 1) }));
    expect(await writeCounts()).toEqual(before);

    // Line breaks sent as CRLF count once, as typed.
    const lines = 'x'.repeat(99);
    const atLimit = Array.from({ length: POSTMORTEM_MAX_CHARS / 100 }, () => lines).join('\r\n') + 'x';
    expect(atLimit.replace(/\r\n/g, '\n').length).toBe(POSTMORTEM_MAX_CHARS);
    const saved = expectOk(await savePostmortemDraft(context, testActor, row.id, { body: atLimit }));
    expect(saved.postmortemBody!.length).toBe(POSTMORTEM_MAX_CHARS);
  });
});

describe('the template a post-mortem starts from', () => {
  it('holds the timeline of updates and plan events, and goes only into an empty editor', async () => {
    const row = await declare('high');
    clock.advance(MINUTE);
    expectOk(
      await updateIncidentDetails(context, testActor, row.id, { title: row.title, severity: 'critical', severityReason: 'Payments down' }),
    );
    await helpers.post(row.id, { status: 'identified', message: 'We found the cause.\nA bad deploy.' });
    await resolve(row.id);

    const template = await getPostmortemTemplate(context, row.id);
    const timeline = template!.split('## Timeline\n\n')[1]!.split('\n\n')[1]!.split('\n');
    expect(timeline).toEqual([
      `- ${formatInZone(row.createdAt, 'UTC')}: Incident declared (High)`,
      expect.stringMatching(/: Public update, Investigating: We are investigating\.$/),
      expect.stringMatching(/: Severity changed from High to Critical$/),
      expect.stringMatching(/: Public update, Identified: We found the cause\.$/),
      expect.stringMatching(/: Public update, Resolved: Resolved\.$/),
      expect.stringMatching(/: Customer email not sent: resolved after \d+ m \d+ s$/),
    ]);
    expect(await getPostmortemTemplate(context, 'nosuchincident')).toBeUndefined();

    const form = postmortemTemplateForm(row.id);
    const run = (body: string) =>
      form.run({ values: { body }, actor: { userId: 'responder', label: 'Responder', role: 'responder' }, context });
    expect(expectOk(await run(' \n '))).toEqual({ shown: { body: template, notifySubscribers: false, rendered: false } });
    expect(expectInvalid(await run('My own words.')).body).toBe(
      'The template goes only into an empty post-mortem: clear the text first, or keep writing.',
    );
  });
});
