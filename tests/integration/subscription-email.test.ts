/**
 * What a subscriber receives, end to end: the services queue jobs, the real job workers send
 * through a real SMTP server (the sink), and the tests read the parsed messages.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notification, subscriber, type ComponentRow, type IncidentRow } from '../../src/lib/server/db/schema';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import {
  addSubscriberByAdmin,
  confirmSubscription,
  getSubscription,
  requestSubscription,
  unsubscribe,
} from '../../src/lib/server/services/subscribers/subscribers';
import { expectOk, testActor } from '../support/factories';
import { incidentHelpers } from '../support/incident-helpers';
import {
  addressesIn,
  deliveriesOf,
  rawHeader,
  startMailWorkers,
  waitForNotificationSettled,
  type MailWorkers,
} from '../support/mail-workers';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';
import { waitUntil } from '../support/wait';

const PAGE = 'Acme Cloud';
/** A signed link: the subscriber id, any bound numbers, and the HMAC. */
const TOKEN = '[a-z2-7]{16}(?:\\.\\d+)*\\.[A-Za-z0-9_-]{43}';
const confirmLink = new RegExp(`http://status\\.test/subscribe/confirm/(${TOKEN})`);
const manageLink = new RegExp(`http://status\\.test/subscription/(${TOKEN})`);

const { clock, handle, context } = useTestContext({ start: new Date() });
let sink: SmtpSink;
let workers: MailWorkers;
let api: ComponentRow;
let dashboard: ComponentRow;

beforeAll(async () => {
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
  expectOk(await updatePageSettings(context, testActor, { name: PAGE, description: '', timeZone: 'UTC' }));
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  dashboard = expectOk(await createComponent(context, testActor, { name: 'Dashboard' }));
});

afterAll(async () => {
  await (workers as MailWorkers | undefined)?.stop();
  await (sink as SmtpSink | undefined)?.close();
});

const helpers = incidentHelpers({ clock, context });
const { tick } = helpers;

function mailsTo(address: string): ReceivedMail[] {
  return sink.received.filter((mail) => mail.to === address);
}

/** Waits for the `count`-th message to `address` and returns it. */
async function nthMailTo(address: string, count: number): Promise<ReceivedMail> {
  return waitUntil(`message ${count} to ${address}`, () => mailsTo(address)[count - 1], {
    describe: () => mailsTo(address).map((mail) => mail.parsed.subject),
  });
}

function linkIn(mail: ReceivedMail, pattern: RegExp): string {
  const match = pattern.exec(mail.parsed.text ?? '');
  if (!match) throw new Error(`no link matching ${pattern} in:\n${mail.parsed.text}`);
  return match[1]!;
}

async function subscribe(email: string, componentIds: string[] = [], clientAddress = '198.51.100.7') {
  tick();
  return expectOk(await requestSubscription(context, { email, componentIds }, clientAddress));
}

async function addConfirmed(email: string, componentIds: string[] = []) {
  tick();
  return expectOk(await addSubscriberByAdmin(context, testActor, { email, componentIds }));
}

function declare(
  title: string,
  components: { componentId: string; status: 'degraded_performance' | 'partial_outage' | 'major_outage' }[],
  notify = true,
): Promise<IncidentRow> {
  return helpers.declare({
    title,
    severity: 'medium',
    status: 'investigating',
    message: `We are looking into ${title}.`,
    components,
    notifySubscribers: notify,
  });
}

async function post(
  incidentId: string,
  message: string,
  options: { status?: 'identified' | 'monitoring' | 'resolved'; notify?: boolean } = {},
) {
  tick();
  return expectOk(
    await postIncidentUpdate(context, testActor, incidentId, {
      status: options.status ?? 'identified',
      message,
      notifySubscribers: options.notify ?? true,
    }),
  );
}

/** The first update of an incident (its notification is the only one so far). */
async function firstUpdateIdOf(incidentId: string): Promise<string> {
  const [row] = await handle.db.select().from(notification).where(eq(notification.incidentId, incidentId));
  return row!.incidentUpdateId!;
}

async function subscriberRow(email: string) {
  const [row] = await handle.db.select().from(subscriber).where(eq(subscriber.email, email));
  return row;
}

const ALICE = 'alice@example.com';
let incidentOne: IncidentRow;
let firstIncidentMail: ReceivedMail;

