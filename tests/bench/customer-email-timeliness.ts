/**
 * Customer email timeliness, on real time: a real Herald process (its in-process job worker, the
 * embedded database) with the customer-email delay set to 10 s, and a local SMTP sink. Twenty
 * High incidents are declared through the admin form a second apart; for each, the bench
 * measures how late after its due moment (start + 10 s) the first customer email reaches the
 * sink, and prints the median and the worst against the 2 s target.
 *
 *   npx tsx tests/bench/customer-email-timeliness.ts        (INCIDENTS=20 DELAY_SECONDS=10 by default)
 *
 * Run by hand, not in CI; about a minute once Herald is built (`npm start` builds it first when
 * the sources are newer than the build; HERALD_ROOT=/some/dir runs an existing build there).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import { openPglite } from '../../src/lib/server/db/client';
import { incident } from '../../src/lib/server/db/schema';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { defaultCommunicationPolicy } from '../../src/lib/domain/communication-policy';
import { updateCommunicationPolicy } from '../../src/lib/server/services/plan/policy';
import { addSubscriberByAdmin } from '../../src/lib/server/services/subscribers/subscribers';
import { benchActor, createOwnerSession, prepareDatabase, unwrap } from './support/bench-database';
import { startHerald } from './support/herald-server';
import { median } from './support/report';
import { startSmtpCounter } from './support/smtp-counter';
import { atTeardown, runBenchmark } from './support/teardown';

const INCIDENTS = Number(process.env.INCIDENTS ?? 20);
const DELAY_SECONDS = Number(process.env.DELAY_SECONDS ?? 10);
const SPACING_MS = 1_000;
const TARGET_MS = 2_000;

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The incident a message is about, from its Message-ID or In-Reply-To (the thread's root). */
function incidentOfMessage(raw: Buffer): string | undefined {
  const head = raw
    .toString('utf8')
    .split(/\r?\n\r?\n/, 1)[0]!
    .replace(/\r?\n(?=[ \t])/g, ' ');
  return /^Message-ID:\s*<incident\.([^@>]+)@/im.exec(head)?.[1] ?? /^In-Reply-To:\s*<incident\.([^@>]+)@/im.exec(head)?.[1];
}

