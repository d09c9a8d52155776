/**
 * Rollback criteria end to end: ticked on declaration, on updates, through the API and by alert
 * intake; the "Consider rollback" step; the team alert through a real SMTP server; the decision;
 * and the editable list in settings.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incident, user, type ComponentRow, type IncidentRow } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { sendTeamAlert } from '../../src/lib/server/jobs/handlers/team-alert';
import { createMailer, type Mailer } from '../../src/lib/server/mail/transport';
import { updateRollbackCriteriaForm } from '../../src/forms/rollback';
import { authenticateApiKey, createApiKey, type ApiPrincipal } from '../../src/lib/server/services/access/api-keys';
import { createContact } from '../../src/lib/server/services/plan/contacts';
import { guardedHttp } from '../../src/lib/server/services/webhooks/outbound-http';
import { getPlanStatus } from '../../src/lib/server/services/plan/plan-status';
import { decideRollback, getRollbackCriteria, updateRollbackCriteria } from '../../src/lib/server/services/plan/rollback';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { receiveAlerts } from '../../src/lib/server/services/intake/receive-alerts';
import { confirmDraft, listOpenDrafts } from '../../src/lib/server/services/intake/intake-drafts';
import { updateIntakeSettings } from '../../src/lib/server/services/intake/intake-settings';
import { alertmanagerPayload } from '../support/alert-payloads';
import { apiClient } from '../support/api-client';
import { auditRowsFor, countRows, expectFailure, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { TEST_MAIL_FROM, TEST_PUBLIC_URL } from '../support/mail-workers';
import { queuedJobs } from '../support/queued-jobs';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const ada = { userId: newId(), label: 'Ada Responder <ada@example.com>' };
const { declare, post, newComponent } = incidentHelpers({ clock, context }, { actor: ada });
let sink: SmtpSink;
let mailer: Mailer;
let checkout: ComponentRow;
let principal: ApiPrincipal;
let token: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: TEST_MAIL_FROM, dkim: undefined, dataDir: '/nonexistent' });
  await handle.db.insert(user).values({ id: ada.userId, email: 'ada@example.com', name: 'Ada', role: 'responder', createdAt: clock.now() });
  expectOk(
    await createContact(context, testActor, { name: 'Sam Oncall', role: 'On call', email: 'sam@example.com', severities: ['critical'] }),
  );
  checkout = await newComponent('Checkout');
  const key = expectOk(await createApiKey(context, testActor, { name: 'monitoring', role: 'responder' }));
  token = key.token;
  const authenticated = await authenticateApiKey(context, key.token);
  if (!authenticated.ok) throw new Error(authenticated.reason);
  principal = authenticated.principal;
});

afterAll(async () => {
  (mailer as Mailer | undefined)?.close();
  await (sink as SmtpSink | undefined)?.close();
});

/** The team alerts queued for an incident, as (kind, occasion). */
const queuedAlerts = async (row: IncidentRow) =>
  (await queuedJobs(handle, 'team-alert', row.id)).map((job) => `${job.data.kind}:${job.data.occasion}`);

/** Runs the team-alert jobs queued for an incident and answers the emails they sent, by subject. */
async function runAlerts(row: IncidentRow) {
  const before = sink.received.length;
  for (const job of await queuedJobs(handle, 'team-alert', row.id)) {
    await sendTeamAlert(context, mailer, { ...job.data, publicUrl: TEST_PUBLIC_URL, http: guardedHttp });
  }
  return sink.received.slice(before);
}

const incidentNow = async (id: string) => (await handle.db.select().from(incident).where(eq(incident.id, id)))[0]!;

