/**
 * The communication plan as staff see it on the incident page: each step with its real times,
 * moved along by the rules (customer email, cadence, post-mortem) as the clock advances.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { communicationPolicyValues } from '../../src/forms/communication';
import { defaultCommunicationPolicy } from '../../src/lib/domain/communication-policy';
import { incident, user, type IncidentRow } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { fanOutNotification } from '../../src/lib/server/jobs/handlers/fan-out';
import { sendTeamAlert } from '../../src/lib/server/jobs/handlers/team-alert';
import type { Mailer } from '../../src/lib/server/mail/transport';
import type { OutboundHttp, PostOutcome } from '../../src/lib/server/services/webhooks/outbound-http';
import { sendCustomerEmailIfDue } from '../../src/lib/server/jobs/handlers/customer-email';
import { holdCustomerEmail, sendCustomerEmailNow } from '../../src/lib/server/services/plan/communication-plan';
import { getCommunicationPolicy, updateCommunicationPolicy } from '../../src/lib/server/services/plan/policy';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { createContact } from '../../src/lib/server/services/plan/contacts';
import type { Actor } from '../../src/lib/server/services/kernel/context';
import { declareIncident, postIncidentUpdate, updateIncidentDetails } from '../../src/lib/server/services/incidents/incident-commands';
import { getPlanStatus, nextUpdateDueForOpenIncidents, type PlanStatus } from '../../src/lib/server/services/plan/plan-status';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { labelOf } from '../../src/lib/server/services/access/users';
import { expectInvalid, expectOk, HOUR, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
let ada: Actor;
let apiId: string;
const sentMail: string[] = [];
const mailer: Mailer = {
  async send(mail) {
    sentMail.push(mail.to);
  },
  close() {},
  describe: () => 'memory',
};
/** An outbound client whose every webhook gets `outcome`, without a receiver. */
const answering = (outcome: PostOutcome): OutboundHttp => ({ post: async () => outcome });

beforeAll(async () => {
  const adaId = newId();
  await handle.db
    .insert(user)
    .values({ id: adaId, email: 'ada@example.com', name: 'Ada Responder', role: 'responder', createdAt: clock.now() });
  ada = { userId: adaId, label: labelOf({ name: 'Ada Responder', email: 'ada@example.com' }) };
  apiId = expectOk(await createComponent(context, testActor, { name: 'API' })).id;
  const other = expectOk(await createComponent(context, testActor, { name: 'Dashboard' })).id;
  expectOk(
    await createContact(context, testActor, {
      name: 'Sam Oncall',
      role: 'On call',
      email: 'sam@example.com',
      webhookUrl: 'https://hooks.example.com/sam',
      severities: ['critical', 'high'],
    }),
  );
  expectOk(
    await createContact(context, testActor, {
      name: 'Cleo Lead',
      role: 'Lead',
      email: 'cleo@example.com',
      webhookUrl: null,
      severities: ['critical'],
    }),
  );
  // Two subscribers hear about the API (one of everything, one of the API); one only of the dashboard.
  expectOk(await addSubscriberByAdmin(context, testActor, { email: 'all@example.com', componentIds: [] }));
  expectOk(await addSubscriberByAdmin(context, testActor, { email: 'api@example.com', componentIds: [apiId] }));
  expectOk(await addSubscriberByAdmin(context, testActor, { email: 'dash@example.com', componentIds: [other] }));
});

type DeclareInput = Parameters<typeof declareIncident>[2];

async function declareAt(at: string, input: Partial<DeclareInput> = {}): Promise<IncidentRow> {
  clock.set(at);
  return expectOk(
    await declareIncident(context, ada, {
      title: 'Payments failing',
      severity: 'critical',
      signals: ['payment_failures'],
      status: 'investigating',
      message: 'Card payments are failing; we are investigating.',
      components: [{ componentId: apiId, status: 'major_outage' }],
      ...input,
    }),
  );
}

async function statusAt(incidentId: string, at: string | Date): Promise<PlanStatus> {
  clock.set(at);
  const status = await getPlanStatus(context, incidentId, clock.now());
  if (!status) throw new Error('no plan status');
  return status;
}