describe('subscribing by email', () => {
  it('answers a request with a confirmation email holding a confirm link', async () => {
    expect(await subscribe('Alice@Example.com')).toEqual({ kind: 'check_inbox' });
    const mail = await nthMailTo(ALICE, 1);
    expect(mail.parsed.subject).toBe(`[${PAGE}] Confirm your subscription`);
    expect(addressesIn(mail.parsed.from)).toEqual(['updates@status.test']);
    expect(addressesIn(mail.parsed.to)).toEqual([ALICE]);
    const token = linkIn(mail, confirmLink);
    expect(mail.parsed.html).toContain(`http://status.test/subscribe/confirm/${token}`);
    expect((await subscriberRow(ALICE))?.state).toBe('pending');
  });

  it('gives the same answer to a second request for a pending address, with a fresh link, and confirms with it', async () => {
    expect(await subscribe('alice@example.com', [], '198.51.100.8')).toEqual({ kind: 'check_inbox' });
    const mail = await nthMailTo(ALICE, 2);
    expect(mail.parsed.subject).toBe(`[${PAGE}] Confirm your subscription`);
    const token = linkIn(mail, confirmLink);
    expect(token).not.toBe(linkIn(mailsTo(ALICE)[0]!, confirmLink));

    tick();
    const confirmed = await confirmSubscription(context, token);
    expect(confirmed.ok).toBe(true);
    expect((await subscriberRow(ALICE))?.state).toBe('confirmed');
    expect(await confirmSubscription(context, token)).toEqual({ ok: false, reason: 'used' });
    if (confirmed.ok) expect((await getSubscription(context, confirmed.manageToken))?.email).toBe(ALICE);
  });

  it('gives the same answer for a confirmed address, whose email holds a manage link and no confirm link', async () => {
    expect(await subscribe(ALICE, [], '198.51.100.9')).toEqual({ kind: 'check_inbox' });
    const mail = await nthMailTo(ALICE, 3);
    expect(mail.parsed.subject).toBe(`[${PAGE}] Your subscription`);
    expect(mail.parsed.text).toContain('already subscribed');
    expect(mail.parsed.text).not.toMatch(confirmLink);
    expect(mail.parsed.html).not.toContain('/subscribe/confirm/');
    const manageToken = linkIn(mail, manageLink);
    expect((await getSubscription(context, manageToken))?.email).toBe(ALICE);
    expect((await subscriberRow(ALICE))?.state).toBe('confirmed');
  });
});

describe('incident email', () => {
  it('sends a declared incident to a confirmed subscriber, with links, unsubscribe headers, HTML and text', async () => {
    incidentOne = await declare('Database latency', [{ componentId: api.id, status: 'degraded_performance' }]);
    await waitForNotificationSettled(handle.db, await firstUpdateIdOf(incidentOne.id));
    const mail = await nthMailTo(ALICE, 4);
    firstIncidentMail = mail;

    expect(mail.parsed.subject).toBe(`[${PAGE}] Database latency: Investigating`);
    expect(addressesIn(mail.parsed.from)).toEqual(['updates@status.test']);
    expect(addressesIn(mail.parsed.to)).toEqual([ALICE]);
    expect(mail.parsed.html).toEqual(expect.any(String));
    expect(mail.parsed.text).toEqual(expect.any(String));
    const incidentUrl = `http://status.test/incidents/${incidentOne.id}`;
    expect(mail.parsed.text).toContain(incidentUrl);
    expect(mail.parsed.html).toContain(`href="${incidentUrl}"`);
    expect(mail.parsed.text).toContain(`We are looking into Database latency.`);

    const manageToken = linkIn(mail, manageLink);
    expect(mail.parsed.html).toContain(`http://status.test/subscription/${manageToken}`);
    expect((await getSubscription(context, manageToken))?.email).toBe(ALICE);

    const listUnsubscribe = rawHeader(mail, 'List-Unsubscribe');
    expect(listUnsubscribe).toMatch(new RegExp(`^<http://status\\.test/unsubscribe/${TOKEN}>$`));
    expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.parsed.messageId).toBe(`<incident.${incidentOne.id}@status.test>`);
    expect(mail.parsed.inReplyTo).toBeUndefined();
  });

  it('threads a later update under the first email', async () => {
    const update = await post(incidentOne.id, 'A fix has been deployed; we are watching the latency.', { status: 'monitoring' });
    await waitForNotificationSettled(handle.db, update.id);
    const mail = await nthMailTo(ALICE, 5);
    expect(mail.parsed.subject).toBe(`[${PAGE}] Database latency: Monitoring`);
    expect(mail.parsed.messageId).not.toBe(firstIncidentMail.parsed.messageId);
    expect(mail.parsed.inReplyTo).toBe(firstIncidentMail.parsed.messageId);
    const references = mail.parsed.references;
    expect(Array.isArray(references) ? references : [references]).toEqual([firstIncidentMail.parsed.messageId]);
  });

  it('escapes the update text in the HTML part and keeps it intact in the text part', async () => {
    const body = `Caused by a "bad" deploy & a 'hotfix' <script>alert(1)</script>`;
    const update = await post(incidentOne.id, body, { status: 'monitoring' });
    await waitForNotificationSettled(handle.db, update.id);
    const mail = await nthMailTo(ALICE, 6);
    expect(mail.parsed.text).toContain(body);
    expect(mail.parsed.html).not.toContain('<script>');
    expect(mail.parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.parsed.html).toContain('Caused by a &quot;bad&quot; deploy &amp; a &#39;hotfix&#39;');
  });
});