describe('rollback criteria on an incident', () => {
  it('declared with criteria: the checklist names them, the team alert says so, a later criterion alerts once, the decision is kept', async () => {
    const row = await declare({
      title: 'Checkout failing',
      severity: 'critical',
      components: [{ componentId: checkout.id, status: 'major_outage' }],
      rollbackCriteria: ['payment_processing_failed'],
    });
    expect(row.rollbackCriteriaMet).toEqual(['payment_processing_failed']);
    let plan = (await getPlanStatus(context, row.id, clock.now()))!;
    expect(plan.rollback).toEqual({ state: 'pending', criteria: ['Payment processing failed'] });

    const declared = await runAlerts(row);
    expect(declared.map((mail) => mail.to)).toEqual(['sam@example.com']);
    expect(declared[0]!.parsed.text).toContain('Rollback criteria met: Payment processing failed');

    // An update ticks one more (and one already met): one alert for the new set, naming both.
    await post(row.id, { rollbackCriteria: ['error_rate', 'payment_processing_failed'] });
    await post(row.id, { rollbackCriteria: ['error_rate'] });
    expect(await queuedAlerts(row)).toEqual(['declared:declared', 'rollback_criteria_met:error_rate,payment_processing_failed']);
    const [alert, ...others] = await runAlerts(row);
    expect(others).toEqual([]);
    expect(alert!.parsed.subject).toBe('[Herald] Rollback criteria met: consider rollback: Checkout failing');
    expect(alert!.parsed.text).toContain('Rollback criteria met: Payment processing failed; Error rate over 5 %');

    // The decision needs a choice and a reason; then the step is done, with who, when and why.
    expect(expectInvalid(await decideRollback(context, ada, row.id, { decision: 'declined', reason: ' ' }))).toEqual({
      reason: 'The reason is required.',
    });
    expect(expectInvalid(await decideRollback(context, ada, row.id, { decision: 'maybe' as never, reason: 'Hmm.' }))).toHaveProperty(
      'decision',
    );
    clock.advance(MINUTE);
    expectOk(await decideRollback(context, ada, row.id, { decision: 'rolled_back', reason: 'Reverted release 4.2.' }));
    plan = (await getPlanStatus(context, row.id, clock.now()))!;
    expect(plan.rollback).toEqual({
      state: 'done',
      criteria: ['Payment processing failed', 'Error rate over 5 %'],
      decision: 'rolled_back',
      reason: 'Reverted release 4.2.',
      decidedAt: clock.now(),
      decidedBy: 'Ada',
    });
    const audit = (await auditRowsFor(handle.db, row.id)).find((entry) => entry.action === 'incident.rollback_decision');
    expect(audit).toMatchObject({ actorLabel: ada.label, after: { decision: 'rolled_back', reason: 'Reverted release 4.2.' } });
  });

  it('without criteria shows no rollback step, and refuses a decision', async () => {
    const row = await declare({ title: 'Slow search' });
    expect((await getPlanStatus(context, row.id, clock.now()))!.rollback).toBeNull();
    expectFailure(await decideRollback(context, ada, row.id, { decision: 'declined', reason: 'Nothing to roll back.' }), 'conflict');
  });

  it('refuses unknown ids from forms and the API, changing nothing', async () => {
    const incidents = await countRows(handle.db, incident);
    const refused = await declareIncident(context, ada, {
      title: 'Forged',
      severity: 'low',
      status: 'investigating',
      message: 'x',
      rollbackCriteria: ['made_up'],
    });
    expect(expectInvalid(refused)).toEqual({ rollbackCriteria: 'Unknown rollback criterion: made_up. Choose from the list in settings.' });
    const api = apiClient(context, token);
    const answer = await api.call('POST', '/incidents', {
      body: { title: 'Forged', severity: 'low', status: 'investigating', message: 'x', rollbackCriteria: ['nope', 'error_rate'] },
    });
    expect(answer.status).toBe(422);
    expect(answer.json.errors).toEqual([
      { field: 'rollbackCriteria', message: 'Unknown rollback criterion: nope. Choose from the list in settings.' },
    ]);
    expect(await countRows(handle.db, incident)).toBe(incidents);

    const row = await declare({ title: 'API ticks' });
    const bad = await postIncidentUpdate(context, ada, row.id, { status: 'identified', message: 'x', rollbackCriteria: [42 as never] });
    expect(expectInvalid(bad)).toHaveProperty('rollbackCriteria.0');
    const ticked = await api.call('POST', `/incidents/${row.id}/updates`, {
      body: { status: 'identified', message: 'Data looks wrong.', rollbackCriteria: ['data_corruption_detected'] },
    });
    expect(ticked.status).toBe(201);
    expect(ticked.json).toMatchObject({ rollbackCriteriaMet: ['data_corruption_detected'], rollbackDecision: null });
    expect((await incidentNow(row.id)).rollbackCriteriaMet).toEqual(['data_corruption_detected']);
  });
});

