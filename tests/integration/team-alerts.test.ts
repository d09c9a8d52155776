/**
 * Alerts to the team, end to end: real email through a real SMTP server (the sink) and real
 * webhook calls, through the guarded client, to a local HTTP server (private targets allowed in
 * settings, as a receiver on loopback needs, except where a test says otherwise).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Severity } from '../../src/lib/domain/statuses';
import { incident, teamAlert, user, type IncidentRow } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { sendTeamAlert, teamAlertsOf, type TeamAlertKind, type WebhookPayload } from '../../src/lib/server/jobs/handlers/team-alert';
import { createMailer, type Mailer } from '../../src/lib/server/mail/transport';
import { createContact } from '../../src/lib/server/services/plan/contacts';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { setAllowPrivateWebhookTargets, updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { guardedHttp, guardedHttpClient, type OutboundHttp } from '../../src/lib/server/services/webhooks/outbound-http';
import { expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { TEST_MAIL_FROM, TEST_PUBLIC_URL } from '../support/mail-workers';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

interface HookCall {
  path: string;
  contentType: string | undefined;
  body: WebhookPayload;
}

const PAGE = 'Acme Cloud';
const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
let sink: SmtpSink;
let mailer: Mailer;
let hookServer: http.Server;
let hookUrl: string;
const hookCalls: HookCall[] = [];
/** Addresses the SMTP sink refuses (451) while they are in this set. */
const refused = new Set<string>();
/** While set, the webhook receiver takes requests and never answers them. */
let stalling = false;
let ownerId: string;

beforeAll(async () => {
  sink = await startSmtpSink({ reject: (recipient) => refused.has(recipient) });
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: TEST_MAIL_FROM, dkim: undefined, dataDir: '/nonexistent' });
  hookServer = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hookCalls.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      if (stalling) return;
      response.statusCode = request.url === '/fail' ? 500 : 204;
      response.end(request.url === '/fail' ? 'boom' : undefined);
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;

  expectOk(await updatePageSettings(context, testActor, { name: PAGE, description: '', timeZone: 'UTC' }));
  // The receiver is on loopback: only with private targets allowed can contact webhooks reach it.
  expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
  const add = (name: string, email: string, severities: Severity[], webhookUrl: string | null = null) =>
    createContact(context, testActor, { name, role: 'On call', email, webhookUrl, severities }).then(expectOk);
  await add('Ada Commander', 'ada@example.com', ['critical', 'high'], `${hookUrl}/ok`);
  await add('Sam Support', 'sam@example.com', ['critical']);
  await add('Lou Low', 'lou@example.com', ['low']);
  await add('Mia Medium', 'mia@example.com', ['medium'], `${hookUrl}/fail`);
  await add('Fay Flaky', 'fay@example.com', ['low']);

  ownerId = newId();
  await handle.db
    .insert(user)
    .values({ id: ownerId, email: 'Olga@Example.com', name: 'Olga Owner', role: 'responder', createdAt: clock.now() });
});

afterAll(async () => {
  (mailer as Mailer | undefined)?.close();
  const server = hookServer as http.Server | undefined; // unset if beforeAll failed
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await (sink as SmtpSink | undefined)?.close();
});

let titles = 0;
async function declare(severity: Severity, title = `Incident ${++titles}`): Promise<IncidentRow> {
  clock.advance(MINUTE);
  const row = expectOk(
    await declareIncident(
      context,
      { userId: ownerId, label: 'Olga Owner <olga@example.com>' },
      { title, severity, status: 'investigating', message: 'Looking into it.', notifySubscribers: false },
    ),
  );
  // The incident's owner: the declarer, unless the service (still) leaves it unset.
  await handle.db.update(incident).set({ ownerId }).where(eq(incident.id, row.id));
  return row;
}

const alert = (row: IncidentRow, kind: TeamAlertKind, occasion: string, http: OutboundHttp = guardedHttp) =>
  sendTeamAlert(context, mailer, { incidentId: row.id, kind, occasion, publicUrl: TEST_PUBLIC_URL, http });

/** Runs `work` with private webhook targets refused, as a fresh install has them. */
async function withPrivateTargetsRefused(work: () => Promise<void>): Promise<void> {
  expectOk(await setAllowPrivateWebhookTargets(context, testActor, false));
  try {
    await work();
  } finally {
    expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
  }
}

const mailsAbout = (row: IncidentRow): ReceivedMail[] => sink.received.filter((mail) => mail.parsed.subject?.includes(row.title));
const recipientsOf = (mails: ReceivedMail[]) => mails.map((mail) => mail.to).sort();
const hooksAbout = (row: IncidentRow) => hookCalls.filter((call) => call.body.incident.id === row.id);