describe('who gets incident email', () => {
  it('sends to subscribers of an affected component and to those who chose none, not to others', async () => {
    const apiOnly = 'bob@example.com';
    const everything = 'carol@example.com';
    await addConfirmed(apiOnly, [api.id]);
    await addConfirmed(everything);

    const onDashboard = await declare('Dashboard errors', [{ componentId: dashboard.id, status: 'partial_outage' }]);
    const dashboardRun = await waitForNotificationSettled(handle.db, await firstUpdateIdOf(onDashboard.id));
    expect(dashboardRun.deliveries.map((row) => row.email)).toEqual([ALICE, everything]);
    expect(mailsTo(everything).map((mail) => mail.parsed.subject)).toEqual([`[${PAGE}] Dashboard errors: Investigating`]);
    expect(mailsTo(apiOnly)).toEqual([]);

    const onApi = await declare('API timeouts', [{ componentId: api.id, status: 'major_outage' }]);
    const apiRun = await waitForNotificationSettled(handle.db, await firstUpdateIdOf(onApi.id));
    expect(apiRun.deliveries.map((row) => row.email)).toEqual([ALICE, apiOnly, everything]);
    expect(mailsTo(apiOnly).map((mail) => mail.parsed.subject)).toEqual([`[${PAGE}] API timeouts: Investigating`]);
    expect(mailsTo(everything).map((mail) => mail.parsed.subject)).toEqual([
      `[${PAGE}] Dashboard errors: Investigating`,
      `[${PAGE}] API timeouts: Investigating`,
    ]);
  });

  it('sends nothing more after a one-click unsubscribe with the List-Unsubscribe link', async () => {
    const leaving = 'dave@example.com';
    await addConfirmed(leaving);
    const first = await post(incidentOne.id, 'Still monitoring the database.', { status: 'monitoring' });
    await waitForNotificationSettled(handle.db, first.id);
    const [mail] = mailsTo(leaving);
    expect(mail?.parsed.subject).toBe(`[${PAGE}] Database latency: Monitoring`);
    const token = /\/unsubscribe\/([^>]+)>$/.exec(rawHeader(mail!, 'List-Unsubscribe') ?? '')![1]!;

    tick();
    expect(await unsubscribe(context, token, 'unsubscribe')).toBe(true);
    expect(await subscriberRow(leaving)).toBeUndefined();
    expect(await unsubscribe(context, token, 'unsubscribe')).toBe(false);

    const next = await post(incidentOne.id, 'The database is healthy again.', { status: 'resolved' });
    const run = await waitForNotificationSettled(handle.db, next.id);
    expect(run.deliveries.map((row) => row.email)).not.toContain(leaving);
    expect(run.deliveries.length).toBeGreaterThan(0);
    expect(run.deliveries.every((row) => row.state === 'sent')).toBe(true);
    expect(mailsTo(leaving)).toHaveLength(1);
  });

  it('never sends incident email to a pending subscriber', async () => {
    const pending = 'erin@example.com';
    await subscribe(pending, [], '198.51.100.20');
    const confirmation = await nthMailTo(pending, 1);
    expect(confirmation.parsed.subject).toBe(`[${PAGE}] Confirm your subscription`);

    const incidentTwo = await declare('Login failures', [{ componentId: api.id, status: 'major_outage' }]);
    const run = await waitForNotificationSettled(handle.db, await firstUpdateIdOf(incidentTwo.id));
    expect(run.deliveries.map((row) => row.email)).toContain(ALICE);
    expect(run.deliveries.map((row) => row.email)).not.toContain(pending);
    expect(mailsTo(pending)).toEqual([confirmation]);
  });

  it('sends nothing for an update posted without notifying subscribers', async () => {
    const before = sink.received.length;
    const quiet = await post(incidentOne.id, 'A quiet note nobody is emailed about.', { notify: false });
    const [queued] = await handle.db.select().from(notification).where(eq(notification.incidentUpdateId, quiet.id));
    expect(queued).toBeUndefined();

    // A later update that does notify: once it is out, the quiet one cannot still be on its way.
    const loud = await post(incidentOne.id, 'A loud note everyone is emailed about.');
    const run = await waitForNotificationSettled(handle.db, loud.id);
    expect(run.deliveries.length).toBeGreaterThan(0);
    const since = sink.received.slice(before);
    expect(since.length).toBe(run.deliveries.length);
    expect(since.every((mail) => mail.parsed.text?.includes('A loud note everyone is emailed about.'))).toBe(true);
    expect(sink.received.some((mail) => mail.parsed.text?.includes('A quiet note'))).toBe(false);
  });

  it('records one sent delivery per recipient for every notification so far', async () => {
    const notifications = await handle.db.select().from(notification);
    for (const row of notifications) {
      const rows = await deliveriesOf(handle.db, row.id);
      expect(rows.every((item) => item.state === 'sent')).toBe(true);
      expect(new Set(rows.map((item) => item.email)).size).toBe(rows.length);
    }
  });
});