await runBenchmark(async () => {
  // 1. The database: an owner with a session, one component, one confirmed subscriber, the delay.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-timeliness-'));
  atTeardown('the data directory', () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const { apiId, token } = await prepareDatabase({ dataDir }, async (context, handle) => {
    const api = unwrap(await createComponent(context, benchActor, { name: 'API' }));
    unwrap(await addSubscriberByAdmin(context, benchActor, { email: 'reader@bench.test', componentIds: [] }));
    unwrap(
      await updateCommunicationPolicy(context, benchActor, {
        customerEmailDelaySeconds: DELAY_SECONDS,
        outageSeverities: ['critical', 'high'],
        updateCadence: defaultCommunicationPolicy.updateCadence,
        postmortemSeverities: ['critical', 'high'],
        postmortemWindowHours: 24,
        postmortemReminderHours: 4,
      }),
    );
    return { apiId: api.id, token: await createOwnerSession(context, handle) };
  });

  // 2. A local SMTP sink noting when the first message about each incident arrives.
  const firstArrival = new Map<string, number>();
  const sink = await startSmtpCounter({
    onMessage(raw, arrivedAt) {
      const incidentId = incidentOfMessage(raw);
      if (incidentId && !firstArrival.has(incidentId)) firstArrival.set(incidentId, arrivedAt);
    },
  });

  // 3. Herald itself, with its in-process worker.
  const herald = await startHerald({ dataDir }, { env: { SMTP_URL: sink.url, MAIL_FROM: 'status@bench.test' } });
  const base = herald.url;
  const cookie = `herald_session=${token}`;
  const declared: { id: string; postedAt: number }[] = [];
  await fetch(`${base}/admin/incidents/new`, { headers: { cookie } }).then((answer) => answer.arrayBuffer()); // warm-up

  // 4. Declare the incidents through the admin form, as staff would, a second apart.
  const firstAt = Date.now();
  for (let index = 0; index < INCIDENTS; index += 1) {
    await sleep(Math.max(0, firstAt + index * SPACING_MS - Date.now()));
    const form = new URLSearchParams({
      intent: 'declare',
      title: `Checkout errors ${index + 1}`,
      severity: 'high',
      signals: 'partial_error_rate_above_5',
      status: 'investigating',
      message: 'Payments fail for some customers; we are investigating.',
      'components.0.componentId': apiId,
      'components.0.status': 'partial_outage',
      notifySubscribers: 'on',
    });
    const postedAt = Date.now();
    const response = await fetch(`${base}/admin/incidents/new`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
      headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const location = response.headers.get('location') ?? '';
    const id = /\/admin\/incidents\/([^/?#]+)$/.exec(location)?.[1];
    if (response.status !== 303 || !id)
      throw new Error(`declaring incident ${index + 1} answered ${response.status} ${location}: ${(await response.text()).slice(0, 300)}`);
    declared.push({ id, postedAt });
  }

  // 5. Wait for every customer email (or give up well after the last one was due).
  const lastDue = declared.at(-1)!.postedAt + DELAY_SECONDS * 1000;
  while (declared.some((item) => !firstArrival.has(item.id)) && Date.now() < lastDue + 30_000) await sleep(100);
  await herald.stop();
  await sink.close();

  // 6. The due moments and send times as Herald recorded them, once it has stopped.
  const check = openPglite(dataDir);
  const rows = await check.db
    .select()
    .from(incident)
    .where(
      inArray(
        incident.id,
        declared.map((item) => item.id),
      ),
    );
  await check.close();

  const measured = rows.map((row) => {
    const dueAt = row.customerEmailDueAt?.getTime() ?? row.startedAt.getTime() + DELAY_SECONDS * 1000;
    const arrivedAt = firstArrival.get(row.id);
    return {
      id: row.id,
      state: row.customerEmailState,
      /** From the due moment to the handler deciding to send (worker pick-up). */
      handlerMs: row.customerEmailSentAt ? row.customerEmailSentAt.getTime() - dueAt : null,
      /** From the due moment to the message accepted by the SMTP sink. */
      latenessMs: arrivedAt === undefined ? null : arrivedAt - dueAt,
    };
  });
  const arrived = measured
    .filter((item) => item.latenessMs !== null)
    .map((item) => item.latenessMs!)
    .sort((a, b) => a - b);
  const handler = measured
    .filter((item) => item.handlerMs !== null)
    .map((item) => item.handlerMs!)
    .sort((a, b) => a - b);
  const missing = measured.filter((item) => item.latenessMs === null);

  console.log(
    `\nCustomer email timeliness: ${INCIDENTS} High incidents ${SPACING_MS / 1000} s apart, delay ${DELAY_SECONDS} s, ${os.cpus().length} cores, embedded database (PGlite)`,
  );
  console.log(`customer emails received:              ${arrived.length} of ${INCIDENTS} (${sink.accepted} messages in all)`);
  console.log(
    `due → handler sent (worker pick-up):   median ${median(handler).toFixed(0)} ms, worst ${handler.at(-1)?.toFixed(0) ?? '–'} ms`,
  );
  console.log(
    `due → first email at the SMTP sink:    median ${median(arrived).toFixed(0)} ms, worst ${arrived.at(-1)?.toFixed(0) ?? '–'} ms, best ${arrived[0]?.toFixed(0) ?? '–'} ms`,
  );
  const met = missing.length === 0 && arrived.length === INCIDENTS && arrived.at(-1)! <= TARGET_MS;
  console.log(`target (every email within ${TARGET_MS / 1000} s of its due moment): ${met ? 'met' : 'NOT met'}`);
  if (missing.length > 0) console.log(`no customer email for: ${missing.map((item) => `${item.id} (${item.state})`).join(', ')}`);
  return met;
});