async function resolveAt(incidentId: string, at: string) {
  clock.set(at);
  expectOk(await postIncidentUpdate(context, ada, incidentId, { status: 'resolved', message: 'Fixed.' }));
}

const at = (time: string, plusMs = 0) => new Date(new Date(time).getTime() + plusMs);

describe('a Critical incident, step by step', () => {
  const START = '2026-03-02T09:00:00.000Z';
  let row: IncidentRow;

  beforeAll(async () => {
    row = await declareAt(START);
  });

  it('shows the suggestion, the choice, the signals and who declared it when', async () => {
    const status = await statusAt(row.id, at(START, MINUTE));
    expect(status.severity).toMatchObject({
      state: 'done',
      chosen: 'critical',
      suggested: 'critical',
      signals: ['Payment processing failures'],
      overrideReason: null,
      declaredBy: 'Ada Responder',
      owner: 'Ada Responder',
      declaredAt: new Date(START),
    });
    expect(status.severity.suggestionReason).toBe('Critical: payment processing failures, a component in major outage');
    expect(status.publicPost).toEqual({ state: 'done', postedAt: new Date(START), updateCount: 1 });
  });

  it('counts the team alert: pending until the job runs, then whom it reached and what failed', async () => {
    expect((await statusAt(row.id, at(START, 2_000))).teamAlert).toMatchObject({ state: 'pending', recipients: 0, contactsOnPlan: 2 });
    clock.set(at(START, 3_000));
    await sendTeamAlert(context, mailer, {
      incidentId: row.id,
      kind: 'declared',
      occasion: 'declared',
      publicUrl: 'http://status.test',
      http: answering({ ok: false, status: 500, error: 'The receiver answered HTTP 500: no' }),
    });
    expect(sentMail.sort()).toEqual(['cleo@example.com', 'sam@example.com']);
    const status = await statusAt(row.id, at(START, MINUTE));
    // Two people; three messages (two emails and Sam's webhook, which answered 500).
    expect(status.teamAlert).toEqual({
      state: 'done',
      firstSentAt: at(START, 3_000),
      recipients: 2,
      sent: 2,
      failed: 1,
      waiting: 0,
      contactsOnPlan: 2,
      severityRaisedAt: null,
    });
  });

  it('schedules the customer email at start + 5 min, and shows it sent, with its time and recipients', async () => {
    const before = await statusAt(row.id, at(START, 4 * MINUTE));
    expect(before.customerEmail).toEqual({ state: 'pending', reason: 'scheduled', dueAt: at(START, 5 * MINUTE) });
    expect(before.customerEmailActionable).toBe(true);

    clock.set(at(START, 5 * MINUTE));
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('sent');
    const sent = await statusAt(row.id, at(START, 5 * MINUTE + 1_000));
    expect(sent.customerEmail).toEqual({
      state: 'done',
      reason: 'sent',
      sentAt: at(START, 5 * MINUTE),
      dueAt: at(START, 5 * MINUTE),
      recipients: null,
      note: null,
    });
    expect(sent.customerEmailActionable).toBe(false);

    const [stored] = await handle.db.select().from(incident).where(eq(incident.id, row.id));
    await fanOutNotification(context, stored!.customerEmailNotificationId!);
    const counted = await statusAt(row.id, at(START, 6 * MINUTE));
    expect(counted.customerEmail).toMatchObject({ state: 'done', recipients: 2 });
  });

  it('owes the next public update by the time the last one promised (Critical: 20 min), then is overdue, until an update is posted', async () => {
    expect((await statusAt(row.id, at(START, 19 * MINUTE))).nextUpdate).toEqual({
      state: 'pending',
      dueAt: at(START, 20 * MINUTE),
      promised: true,
      lastPublicUpdateAt: new Date(START),
      cadence: 'every 20 min for the first 2 h, then every 60 min',
    });
    expect((await statusAt(row.id, at(START, 20 * MINUTE))).nextUpdate.state).toBe('overdue');

    const list = await nextUpdateDueForOpenIncidents(context, at(START, 21 * MINUTE));
    expect(list.get(row.id)).toEqual({ dueAt: at(START, 20 * MINUTE), overdue: true, lastPublicUpdateAt: new Date(START) });

    clock.set(at(START, 21 * MINUTE));
    const promise = at(START, 50 * MINUTE);
    expectOk(
      await postIncidentUpdate(context, ada, row.id, {
        status: 'identified',
        message: 'A bad deploy; rolling back.',
        nextUpdateBy: promise,
      }),
    );
    const after = await statusAt(row.id, at(START, 32 * MINUTE));
    expect(after.nextUpdate).toMatchObject({ state: 'pending', dueAt: promise, promised: true });
    expect(after.publicPost.updateCount).toBe(2);
    expect((await nextUpdateDueForOpenIncidents(context, clock.now())).get(row.id)).toMatchObject({ dueAt: promise, overdue: false });
  });

  it('owes a post-mortem: after resolution while open, then due 24 h after it, then overdue, then published', async () => {
    expect((await statusAt(row.id, at(START, 40 * MINUTE))).postmortem).toEqual({
      state: 'pending',
      reason: 'after_resolution',
      windowHours: 24,
    });
    const resolvedAt = at(START, HOUR);
    await resolveAt(row.id, resolvedAt.toISOString());

    const resolved = await statusAt(row.id, at(START, 2 * HOUR));
    expect(resolved.open).toBe(false);
    expect(resolved.nextUpdate).toEqual({ state: 'done', closedAt: resolvedAt });
    expect(resolved.postmortem).toEqual({ state: 'pending', reason: 'due', dueAt: at(START, 25 * HOUR) });
    expect(resolved.postmortemOwed).toBe(true);
    expect((await nextUpdateDueForOpenIncidents(context, clock.now())).has(row.id)).toBe(false);

    expect((await statusAt(row.id, at(START, 25 * HOUR))).postmortem).toEqual({
      state: 'overdue',
      reason: 'due',
      dueAt: at(START, 25 * HOUR),
    });

    const publishedAt = at(START, 26 * HOUR);
    await handle.db
      .update(incident)
      .set({ postmortemBody: 'What happened.', postmortemPublishedAt: publishedAt })
      .where(eq(incident.id, row.id));
    const published = await statusAt(row.id, at(START, 27 * HOUR));
    expect(published.postmortem).toEqual({ state: 'done', reason: 'published', publishedAt });
    expect(published.postmortemOwed).toBe(false);
  });
});

