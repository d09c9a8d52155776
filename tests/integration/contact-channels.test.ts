/**
 * Contact channels end to end: staff add, remove, re-enable and test a contact's Slack, Teams,
 * Discord, Google Chat and PagerDuty channels, and team alerts reach them through the guarded
 * client, against the local vendor receiver (tests/support/chat-receiver.ts), which checks each
 * body against the vendor's published shape and answers as the vendor does.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactChannelKind } from '../../src/lib/domain/chat/channel-kinds';
import type { Severity } from '../../src/lib/domain/statuses';
import { contactChannel, incident, type ContactRow, type IncidentRow } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { sendTeamAlert, teamAlertsOf, type TeamAlertKind } from '../../src/lib/server/jobs/handlers/team-alert';
import { createMailer, type Mailer } from '../../src/lib/server/mail/transport';
import {
  addContactChannel,
  enableContactChannel,
  listContactChannels,
  removeContactChannel,
  sendContactChannelTest,
} from '../../src/lib/server/services/plan/contact-channels';
import { createContact } from '../../src/lib/server/services/plan/contacts';
import { setAllowPrivateWebhookTargets, updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { startChatReceiver, type ChatReceiver } from '../support/chat-receiver';
import { auditRowsFor, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import { TEST_MAIL_FROM, TEST_PUBLIC_URL } from '../support/mail-workers';
import { queuedJobs } from '../support/queued-jobs';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const test = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const { clock, handle, context } = test;
const { declare, post, newComponent } = incidentHelpers(test);
let receiver: ChatReceiver;
let sink: SmtpSink;
let mailer: Mailer;

const contactFor = (name: string, severities: Severity[]) =>
  createContact(context, testActor, { name, role: 'On call', email: `${name.toLowerCase()}@example.com`, severities }).then(expectOk);

/**
 * A channel pointing at the receiver. Its URLs carry the receiver's port, which the URL rules
 * (rightly) refuse, so the row is written directly; adding through the service is tested below.
 */
async function channelTo(owner: ContactRow, kind: ContactChannelKind) {
  const target = kind === 'pagerduty' ? receiver.routingKey() : receiver.url(kind);
  const [row] = await handle.db
    .insert(contactChannel)
    .values({ id: newId(), contactId: owner.id, kind, target, label: `#${kind}`, createdAt: clock.now(), updatedAt: clock.now() })
    .returning();
  return row!;
}

const alert = (row: IncidentRow, kind: TeamAlertKind, occasion = kind as string) =>
  sendTeamAlert(context, mailer, {
    incidentId: row.id,
    kind,
    occasion,
    publicUrl: TEST_PUBLIC_URL,
    http: receiver.http,
    pagerDutyUrl: receiver.url('pagerduty'),
  });

const bodiesTo = (platform: ContactChannelKind) => receiver.received(platform).map((message) => message.body as Record<string, unknown>);
const channelRow = async (id: string) => (await handle.db.select().from(contactChannel).where(eq(contactChannel.id, id)))[0]!;

beforeAll(async () => {
  receiver = await startChatReceiver();
  sink = await startSmtpSink();
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: TEST_MAIL_FROM, dkim: undefined, dataDir: '/nonexistent' });
  expectOk(await updatePageSettings(context, testActor, { name: 'Acme Cloud', description: '', timeZone: 'UTC' }));
  // The receiver is on loopback: only with private targets allowed can the guarded client reach it.
  expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
});

afterAll(async () => {
  (mailer as Mailer | undefined)?.close();
  await (receiver as ChatReceiver | undefined)?.close();
  await (sink as SmtpSink | undefined)?.close();
});