describe('rollback criteria from alert intake', () => {
  const firing = (annotations: Record<string, string>) =>
    alertmanagerPayload({
      groupKey: '{}:{alertname="CheckoutErrors"}',
      alerts: [{ labels: { alertname: 'CheckoutErrors', component: 'Checkout', severity: 'critical' }, annotations }],
    });

  it('ticks error_rate over 5 on declaration and a latency degradation over 50 % when the group fires again', async () => {
    clock.advance(MINUTE);
    const declared = expectOk(await receiveAlerts(context, principal, 'alertmanager', firing({ error_rate: '7.5%' })));
    expect(declared.detail).toContain('Rollback criteria met: Error rate over 5 %.');
    const row = await incidentNow(declared.incidentId!);
    expect(row.rollbackCriteriaMet).toEqual(['error_rate']);

    clock.advance(MINUTE);
    const again = expectOk(
      await receiveAlerts(context, principal, 'alertmanager', firing({ error_rate: '7.5%', latency_degradation: '80 %' })),
    );
    expect(again.outcome).toBe('updated');
    expect(again.detail).toContain('ticked the rollback criteria Performance degradation over 50 %.');
    expect((await incidentNow(row.id)).rollbackCriteriaMet).toEqual(['error_rate', 'performance_degradation']);
    expect(await queuedAlerts(row)).toContain('rollback_criteria_met:error_rate,performance_degradation');

    // The same measurements again change nothing.
    clock.advance(MINUTE);
    const same = expectOk(
      await receiveAlerts(context, principal, 'alertmanager', firing({ error_rate: '7.5%', latency_degradation: '80 %' })),
    );
    expect(same.outcome).toBe('unchanged');
  });

  it('leaves an incident below the thresholds alone, and notes an unreadable degradation', async () => {
    clock.advance(MINUTE);
    const payload = alertmanagerPayload({
      groupKey: '{}:{alertname="CheckoutSlow"}',
      alerts: [
        { labels: { alertname: 'CheckoutSlow', component: 'Checkout' }, annotations: { error_rate: '5', latency_degradation: 'slow' } },
      ],
    });
    const result = expectOk(await receiveAlerts(context, principal, 'alertmanager', payload));
    expect(result.detail).toContain('could not read latency_degradation "slow"');
    expect((await incidentNow(result.incidentId!)).rollbackCriteriaMet).toEqual([]);
  });

  it('in draft mode, the draft keeps what its alerts measured and the confirmed incident starts with it', async () => {
    expectOk(await updateIntakeSettings(context, testActor, { mode: 'draft' }));
    try {
      const draftFiring = (annotations: Record<string, string>) =>
        alertmanagerPayload({
          groupKey: '{}:{alertname="CheckoutDraft"}',
          alerts: [{ labels: { alertname: 'CheckoutDraft', component: 'Checkout', severity: 'critical' }, annotations }],
        });
      clock.advance(MINUTE);
      const drafted = expectOk(await receiveAlerts(context, principal, 'alertmanager', draftFiring({ error_rate: '9' })));
      expect(drafted.outcome).toBe('drafted');
      clock.advance(MINUTE);
      const grown = expectOk(await receiveAlerts(context, principal, 'alertmanager', draftFiring({ latency_degradation: '60' })));
      expect(grown.outcome).toBe('draft_updated');
      const [open] = (await listOpenDrafts(context)).filter((draft) => draft.id === drafted.draftId);
      expect(open?.rollbackCriteriaMet).toEqual(['Error rate over 5 %', 'Performance degradation over 50 %']);

      const confirmed = expectOk(await confirmDraft(context, ada, drafted.draftId!));
      expect(confirmed.incident.rollbackCriteriaMet).toEqual(['error_rate', 'performance_degradation']);
      const plan = await getPlanStatus(context, confirmed.incident.id, clock.now());
      expect(plan?.rollback).toMatchObject({ criteria: ['Error rate over 5 %', 'Performance degradation over 50 %'] });
    } finally {
      expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident' }));
    }
  });
});

describe('the rollback criteria list in settings', () => {
  it('renames, adds and removes, audited; keeps the measured ones; a new criterion can be ticked', async () => {
    const current = await getRollbackCriteria(context);
    const kept = current.filter((item) => item.id !== 'database_migration_failed');
    const saved = expectOk(
      await updateRollbackCriteria(context, testActor, {
        criteria: [
          ...kept.map((item) => (item.id === 'error_rate' ? { ...item, label: 'Errors over 5 %' } : item)),
          { label: 'Checkout down' },
        ],
      }),
    );
    expect(saved.map((item) => item.id)).not.toContain('database_migration_failed');
    expect(saved.at(-1)).toEqual({ id: 'checkout_down', label: 'Checkout down' });
    expect((await getRollbackCriteria(context)).find((item) => item.id === 'error_rate')?.label).toBe('Errors over 5 %');
    const [audit] = (await auditRowsFor(handle.db, 'rollback_criteria')).filter((entry) => entry.action === 'settings.rollback_criteria');
    expect(audit?.after).toEqual(saved);

    const row = await declare({ title: 'Checkout down', rollbackCriteria: ['checkout_down'] });
    expect((await getPlanStatus(context, row.id, clock.now()))!.rollback?.criteria).toEqual(['Checkout down']);

    // The form: a removed measured criterion and a duplicate label are refused, each on its own row; nothing changes.
    const values = {
      criteria: {
        '0': { id: 'error_rate', label: 'Errors over 5 %', remove: 'on' },
        '1': { id: 'checkout_down', label: 'Checkout down' },
        '2': { id: '', label: 'checkout DOWN' },
      },
    };
    const result = await updateRollbackCriteriaForm.run({ values, actor: { ...ada, role: 'admin' }, context });
    expect(expectInvalid(result)).toEqual({
      'criteria.2.label': 'Another criterion already has this label.',
      criteria: expect.stringContaining('cannot be removed'),
    });
    expect(await getRollbackCriteria(context)).toEqual(saved);

    // Through the management API: read by any key, replaced by an admin's, refused the same way.
    const admin = apiClient(context, expectOk(await createApiKey(context, testActor, { name: 'settings', role: 'admin' })).token);
    expect((await admin.call('GET', '/settings/rollback-criteria')).json).toEqual({ criteria: saved });
    const removal = await admin.call('PATCH', '/settings/rollback-criteria', {
      body: { criteria: [{ id: 'error_rate', label: 'Errors' }] },
    });
    expect(removal.status).toBe(422);
    expect(removal.json.errors[0].message).toContain('“Performance degradation over 50 %” cannot be removed');
    expect((await apiClient(context, token).call('PATCH', '/settings/rollback-criteria', { body: { criteria: [] } })).status).toBe(403);
  });
});