describe('the customer email when things go otherwise', () => {
  it('is skipped when the outage resolves at 4:59, with how long it lasted', async () => {
    const START = '2026-03-03T10:00:00.000Z';
    const row = await declareAt(START);
    await resolveAt(row.id, at(START, 4 * MINUTE + 59_000).toISOString());
    clock.set(at(START, 5 * MINUTE));
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('not_scheduled');
    const status = await statusAt(row.id, at(START, 6 * MINUTE));
    expect(status.customerEmail).toEqual({
      state: 'skipped',
      reason: 'skipped',
      dueAt: at(START, 5 * MINUTE),
      note: 'resolved after 4 m 59 s',
    });
    expect(status.customerEmailActionable).toBe(false);
  });

  it('records lateness when the worker sends it late', async () => {
    const START = '2026-03-03T11:00:00.000Z';
    const row = await declareAt(START);
    clock.set(at(START, 7 * MINUTE));
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('sent');
    const status = await statusAt(row.id, at(START, 8 * MINUTE));
    expect(status.customerEmail).toMatchObject({ state: 'done', sentAt: at(START, 7 * MINUTE), note: 'sent 2 m 0 s late' });
  });

  it('is overdue while scheduled past its time (the worker has not run)', async () => {
    const START = '2026-03-03T12:00:00.000Z';
    const row = await declareAt(START);
    const status = await statusAt(row.id, at(START, 6 * MINUTE));
    expect(status.customerEmail).toEqual({ state: 'overdue', reason: 'scheduled', dueAt: at(START, 5 * MINUTE) });
    // Nor has the team alert gone out, though two contacts are paged for Critical.
    expect(status.teamAlert).toMatchObject({ state: 'overdue', recipients: 0, contactsOnPlan: 2 });
  });

  it('is held with who and why, is not sent when due, and goes when staff send it', async () => {
    const START = '2026-03-03T13:00:00.000Z';
    const row = await declareAt(START);
    clock.set(at(START, 2 * MINUTE));
    expect(expectInvalid(await holdCustomerEmail(context, ada, row.id, '   '))).toEqual({
      holdReason: 'Say why the customer email is held.',
    });
    expectOk(await holdCustomerEmail(context, ada, row.id, 'Legal review of the wording'));
    const held = await statusAt(row.id, at(START, 3 * MINUTE));
    expect(held.customerEmail).toEqual({
      state: 'held',
      reason: 'held',
      dueAt: at(START, 5 * MINUTE),
      note: 'held by Ada Responder <ada@example.com>: Legal review of the wording',
    });
    expect(held.customerEmailActionable).toBe(true);

    clock.set(at(START, 5 * MINUTE));
    expect(await sendCustomerEmailIfDue(context, row.id)).toBe('not_scheduled');
    expect((await statusAt(row.id, at(START, 6 * MINUTE))).customerEmail.state).toBe('held');

    clock.set(at(START, 9 * MINUTE));
    expectOk(await sendCustomerEmailNow(context, ada, row.id));
    const sent = await statusAt(row.id, at(START, 10 * MINUTE));
    expect(sent.customerEmail).toMatchObject({
      state: 'done',
      sentAt: at(START, 9 * MINUTE),
      note: 'sent by Ada Responder <ada@example.com>',
    });
  });

  it('is cancelled when the severity is lowered out of the outage set', async () => {
    const START = '2026-03-03T14:00:00.000Z';
    const row = await declareAt(START);
    clock.set(at(START, MINUTE));
    expectOk(
      await updateIncidentDetails(context, ada, row.id, {
        title: row.title,
        severity: 'medium',
        severityReason: 'Only one card network affected',
      }),
    );
    const status = await statusAt(row.id, at(START, 2 * MINUTE));
    expect(status.customerEmail).toEqual({
      state: 'skipped',
      reason: 'cancelled',
      dueAt: at(START, 5 * MINUTE),
      note: 'cancelled: severity lowered to Medium',
    });
    expect(status.severity).toMatchObject({ chosen: 'medium', suggested: 'critical', overrideReason: 'Only one card network affected' });
    expect(status.postmortem).toEqual({ state: 'not_required', severity: 'medium' });
  });
});

