/**
 * The public wording of alert-driven incidents (issue 16): Alertmanager payloads go through the
 * real intake, and the incident, its updates and the subscriber's email read as the intake
 * settings' templates say (plain-language defaults), never with an alert's name, labels or
 * annotations. Mail goes through the real fan-out and delivery workers to an SMTP sink.
 */
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IntakeResult } from '../../src/lib/domain/alert-intake-log';
import { defaultWording, type WordingTemplates } from '../../src/lib/domain/public-wording';
import { incident, incidentUpdate, notification } from '../../src/lib/server/db/schema';
import { authenticateApiKey, createApiKey, type ApiPrincipal } from '../../src/lib/server/services/access/api-keys';
import { createUserWithPassword, labelOf, type StaffActor } from '../../src/lib/server/services/access/users';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { getIntakeSettings, updateIntakeSettings } from '../../src/lib/server/services/intake/intake-settings';
import { receiveAlerts } from '../../src/lib/server/services/intake/receive-alerts';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { updateIntakeSettingsForm } from '../../src/forms/intake';
import { alertmanagerPayload, type AlertSpec } from '../support/alert-payloads';
import { auditRowsFor, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { startMailWorkers, waitForNotificationSettled, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
let sink: SmtpSink;
let workers: MailWorkers;
let principal: ApiPrincipal;
/** An admin posting the settings form. */
let admin: StaffActor;

/** What an alert carries that is for staff only: none of it may reach the public. */
const internal = ['PayoutsQueueStuck', 'payments-core', 'payout-worker-3', 'payouts-eu', 'runbooks.internal', 'Queue depth', 'prometheus'];

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
  expectOk(await createComponent(context, testActor, { name: 'Payouts' }));
  expectOk(await createComponent(context, testActor, { name: 'API' }));
  expectOk(await addSubscriberByAdmin(context, testActor, { email: 'reader@example.com', componentIds: [] }));
  const created = expectOk(await createApiKey(context, testActor, { name: 'alertmanager', role: 'responder' }));
  const authenticated = await authenticateApiKey(context, created.token);
  if (!authenticated.ok) throw new Error(authenticated.reason);
  principal = authenticated.principal;
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

afterAll(async () => {
  await (workers as MailWorkers | undefined)?.stop();
  await (sink as SmtpSink | undefined)?.close();
});

beforeEach(async () => {
  expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident', autoResolve: false, rules: [] }));
});

function stuck(overrides: Partial<AlertSpec> = {}): AlertSpec {
  return {
    ...overrides,
    labels: {
      alertname: 'PayoutsQueueStuck',
      component: 'Payouts',
      severity: 'warning',
      team: 'payments-core',
      instance: 'payout-worker-3:9100',
      ...overrides.labels,
    },
    annotations: {
      summary: 'Queue depth of payouts-eu above 10k',
      description: 'payouts-eu is not draining, see https://runbooks.internal.example/payouts',
      ...overrides.annotations,
    },
  };
}

async function send(groupKey: string, alerts: AlertSpec[]): Promise<IntakeResult> {
  clock.advance(MINUTE);
  return expectOk(await receiveAlerts(context, principal, 'alertmanager', alertmanagerPayload({ groupKey, alerts })));
}

async function titleOf(id: string) {
  const [row] = await handle.db.select({ title: incident.title }).from(incident).where(eq(incident.id, id));
  return row?.title;
}

async function bodiesOf(id: string) {
  const rows = await handle.db
    .select()
    .from(incidentUpdate)
    .where(eq(incidentUpdate.incidentId, id))
    .orderBy(asc(incidentUpdate.createdAt));
  return rows.map((row) => row.body);
}

/** The text and HTML of every email about the incident, once its notifications are sent. */
async function mailsAbout(id: string): Promise<string[]> {
  const notifications = await handle.db.select().from(notification).where(eq(notification.incidentId, id));
  for (const item of notifications) await waitForNotificationSettled(handle.db, item.incidentUpdateId!);
  return sink.received
    .filter((mail) => mail.parsed.text?.includes(`/incidents/${id}`))
    .flatMap((mail) => [mail.parsed.subject ?? '', mail.parsed.text ?? '', typeof mail.parsed.html === 'string' ? mail.parsed.html : '']);
}

const resolveByStaff = async (id: string) => {
  clock.advance(MINUTE);
  expectOk(await postIncidentUpdate(context, testActor, id, { status: 'resolved', message: 'Fixed.' }));
};

describe('the default wording', () => {
  it('titles and words the incident in plain language, and no alert detail reaches the incident or the email', async () => {
    const groupKey = '{}:{alertname="PayoutsQueueStuck"}';
    const declared = await send(groupKey, [stuck()]);
    expect(declared.outcome).toBe('declared');
    const id = declared.incidentId!;
    expect(await titleOf(id)).toBe('Degraded performance of Payouts');
    expect(await bodiesOf(id)).toEqual([
      'We are investigating degraded performance of Payouts. We will post an update as soon as we know more.',
    ]);

    expect((await send(groupKey, [stuck({ status: 'resolved' })])).outcome).toBe('monitoring');
    expect((await send(groupKey, [stuck()])).outcome).toBe('updated');
    expect((await bodiesOf(id)).slice(1)).toEqual([
      'A fix is in place for Payouts and we are watching to make sure it holds.',
      'The issue affecting Payouts has come back. We are investigating.',
    ]);

    const mails = await mailsAbout(id);
    expect(mails.some((text) => text.includes('Degraded performance of Payouts'))).toBe(true);
    for (const text of [(await titleOf(id)) ?? '', ...(await bodiesOf(id)), ...mails]) {
      for (const leak of internal) expect(text).not.toContain(leak);
    }
    await resolveByStaff(id);
  });
});

describe('custom wording', () => {
  const custom: WordingTemplates = {
    title: '{components}: {status}',
    firing: 'Since {started}, {components} has {status}.',
    cleared: 'Fixed for {components}; watching.',
    resolved: 'All clear for {components}.',
    reopened: '{components} is back to {status}.',
  };

  it('applies the templates when alerts fire, join, clear, fire again and resolve', async () => {
    expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident', wording: custom }));
    const groupKey = '{}:{alertname="PayoutsQueueStuck",custom="1"}';
    const declared = await send(groupKey, [stuck({ startsAt: '2026-03-01T12:03:00Z' })]);
    const id = declared.incidentId!;
    expect(await titleOf(id)).toBe('Payouts: degraded performance');

    const apiDown = stuck({ labels: { component: 'API', severity: 'critical', instance: 'api-1' } });
    expect((await send(groupKey, [stuck(), apiDown])).outcome).toBe('updated');
    expect((await send(groupKey, [stuck({ status: 'resolved' }), { ...apiDown, status: 'resolved' }])).outcome).toBe('monitoring');
    expect((await send(groupKey, [stuck()])).outcome).toBe('updated');
    expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident', autoResolve: 'on', wording: custom }));
    expect((await send(groupKey, [stuck({ status: 'resolved' })])).outcome).toBe('resolved');

    expect(await bodiesOf(id)).toEqual([
      'Since 12:03 UTC, Payouts has degraded performance.',
      'Since 11:58 UTC, API has a major outage.',
      'Fixed for Payouts and API; watching.',
      'Payouts and API is back to a major outage.',
      'All clear for Payouts and API.',
    ]);
  });

  it('still lets herald_title and herald_message win', async () => {
    expectOk(await updateIntakeSettings(context, testActor, { mode: 'incident', wording: custom }));
    const declared = await send('{}:{alertname="PayoutsQueueStuck",own="1"}', [
      stuck({ annotations: { herald_title: 'Slow payouts', herald_message: 'Payouts arrive late today.' } }),
    ]);
    expect(await titleOf(declared.incidentId!)).toBe('Slow payouts');
    expect(await bodiesOf(declared.incidentId!)).toEqual(['Payouts arrive late today.']);
    await resolveByStaff(declared.incidentId!);
  });
});

describe('a bad template', () => {
  it('is refused with a message naming the problem, and changes nothing', async () => {
    expectOk(
      await updateIntakeSettings(context, testActor, { mode: 'incident', wording: { ...defaultWording, cleared: 'Fixed {components}.' } }),
    );
    const before = await getIntakeSettings(context);
    const audits = (await auditRowsFor(handle.db, 'intake')).length;

    expect(
      expectInvalid(
        await updateIntakeSettings(context, testActor, {
          mode: 'draft',
          wording: { ...defaultWording, title: '{alertname} on {components}', firing: 'Looking at {components' },
        }),
      ),
    ).toEqual({
      'wording.title': 'Unknown placeholder {alertname}: use {components}, {status}, {started}.',
      'wording.firing': 'A “{” is not closed: placeholders are written like {components}.',
    });
    // Through the settings form, as an admin posts it: the same message, next to its field.
    expect(
      expectInvalid(
        await updateIntakeSettingsForm.run({
          values: { mode: 'incident', wording: { ...defaultWording, resolved: 'Resolved} {components}' } },
          actor: admin,
          context,
        }),
      ),
    ).toEqual({ 'wording.resolved': 'A “}” has no “{” before it: placeholders are written like {components}.' });

    expect(await getIntakeSettings(context)).toEqual(before);
    expect(await auditRowsFor(handle.db, 'intake')).toHaveLength(audits);
  });

  it('left blank goes back to the default', async () => {
    const saved = expectOk(
      await updateIntakeSettingsForm.run({
        values: { mode: 'incident', wording: { ...defaultWording, firing: '  ' } },
        actor: admin,
        context,
      }),
    );
    expect(saved).toMatchObject({ location: '/admin/settings/intake' });
    expect((await getIntakeSettings(context)).wording).toEqual(defaultWording);
  });
});