describe('contact channels', () => {
  it('are added, removed and re-enabled with an audit trail, and a bad target is refused with a reason', async () => {
    const owner = await contactFor('Ada', ['low']);
    const slackUrl = 'https://hooks.slack.com/services/T0AAAA1/B0BBBB1/abcdefghijklmnopqrstuvwx';
    const added = expectOk(await addContactChannel(context, testActor, owner.id, { kind: 'slack', target: slackUrl, label: '#incidents' }));
    expect(added).toMatchObject({ kind: 'slack', target: slackUrl, label: '#incidents', disabledAt: null });
    const [created] = await auditRowsFor(handle.db, added.id);
    expect(created).toMatchObject({ action: 'contact_channel.create' });
    expect(JSON.stringify(created)).not.toContain('abcdefghijklmnopqrstuvwx');

    const refused: [ContactChannelKind, string, RegExp][] = [
      ['slack', 'https://hooks.example.com/services/T0AAAA1/B0BBBB1/abcdef', /not a Slack webhook URL/],
      ['slack', 'http://hooks.slack.com/services/T0AAAA1/B0BBBB1/abcdef', /https/],
      ['discord', 'https://127.0.0.1/api/webhooks/1234567890123456789/token', /Discord/],
      ['pagerduty', 'not-a-key', /32 letters and digits/],
    ];
    for (const [kind, target, message] of refused) {
      const errors = expectInvalid(await addContactChannel(context, testActor, owner.id, { kind, target, label: '' }));
      expect(errors.target).toMatch(message);
    }
    expect(
      expectInvalid(await addContactChannel(context, testActor, owner.id, { kind: 'fax' as 'slack', target: slackUrl })).kind,
    ).toBeTruthy();
    expect((await listContactChannels(context, owner.id)).map((item) => item.id)).toEqual([added.id]);

    await handle.db
      .update(contactChannel)
      .set({ disabledAt: clock.now(), disabledReason: 'Too many failures.', consecutiveFailures: 5 })
      .where(eq(contactChannel.id, added.id));
    const enabled = expectOk(await enableContactChannel(context, testActor, added.id));
    expect(enabled).toMatchObject({ disabledAt: null, disabledReason: null, consecutiveFailures: 0 });

    expectOk(await removeContactChannel(context, testActor, added.id));
    expect(await listContactChannels(context, owner.id)).toEqual([]);
    expect((await auditRowsFor(handle.db, added.id)).map((row) => row.action).sort()).toEqual([
      'contact_channel.create',
      'contact_channel.delete',
      'contact_channel.enable',
    ]);
  });

  it('carry a declaration raised to Critical to every platform, valid per its schema, and page PagerDuty: trigger, re-trigger, resolve', async () => {
    const pat = await contactFor('Pat', ['critical', 'high']);
    const channels = await Promise.all(
      (['slack', 'teams', 'discord', 'google_chat', 'pagerduty'] as const).map((kind) => channelTo(pat, kind)),
    );
    const api = await newComponent('API <@here>');
    const row = await declare({
      title: 'Checkout <!channel> is down',
      severity: 'high',
      components: [{ componentId: api.id, status: 'major_outage' }],
      notifySubscribers: false,
    });
    expect(await alert(row, 'declared')).toEqual({ sent: 6, failed: 0 });
    expect(receiver.invalid()).toEqual([]);
    for (const kind of ['slack', 'teams', 'discord', 'google_chat'] as const) {
      const body = JSON.stringify(bodiesTo(kind));
      expect(body).toContain(`/admin/incidents/${row.id}`);
      expect(body).toContain('Notify the technical team immediately.');
    }
    // The fallback text is mrkdwn: the title's mention is escaped there (the header is plain text anyway).
    expect(bodiesTo('slack')[0]!.text).toContain('&lt;!channel&gt;');
    const alerts = await teamAlertsOf(context, row.id);
    expect(alerts.map((item) => item.channel).sort()).toEqual(['email', ...channels.map((item) => `${item.kind}:${item.id}`)].sort());

    clock.advance(MINUTE);
    await handle.db.update(incident).set({ severity: 'critical' }).where(eq(incident.id, row.id));
    expect(await alert(row, 'severity_raised', 'critical@raised')).toEqual({ sent: 6, failed: 0 });
    // Reminders do not page PagerDuty.
    await alert(row, 'update_overdue', 'overdue');
    await post(row.id, { status: 'resolved', message: 'Fixed.' });
    const [resolved] = (await queuedJobs(handle, 'team-alert', row.id)).filter((job) => job.data.kind === 'resolved');
    expect(await alert(row, 'resolved', resolved!.data.occasion)).toEqual({ sent: 1, failed: 0 });

    const events = bodiesTo('pagerduty');
    expect(
      events.map((event) => [event.event_action, event.dedup_key, (event.payload as { severity?: string } | undefined)?.severity]),
    ).toEqual([
      ['trigger', `herald-${row.id}`, 'error'],
      ['trigger', `herald-${row.id}`, 'critical'],
      ['resolve', `herald-${row.id}`, undefined],
    ]);
    expect(receiver.received('slack')).toHaveLength(3);
    expect(receiver.invalid()).toEqual([]);
  });

  it('wait for a 429 until Retry-After, then send; disable a channel after 5 failures and tell its contact once', async () => {
    const rae = await contactFor('Rae', ['medium']);
    const slack = await channelTo(rae, 'slack');
    receiver.answerNext('slack', { kind: 'rate-limited', retryAfterSeconds: 30 });
    const row = await declare({ severity: 'medium', notifySubscribers: false });
    // As a worker would have taken it: the job the declaration queued is no longer waiting.
    await handle.db.execute(sql`delete from pgboss.job where name = 'team-alert' and data->>'incidentId' = ${row.id}`);
    const waitFrom = clock.now();
    expect(await alert(row, 'declared')).toEqual({ sent: 1, failed: 0 });
    const key = `slack:${slack.id}`;
    const waiting = (await teamAlertsOf(context, row.id)).find((item) => item.channel === key)!;
    expect(waiting).toMatchObject({ sentAt: null, error: null, retryAfter: new Date(waitFrom.getTime() + 30_000) });
    const requeued = (await queuedJobs(handle, 'team-alert', row.id)).filter(
      (job) => job.state === 'created' && job.data.kind === 'declared',
    );
    expect(requeued.map((job) => job.startAfter)).toEqual([waiting.retryAfter]);
    expect(await alert(row, 'declared')).toEqual({ sent: 0, failed: 0 });
    clock.advance(31_000);
    expect(await alert(row, 'declared')).toEqual({ sent: 1, failed: 0 });
    expect((await channelRow(slack.id)).consecutiveFailures).toBe(0);

    const fin = await contactFor('Fin', ['low']);
    const discord = await channelTo(fin, 'discord');
    receiver.answerNext('discord', ...Array.from({ length: 5 }, () => ({ kind: 'server-error' as const })));
    for (let count = 1; count <= 6; count += 1) {
      const low = await declare({ severity: 'low', title: `Low ${count}`, notifySubscribers: false });
      await alert(low, 'declared');
    }
    const disabled = await channelRow(discord.id);
    expect(disabled).toMatchObject({ consecutiveFailures: 5 });
    expect(disabled.disabledAt).not.toBeNull();
    expect(disabled.disabledReason).toMatch(/5 alerts in a row failed/);
    expect(receiver.received('discord').filter((message) => discord.target.endsWith(message.path))).toHaveLength(5);
    const notices = sink.received.filter((mail) => mail.to === 'fin@example.com' && mail.parsed.subject?.includes('was disabled'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.parsed.text).toContain(`/admin/contacts/${fin.id}`);
  });

  it('send a test message now and show what the platform answered', async () => {
    const kim = await contactFor('Kim', ['low']);
    const slack = await channelTo(kim, 'slack');
    const pager = await channelTo(kim, 'pagerduty');
    const before = receiver.received('slack').length;
    const sendTest = (id: string) =>
      sendContactChannelTest(context, { id, http: receiver.http, publicUrl: TEST_PUBLIC_URL, pagerDutyUrl: receiver.url('pagerduty') });
    expect(expectOk(await sendTest(slack.id)).description).toBe('Slack “#slack”');
    expect(JSON.stringify(receiver.received('slack')[before]!.body)).toContain('Test message');
    expect((await channelRow(slack.id)).lastSuccessAt).toEqual(clock.now());

    const events = receiver.received('pagerduty').length;
    expectOk(await sendTest(pager.id));
    expect(
      bodiesTo('pagerduty')
        .slice(events)
        .map((event) => event.event_action),
    ).toEqual(['trigger', 'resolve']);

    receiver.answerNext('slack', { kind: 'not-found' });
    const failed = await sendTest(slack.id);
    expect(failed.ok).toBe(false);
    expect(failed.ok ? '' : failed.failure.message).toMatch(/not delivered.*no_service/);
    expect((await channelRow(slack.id)).lastError).toMatch(/no_service/);
    expect(receiver.invalid()).toEqual([]);
  });
});