describe('an incident below the outage line', () => {
  it('needs no customer email and no post-mortem, and nobody is paged for it', async () => {
    const START = '2026-03-04T09:00:00.000Z';
    const row = await declareAt(START, {
      title: 'Slow dashboard',
      severity: 'medium',
      signals: ['cpu_above_80'],
      components: [],
    });
    const status = await statusAt(row.id, at(START, 10 * MINUTE));
    expect(status.severity).toMatchObject({
      chosen: 'medium',
      suggested: 'medium',
      suggestionReason: 'Medium: CPU over 80 %',
      signals: ['CPU over 80 %'],
    });
    expect(status.customerEmail).toEqual({
      state: 'not_required',
      reason: 'not_an_outage',
      severity: 'medium',
      outageSeverities: ['critical', 'high'],
    });
    expect(status.customerEmailActionable).toBe(false);
    expect(status.teamAlert).toMatchObject({ state: 'skipped', recipients: 0, contactsOnPlan: 0 });

    // Raised to High, the team hears of it after all.
    clock.set(at(START, 12 * MINUTE));
    expectOk(
      await updateIncidentDetails(context, ada, row.id, { title: row.title, severity: 'high', severityReason: 'Customers see timeouts' }),
    );
    await sendTeamAlert(context, mailer, {
      incidentId: row.id,
      kind: 'severity_raised',
      occasion: `high@${clock.now().toISOString()}`,
      publicUrl: 'http://status.test',
      http: answering({ ok: true, status: 204 }),
    });
    const raised = await statusAt(row.id, at(START, 13 * MINUTE));
    expect(raised.teamAlert).toMatchObject({ state: 'done', recipients: 1, sent: 2, failed: 0, severityRaisedAt: at(START, 12 * MINUTE) });
    expect(raised.severity).toMatchObject({ chosen: 'high', suggested: 'medium', overrideReason: 'Customers see timeouts' });
    expectOk(
      await updateIncidentDetails(context, ada, row.id, { title: row.title, severity: 'medium', severityReason: 'Back to slowness only' }),
    );
    await resolveAt(row.id, at(START, 20 * MINUTE).toISOString());
    expect((await statusAt(row.id, at(START, 30 * MINUTE))).postmortem).toEqual({ state: 'not_required', severity: 'medium' });
  });

  it('keeps the reason staff gave for overriding the suggestion', async () => {
    const row = await declareAt('2026-03-04T10:00:00.000Z', { severity: 'high', severityOverrideReason: 'Only test cards fail' });
    const status = await statusAt(row.id, '2026-03-04T10:01:00.000Z');
    expect(status.severity).toMatchObject({ chosen: 'high', suggested: 'critical', overrideReason: 'Only test cards fail' });
  });

  it('has no plan status for an unknown incident', async () => {
    expect(await getPlanStatus(context, 'nosuchincident', clock.now())).toBeUndefined();
  });
});