describe('team alerts', () => {
  it('page the contacts of a Critical incident by email and webhook, and nobody paged only for Low', async () => {
    const row = await declare('critical', 'API <down> & "out"');
    expect(await alert(row, 'declared', 'declared')).toEqual({ sent: 3, failed: 0 });

    const mails = mailsAbout(row);
    expect(recipientsOf(mails)).toEqual(['ada@example.com', 'sam@example.com']);
    const mail = mails.find((item) => item.to === 'ada@example.com')!;
    expect(mail.parsed.subject).toBe(`[${PAGE}] Critical incident declared: API <down> & "out"`);
    const adminUrl = `${TEST_PUBLIC_URL}/admin/incidents/${row.id}`;
    expect(mail.parsed.text).toContain(adminUrl);
    expect(mail.parsed.text).toContain('Severity: Critical');
    expect(mail.parsed.text).toContain('Status: Investigating');
    expect(mail.parsed.text).toContain('Started: 2026-03-01 12:01 UTC');
    expect(mail.parsed.html).toContain('API &lt;down&gt; &amp; &quot;out&quot;');
    expect(mail.parsed.html).not.toContain('<down>');
    expect(mail.parsed.html).toContain(`href="${adminUrl}"`);

    const hooks = hooksAbout(row);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toEqual({
      path: '/ok',
      contentType: 'application/json',
      body: {
        kind: 'declared',
        incident: {
          id: row.id,
          title: 'API <down> & "out"',
          severity: 'critical',
          status: 'investigating',
          startedAt: row.startedAt.toISOString(),
          adminUrl,
        },
        rollbackCriteriaMet: [],
      },
    });

    const rows = await teamAlertsOf(context, row.id);
    expect(rows.map((item) => `${item.recipientEmail}/${item.channel}`).sort()).toEqual([
      'ada@example.com/email',
      'ada@example.com/webhook',
      'sam@example.com/email',
    ]);
    expect(
      rows.every((item) => item.sentAt !== null && item.error === null && item.kind === 'declared' && item.occasion === 'declared'),
    ).toBe(true);
  });

  it('alert nobody twice for the same occasion, but again for a new one', async () => {
    const row = await declare('high');
    expect(await alert(row, 'declared', 'declared')).toEqual({ sent: 2, failed: 0 });
    expect(await alert(row, 'declared', 'declared')).toEqual({ sent: 0, failed: 0 });
    // Both at once, as two workers would: still one message each.
    const twice = await Promise.all([alert(row, 'declared', 'declared'), alert(row, 'declared', 'declared')]);
    expect(twice).toEqual([
      { sent: 0, failed: 0 },
      { sent: 0, failed: 0 },
    ]);
    expect(recipientsOf(mailsAbout(row))).toEqual(['ada@example.com']);
    expect(hooksAbout(row)).toHaveLength(1);
    expect(await teamAlertsOf(context, row.id)).toHaveLength(2);

    const raised = await declare('high');
    const [first, second] = await Promise.all([alert(raised, 'declared', 'declared'), alert(raised, 'declared', 'declared')]);
    expect(first.sent + second.sent).toBe(2);
    expect(recipientsOf(mailsAbout(raised))).toEqual(['ada@example.com']);
    expect(hooksAbout(raised)).toHaveLength(1);
  });

  it('record a webhook answering 500 as failed, and still send the email', async () => {
    const row = await declare('medium');
    expect(await alert(row, 'declared', 'declared')).toEqual({ sent: 1, failed: 1 });
    expect(recipientsOf(mailsAbout(row))).toEqual(['mia@example.com']);
    expect(hooksAbout(row).map((call) => call.path)).toEqual(['/fail']);

    const rows = await teamAlertsOf(context, row.id);
    const hook = rows.find((item) => item.channel === 'webhook')!;
    expect(hook).toMatchObject({ recipientEmail: 'mia@example.com', sentAt: null, error: 'The webhook answered HTTP 500.' });
    expect(rows.find((item) => item.channel === 'email')).toMatchObject({ error: null });
    expect(rows.find((item) => item.channel === 'email')!.sentAt).not.toBeNull();

    // A retry of the job neither resends the email nor calls the failed webhook again.
    expect(await alert(row, 'declared', 'declared')).toEqual({ sent: 0, failed: 0 });
    expect(mailsAbout(row)).toHaveLength(1);
    expect(hooksAbout(row)).toHaveLength(1);
  });

  it('include the owner for an overdue update, but not for a declaration', async () => {
    const row = await declare('critical');
    await alert(row, 'declared', 'declared');
    expect(recipientsOf(mailsAbout(row))).toEqual(['ada@example.com', 'sam@example.com']);

    const occasion = new Date(row.startedAt.getTime() + 30 * MINUTE).toISOString();
    expect(await alert(row, 'update_overdue', occasion)).toEqual({ sent: 4, failed: 0 });
    const overdue = mailsAbout(row).filter((mail) => mail.parsed.subject?.includes('Update overdue'));
    expect(recipientsOf(overdue)).toEqual(['ada@example.com', 'olga@example.com', 'sam@example.com']);
    expect(overdue[0]!.parsed.subject).toBe(`[${PAGE}] Update overdue: ${row.title} (no public update by the time it was due)`);
    expect(overdue.find((mail) => mail.to === 'olga@example.com')!.parsed.text).toContain('you own this incident');
    const hook = hooksAbout(row).at(-1)!;
    expect(hook.body.kind).toBe('update_overdue');

    const [ownerRow] = await handle.db
      .select()
      .from(teamAlert)
      .where(and(eq(teamAlert.incidentId, row.id), eq(teamAlert.recipientEmail, 'olga@example.com')));
    expect(ownerRow).toMatchObject({ kind: 'update_overdue', occasion, channel: 'email', recipientName: 'Olga Owner', error: null });

    // The next overdue update is a new occasion: everyone hears again.
    expect(await alert(row, 'update_overdue', new Date(row.startedAt.getTime() + 60 * MINUTE).toISOString())).toEqual({
      sent: 4,
      failed: 0,
    });
  });

  it('word the post-mortem alerts and send them to the owner as well', async () => {
    const row = await declare('high');
    await alert(row, 'postmortem_reminder', 'reminder');
    await alert(row, 'postmortem_overdue', 'overdue');
    const subjects = mailsAbout(row)
      .filter((mail) => mail.to === 'olga@example.com')
      .map((mail) => mail.parsed.subject);
    expect(subjects).toEqual([`[${PAGE}] Post-mortem due in 4 h: ${row.title}`, `[${PAGE}] Post-mortem overdue: ${row.title}`]);
  });

  it('throw when an email fails so the job retries, and the retry sends only what is missing', async () => {
    const row = await declare('low');
    refused.add('fay@example.com');
    await expect(alert(row, 'declared', 'declared')).rejects.toThrow(/1 team alert email/);
    expect(recipientsOf(mailsAbout(row))).toEqual(['lou@example.com']);
    const failed = (await teamAlertsOf(context, row.id)).find((item) => item.recipientEmail === 'fay@example.com')!;
    expect(failed.sentAt).toBeNull();
    expect(failed.error).toMatch(/451|Temporary failure/);

    refused.delete('fay@example.com');
    expect(await alert(row, 'declared', 'declared')).toEqual({ sent: 1, failed: 0 });
    expect(recipientsOf(mailsAbout(row))).toEqual(['fay@example.com', 'lou@example.com']);
    const retried = (await teamAlertsOf(context, row.id)).find((item) => item.recipientEmail === 'fay@example.com')!;
    expect(retried).toMatchObject({ error: null });
    expect(retried.sentAt).not.toBeNull();
  });

  it('give up on a webhook that does not answer in time', async () => {
    const row = await declare('critical');
    stalling = true;
    try {
      // The real 10 s deadline is too long for a test: a client with a short one.
      expect(await alert(row, 'declared', 'declared', guardedHttpClient({ timeoutMs: 200 }))).toEqual({ sent: 2, failed: 1 });
    } finally {
      stalling = false;
    }
    expect(hooksAbout(row)).toHaveLength(1);
    const hook = (await teamAlertsOf(context, row.id)).find((item) => item.channel === 'webhook')!;
    expect(hook).toMatchObject({ sentAt: null, error: 'No answer within 0.2 s.' });
  });

  it('refuse to save a contact webhook to a loopback address unless private targets are allowed', async () => {
    const input = {
      name: 'Lee Local',
      role: 'On call',
      email: 'lee@example.com',
      webhookUrl: `${hookUrl}/ok`,
      severities: ['low' as const],
    };
    await withPrivateTargetsRefused(async () => {
      expect(expectInvalid(await createContact(context, testActor, input))).toEqual({
        webhookUrl: 'The address 127.0.0.1, a loopback address, is not one webhooks may reach.',
      });
    });
    const saved = expectOk(await createContact(context, testActor, input));
    expect(saved.webhookUrl).toBe(`${hookUrl}/ok`);
  });

  it('refuse at send time a contact webhook to a loopback address once private targets are not allowed, and record it failed', async () => {
    // Ada's webhook was saved while private targets were allowed.
    const row = await declare('critical');
    await withPrivateTargetsRefused(async () => {
      expect(await alert(row, 'declared', 'declared')).toEqual({ sent: 2, failed: 1 });
    });
    expect(hooksAbout(row)).toEqual([]);
    expect(recipientsOf(mailsAbout(row))).toEqual(['ada@example.com', 'sam@example.com']);
    const hook = (await teamAlertsOf(context, row.id)).find((item) => item.channel === 'webhook')!;
    expect(hook).toMatchObject({
      recipientEmail: 'ada@example.com',
      sentAt: null,
      error: 'The address 127.0.0.1, a loopback address, is not one webhooks may reach.',
    });

    // With private targets allowed again, the next occasion reaches it.
    expect(await alert(row, 'update_overdue', 'after-refusal')).toEqual({ sent: 4, failed: 0 });
    expect(hooksAbout(row).map((call) => call.body.kind)).toEqual(['update_overdue']);
  });
});
