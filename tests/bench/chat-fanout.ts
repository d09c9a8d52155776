/**
 * Chat fan-out: 1,000 active chat subscribers (Slack, Teams, Discord and Google Chat in turn), one
 * incident update. Runs in process: PGlite, pg-boss and Herald's own workers, sending through the
 * guarded client to the local stand-in for the four platforms (tests/support/chat-receiver.ts),
 * which checks every body against the platform's schema. Prints the time from the update to the
 * last message received, messages per second, how many bodies failed their schema, and what
 * rendering each subscriber's body costs.
 *
 *   npx tsx tests/bench/chat-fanout.ts            (CHAT_SUBSCRIBERS=1000 by default)
 *
 * Exits 1 when not every message arrived valid within 5 minutes.
 */
import os from 'node:os';
import pino from 'pino';
import type { ChatPlatform } from '../../src/lib/domain/chat/channel-kinds';
import { renderFor } from '../../src/lib/domain/chat/render';
import { systemClock } from '../../src/lib/server/clock';
import { chatSubscriber } from '../../src/lib/server/db/schema/webhooks';
import { newId } from '../../src/lib/server/ids';
import { startWorkers } from '../../src/lib/server/jobs/worker';
import { jobNames } from '../../src/lib/server/jobs/queue';
import { createMailer } from '../../src/lib/server/mail/transport';
import { chatLinkSigner } from '../../src/lib/server/services/chat-subscribers/chat-unsubscribe-links';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { setAllowPrivateWebhookTargets } from '../../src/lib/server/services/settings/page-settings';
import { startChatReceiver, type ChatReceiverPlatform } from '../support/chat-receiver';
import { createTestDatabase } from '../support/database';
import { benchActor, unwrap } from './support/bench-database';
import { atTeardown, runBenchmark } from './support/teardown';

const SUBSCRIBERS = Number(process.env.CHAT_SUBSCRIBERS ?? 1_000);
const PUBLIC_URL = 'https://status.bench.test';
const platforms: ChatPlatform[] = ['slack', 'teams', 'discord', 'google_chat'];

await runBenchmark(async () => {
  const handle = await createTestDatabase({ retryLimit: 3, retryDelaySeconds: 1, expireInSeconds: 60 });
  atTeardown('the database', () => handle.close());
  const receiver = await startChatReceiver();
  atTeardown('the chat receiver', () => receiver.close());
  const context: ServiceContext = { db: handle.db, clock: systemClock, queue: handle.queue };
  unwrap(await setAllowPrivateWebhookTargets(context, benchActor, true));

  // 1. One component, an open incident (declared before anyone listens), SUBSCRIBERS active chat subscribers.
  const api = unwrap(await createComponent(context, benchActor, { name: 'API' }));
  const incident = unwrap(
    await declareIncident(context, benchActor, {
      title: 'API errors',
      severity: 'medium',
      status: 'investigating',
      message: 'Investigating.',
      components: [{ componentId: api.id, status: 'partial_outage' }],
      notifySubscribers: false,
    }),
  );
  const now = new Date();
  const signer = await chatLinkSigner(handle.db, { publicUrl: PUBLIC_URL, now });
  const rows = Array.from({ length: SUBSCRIBERS }, (_, index) => {
    const id = newId();
    const platform = platforms[index % platforms.length]!;
    return {
      id,
      platform,
      url: receiver.url(platform),
      state: 'active' as const,
      unsubscribeSecretHash: signer.secretHash(id),
      verifiedAt: now,
      createdAt: now,
      updatedAt: now,
    };
  });
  for (let start = 0; start < rows.length; start += 500) await handle.db.insert(chatSubscriber).values(rows.slice(start, start + 500));

  // 2. Herald's workers, as the worker process runs them, sending to the receiver.
  handle.jobs.boss.on('error', () => {});
  const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:9', mailFrom: 'bench@bench.test', dkim: undefined, dataDir: '/nonexistent' });
  await startWorkers(handle.jobs.boss, { context, mailer, publicUrl: PUBLIC_URL, log: pino({ level: 'silent' }), http: receiver.http });
  atTeardown('the workers', async () => {
    for (const name of jobNames) await handle.jobs.boss.offWork(name, { wait: true });
    mailer.close();
  });

  // 3. The update, then wait for the last message.
  const count = () => platforms.reduce((sum, platform) => sum + receiver.received(platform as ChatReceiverPlatform).length, 0);
  const postedAt = performance.now();
  unwrap(
    await postIncidentUpdate(context, benchActor, incident.id, {
      status: 'identified',
      message: 'The cause is identified; a fix is rolling out.',
      components: [{ componentId: api.id, status: 'partial_outage' }],
      notifySubscribers: false,
    }),
  );
  let lastAt = postedAt;
  let seen = 0;
  const deadline = Date.now() + 300_000;
  while (seen < SUBSCRIBERS && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = count();
    if (now > seen) [seen, lastAt] = [now, performance.now()];
  }
  const seconds = (lastAt - postedAt) / 1000;
  const invalid = receiver.invalid().length;

  // 4. What rendering one body per subscriber (for its own unsubscribe link) costs.
  const message = {
    kind: 'incident_update' as const,
    headline: 'Incident update',
    title: 'API errors',
    status: 'Identified',
    components: [{ name: 'API', status: 'partial_outage' as const }],
    body: 'The cause is identified; a fix is rolling out.',
    links: [{ label: 'View the incident', url: `${PUBLIC_URL}/incidents/${incident.id}` }],
  };
  const renderStarted = performance.now();
  for (const row of rows)
    JSON.stringify(renderFor(row.platform, { ...message, footer: { label: 'Unsubscribe', url: signer.url(row.id) } }));
  const renderMs = performance.now() - renderStarted;

  console.log(
    `Chat fan-out benchmark: ${SUBSCRIBERS} chat subscribers (${platforms.join(', ')}), ${os.cpus().length} cores, PGlite in process`,
  );
  console.log(`update → last message received:  ${seconds.toFixed(2)} s (${seen} of ${SUBSCRIBERS} received)`);
  console.log(`messages per second:             ${(seen / seconds).toFixed(0)}`);
  console.log(`bodies that failed their schema: ${invalid}`);
  console.log(`rendering ${SUBSCRIBERS} bodies, one per subscriber: ${renderMs.toFixed(0)} ms`);
  return seen >= SUBSCRIBERS && invalid === 0;
});