describe('an edited policy', () => {
  it('rejects a blank or bad form field by field, and the checklist follows a saved policy', async () => {
    const errors = expectInvalid(
      await updateCommunicationPolicy(
        context,
        testActor,
        communicationPolicyValues({
          customerEmailDelaySeconds: '',
          updateCadence: { critical: { everyMinutes: '0' }, high: { everyMinutes: '30', forFirstMinutes: '99999' } },
          postmortemWindowHours: 'x',
          postmortemReminderHours: '4',
          outageSeverities: 'critical',
        }) as Parameters<typeof updateCommunicationPolicy>[2],
      ),
    );
    expect(errors).toEqual({
      customerEmailDelaySeconds: 'The delay must be a whole number.',
      'updateCadence.critical.everyMinutes': 'The cadence must be at least 1.',
      'updateCadence.high.forFirstMinutes': 'The first period must be at most 10080.',
      postmortemWindowHours: 'The post-mortem window must be a whole number.',
    });
    // A later cadence needs its first period (and a first cadence), whatever else holds.
    const halfCadence = {
      customerEmailDelaySeconds: '300',
      updateCadence: { high: { everyMinutes: '30', thenEveryMinutes: '60' }, low: { forFirstMinutes: '60', thenEveryMinutes: '60' } },
      postmortemWindowHours: '24',
      postmortemReminderHours: '4',
    };
    expect(
      expectInvalid(
        await updateCommunicationPolicy(
          context,
          testActor,
          communicationPolicyValues(halfCadence) as Parameters<typeof updateCommunicationPolicy>[2],
        ),
      ),
    ).toEqual({
      'updateCadence.high.forFirstMinutes': 'Say how long the first cadence lasts before the later one applies.',
      'updateCadence.low.everyMinutes': 'Set how often updates are owed, or clear the later cadence too.',
    });
    expect(await getCommunicationPolicy(context)).toEqual(defaultCommunicationPolicy);

    expectOk(
      await updateCommunicationPolicy(
        context,
        testActor,
        communicationPolicyValues({
          customerEmailDelaySeconds: '120',
          outageSeverities: ['high', 'critical'],
          updateCadence: { critical: { everyMinutes: '10' }, high: { everyMinutes: '30' }, medium: { everyMinutes: '' } },
          postmortemSeverities: 'critical',
          postmortemWindowHours: '48',
          postmortemReminderHours: '6',
        }) as Parameters<typeof updateCommunicationPolicy>[2],
      ),
    );
    const START = '2026-03-05T09:00:00.000Z';
    const row = await declareAt(START);
    const status = await statusAt(row.id, at(START, MINUTE));
    expect(status.customerEmail).toEqual({ state: 'pending', reason: 'scheduled', dueAt: at(START, 2 * MINUTE) });
    expect(status.nextUpdate).toMatchObject({ state: 'pending', dueAt: at(START, 10 * MINUTE), cadence: 'every 10 min' });
    expect(status.policy.updateCadence.medium).toEqual({ everyMinutes: null, forFirstMinutes: null, thenEveryMinutes: null });
    expect(status.policy.outageSeverities).toEqual(['critical', 'high']);
    await resolveAt(row.id, at(START, HOUR).toISOString());
    expect((await statusAt(row.id, at(START, 2 * HOUR))).postmortem).toEqual({
      state: 'pending',
      reason: 'due',
      dueAt: at(START, 49 * HOUR),
    });
  });
});
