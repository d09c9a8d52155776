import { createHmac } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { asc, count, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { ComponentStatus } from '../../../domain/statuses';
import { consumeRateLimit, type RateLimitRule } from '../../auth/rate-limit';
import { hashSecret, parseToken, secretMatches } from '../../auth/tokens';
import type { Database } from '../../db';
import { component } from '../../db/schema';
import {
  chatSubscriber,
  webhookDelivery,
  webhookEvent,
  webhookSubscriber,
  webhookSubscriberComponent,
  type WebhookSubscriberRow,
} from '../../db/schema/webhooks';
import { newId, randomBytes } from '../../ids';
import type { JobQueue } from '../../jobs/queue';
import { currentPageStatus, isComponentPublic, publicComponentIds } from '../components/visibility';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { lockRow, updateOne, withLockedRow } from '../kernel/rows';
import { idSchema, parseInput } from '../kernel/validation';
import { parseWebhookUrl, targetPolicy, vetWebhookUrl } from './webhook-targets';

/**
 * Webhook subscribers: registration from the public form, verification, the events webhooks
 * announce, unsubscribe links and the admin's list. Sending lives in jobs/handlers/webhook-*.ts.
 *
 * Every event is recorded in the transaction of the change it reports (a public incident or
 * maintenance update, a component status change), with a `webhook-fan-out` job; the fan-out
 * writes one delivery per subscriber, each with its exact body and its own `webhook-send` job.
 */

/** Failed deliveries in a row (each after all its retries) that disable a webhook. */
export const MAX_CONSECUTIVE_FAILURES = 10;
/** Where `meta.documentation` points: the webhook tab of the subscribe page documents the format. */
const WEBHOOK_DOCUMENTATION_PATH = '/subscribe?via=webhook#webhook-format';

// ---------------------------------------------------------------------------------------------
// Secrets

/** A signing secret: `whsec_` and 256 random bits in base32. Kept as it is, to sign with. */
function newSigningSecret(): string {
  return `whsec_${encodeBase32LowerCaseNoPadding(randomBytes(32))}`;
}

/**
 * The secret half of a webhook's unsubscribe token, derived from its signing secret so every
 * POST can carry the link without the token being stored; only its SHA-256 is stored, to check
 * a presented token against, like every other token (auth/tokens.ts).
 */
function unsubscribeSecretOf(signingSecret: string): string {
  const mac = createHmac('sha256', signingSecret).update('herald-webhook-unsubscribe').digest();
  return encodeBase32LowerCaseNoPadding(mac.subarray(0, 15));
}

/** `<subscriber id>.<secret>`: the credential of the unsubscribe link in every POST. */
function unsubscribeTokenOf(subscriber: Pick<WebhookSubscriberRow, 'id' | 'signingSecret'>): string {
  return `${subscriber.id}.${unsubscribeSecretOf(subscriber.signingSecret)}`;
}

export function unsubscribeUrlOf(publicUrl: string, subscriber: Pick<WebhookSubscriberRow, 'id' | 'signingSecret'>): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/unsubscribe/${unsubscribeTokenOf(subscriber)}`;
}

export function documentationUrlOf(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_DOCUMENTATION_PATH}`;
}

/** The webhook an unsubscribe token names, or null. */
export async function findWebhookByToken(db: Database, token: string): Promise<WebhookSubscriberRow | null> {
  const parts = parseToken(token);
  if (!parts) return null;
  const [row] = await db.select().from(webhookSubscriber).where(eq(webhookSubscriber.id, parts.id));
  return row && secretMatches(parts.secret, row.unsubscribeSecretHash) ? row : null;
}

// ---------------------------------------------------------------------------------------------
// Registration

/** As for email subscribers (services/subscribers.ts), but optional; not imported from there, to keep this module's imports light (component-status.ts uses it). */
const ownerEmail = z
  .string()
  .trim()
  .max(254, 'An email address has at most 254 characters.')
  .pipe(z.email({ error: 'Enter a valid email address, such as name@example.com.' }))
  .transform((value) => value.toLowerCase());
const optionalEmail = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  ownerEmail.optional(),
);

export const webhookRegistrationInput = z.object({
  url: z.string({ error: 'Enter the URL Herald should POST to.' }),
  email: optionalEmail,
  componentIds: z.array(idSchema).max(500).default([]),
});

const REGISTER_PER_ADDRESS: RateLimitRule = { limit: 10, windowMs: 60 * 60 * 1000 };
const REGISTER_PER_URL: RateLimitRule = { limit: 5, windowMs: 60 * 60 * 1000 };

export type RegistrationOutcome =
  | { kind: 'registered'; subscriberId: string; url: string; signingSecret: string; unsubscribeToken: string }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * A visitor registers a URL. It is checked (https, a host that resolves only to addresses a
 * webhook may reach), stored as pending, and a `webhook-verify` job POSTs it a verification
 * request; a 2xx makes it active. The signing secret is returned here, to be shown once.
 *
 * A URL already active is refused (its owner removes it with the unsubscribe link first); a
 * pending or disabled one is replaced, with a new secret.
 */
export async function registerWebhook(
  context: ServiceContext,
  input: z.input<typeof webhookRegistrationInput>,
  clientAddress: string,
): Promise<ServiceResult<RegistrationOutcome>> {
  const parsed = parseInput(webhookRegistrationInput, input);
  if (!parsed.ok) return parsed;
  const url = parseWebhookUrl(parsed.value.url);
  if (!url.ok) return invalid({ url: url.message });
  const visible = await publicComponentIds(context.db);
  const componentIds = [...new Set(parsed.value.componentIds)];
  if (componentIds.some((id) => !visible.has(id))) return invalid({ componentIds: 'Choose components from the list.' });

  const now = context.clock.now();
  for (const [key, rule] of [
    [`webhook:address:${clientAddress}`, REGISTER_PER_ADDRESS],
    [`webhook:url:${url.url}`, REGISTER_PER_URL],
  ] as const) {
    const verdict = await consumeRateLimit(context.db, key, rule, now);
    if (!verdict.allowed) return success({ kind: 'rate_limited', retryAfterSeconds: verdict.retryAfterSeconds });
  }
  const vetted = await vetWebhookUrl(url.url, await targetPolicy(context));
  if (!vetted.ok) return invalid({ url: vetted.message });

  const id = newId();
  const signingSecret = newSigningSecret();
  const created = await context.db.transaction(async (tx) => {
    const existing = await lockRow(tx, webhookSubscriber, eq(webhookSubscriber.url, url.url));
    if (existing?.state === 'active') return false;
    if (existing) await tx.delete(webhookSubscriber).where(eq(webhookSubscriber.id, existing.id));
    const [row] = await tx
      .insert(webhookSubscriber)
      .values({
        id,
        url: url.url,
        signingSecret,
        unsubscribeSecretHash: hashSecret(unsubscribeSecretOf(signingSecret)),
        state: 'pending',
        ownerEmail: parsed.value.email ?? null,
        createdAt: now,
        updatedAt: now,
      })
      // Two registrations of a new URL at once: the second yields.
      .onConflictDoNothing()
      .returning({ id: webhookSubscriber.id });
    if (!row) return false;
    if (componentIds.length > 0)
      await tx.insert(webhookSubscriberComponent).values(componentIds.map((componentId) => ({ subscriberId: id, componentId })));
    await context.queue.send(tx, 'webhook-verify', { subscriberId: id });
    if (parsed.value.email) await context.queue.send(tx, 'webhook-contact-confirmation', { subscriberId: id });
    return true;
  });
  if (!created) {
    return invalid({
      url: 'This URL already gets webhooks from this page. To register it again, first remove it with the unsubscribe link that every webhook carries.',
    });
  }
  return success({
    kind: 'registered',
    subscriberId: id,
    url: url.url,
    signingSecret,
    unsubscribeToken: unsubscribeTokenOf({ id, signingSecret }),
  });
}

// ---------------------------------------------------------------------------------------------
// Unsubscribing and managing by link

/** Removes the webhook the token names, and everything queued for it; false when none. */
export async function removeWebhookWithToken(context: ServiceContext, token: string): Promise<boolean> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const row = await findWebhookByToken(tx, token);
    if (!row) return false;
    await tx.delete(webhookSubscriber).where(eq(webhookSubscriber.id, row.id));
    await recordAudit(tx, { userId: null, label: 'webhook subscriber' }, now, {
      action: 'webhook.unsubscribe',
      entityType: 'webhook_subscriber',
      entityId: row.id,
      before: { url: row.url, state: row.state },
    });
    return true;
  });
}

const REVERIFY_PER_WEBHOOK: RateLimitRule = { limit: 5, windowMs: 60 * 60 * 1000 };

/** Sends a pending webhook's verification request again (from its manage link). */
export async function requestVerificationAgain(
  context: ServiceContext,
  token: string,
): Promise<'queued' | 'not_pending' | 'rate_limited' | 'gone'> {
  const row = await findWebhookByToken(context.db, token);
  if (!row) return 'gone';
  if (row.state !== 'pending') return 'not_pending';
  const verdict = await consumeRateLimit(context.db, `webhook:verify:${row.id}`, REVERIFY_PER_WEBHOOK, context.clock.now());
  if (!verdict.allowed) return 'rate_limited';
  await context.db.transaction(async (tx) => {
    await tx
      .update(webhookSubscriber)
      .set({ ownerNotifiedAt: null, updatedAt: context.clock.now() })
      .where(eq(webhookSubscriber.id, row.id));
    await context.queue.send(tx, 'webhook-verify', { subscriberId: row.id });
  });
  return 'queued';
}

// ---------------------------------------------------------------------------------------------
// Events

/** Events are recorded only while someone listens: an install without webhooks pays nothing. */
/** Events are recorded only while someone would get them: an active webhook or chat subscriber. */
async function anyActiveWebhook(db: Database): Promise<boolean> {
  const [row] = await db.select({ id: webhookSubscriber.id }).from(webhookSubscriber).where(eq(webhookSubscriber.state, 'active')).limit(1);
  if (row) return true;
  const [chat] = await db.select({ id: chatSubscriber.id }).from(chatSubscriber).where(eq(chatSubscriber.state, 'active')).limit(1);
  return chat !== undefined;
}

type EventValues = Omit<typeof webhookEvent.$inferInsert, 'id' | 'pageStatus' | 'createdAt'>;

async function recordEvent(db: Database, values: EventValues, now: Date): Promise<string | null> {
  if (!(await anyActiveWebhook(db))) return null;
  const [row] = await db
    .insert(webhookEvent)
    .values({ id: newId(), ...values, pageStatus: await currentPageStatus(db), createdAt: now })
    .onConflictDoNothing()
    .returning({ id: webhookEvent.id });
  return row?.id ?? null;
}

/**
 * Queues the webhooks of a public incident update, in the caller's transaction (called by
 * writePublicUpdate for every public update, emailed or not).
 */
export async function queueIncidentWebhooks(
  db: Database,
  context: ServiceContext,
  options: { incidentId: string; incidentUpdateId: string; now: Date },
): Promise<void> {
  const eventId = await recordEvent(
    db,
    { key: `incident_update:${options.incidentUpdateId}`, incidentId: options.incidentId, incidentUpdateId: options.incidentUpdateId },
    options.now,
  );
  if (eventId) {
    await context.queue.send(db, 'webhook-fan-out', { eventId });
    await context.queue.send(db, 'chat-fan-out', { eventId });
  }
}

/** Queues the webhooks of a public maintenance update, in the caller's transaction (writeMaintenanceUpdate). */
export async function queueMaintenanceWebhooks(
  db: Database,
  context: ServiceContext,
  options: { maintenanceId: string; maintenanceUpdateId: string; now: Date },
): Promise<void> {
  const eventId = await recordEvent(
    db,
    {
      key: `maintenance_update:${options.maintenanceUpdateId}`,
      maintenanceId: options.maintenanceId,
      maintenanceUpdateId: options.maintenanceUpdateId,
    },
    options.now,
  );
  if (eventId) {
    await context.queue.send(db, 'webhook-fan-out', { eventId });
    await context.queue.send(db, 'chat-fan-out', { eventId });
  }
}

/**
 * Queues the webhooks of a component status change, in the caller's transaction (called by
 * changeComponentStatus, after the component row holds its new status). A hidden component's
 * changes are never announced.
 */
export async function queueComponentWebhooks(
  db: Database,
  queue: JobQueue,
  options: { componentId: string; intervalId: number; oldStatus: ComponentStatus; newStatus: ComponentStatus; at: Date; now: Date },
): Promise<void> {
  if (!(await anyActiveWebhook(db)) || !(await isComponentPublic(db, options.componentId))) return;
  const eventId = await recordEvent(
    db,
    {
      key: `component_status:${options.intervalId}`,
      componentId: options.componentId,
      componentStatusIntervalId: options.intervalId,
      details: { oldStatus: options.oldStatus, newStatus: options.newStatus, at: options.at.toISOString() },
    },
    options.now,
  );
  if (eventId) {
    await queue.send(db, 'webhook-fan-out', { eventId });
    await queue.send(db, 'chat-fan-out', { eventId });
  }
}

// ---------------------------------------------------------------------------------------------
// Admin

export interface WebhookListItem extends Omit<WebhookSubscriberRow, 'signingSecret' | 'unsubscribeSecretHash'> {
  componentNames: string[];
  deliveries: { sent: number; failed: number; pending: number };
}

/** Every webhook subscriber, newest first, without its secrets. */
export async function listWebhookSubscribers(context: ServiceContext): Promise<WebhookListItem[]> {
  const rows = await context.db.select().from(webhookSubscriber).orderBy(desc(webhookSubscriber.createdAt), asc(webhookSubscriber.url));
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const [names, counts] = await Promise.all([
    context.db
      .select({ subscriberId: webhookSubscriberComponent.subscriberId, name: component.name })
      .from(webhookSubscriberComponent)
      .innerJoin(component, eq(component.id, webhookSubscriberComponent.componentId))
      .where(inArray(webhookSubscriberComponent.subscriberId, ids))
      .orderBy(asc(component.name)),
    context.db
      .select({ subscriberId: webhookDelivery.subscriberId, state: webhookDelivery.state, value: count() })
      .from(webhookDelivery)
      .where(inArray(webhookDelivery.subscriberId, ids))
      .groupBy(webhookDelivery.subscriberId, webhookDelivery.state),
  ]);
  return rows.map(({ signingSecret: _secret, unsubscribeSecretHash: _hash, ...row }) => {
    const deliveries = { sent: 0, failed: 0, pending: 0 };
    for (const item of counts.filter((entry) => entry.subscriberId === row.id)) {
      if (item.state === 'sent') deliveries.sent += item.value;
      else if (item.state === 'failed') deliveries.failed += item.value;
      else deliveries.pending += item.value;
    }
    return { ...row, componentNames: names.filter((entry) => entry.subscriberId === row.id).map((entry) => entry.name), deliveries };
  });
}

export async function removeWebhookSubscriber(
  context: ServiceContext,
  actor: Actor,
  subscriberId: string,
): Promise<ServiceResult<WebhookSubscriberRow>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [removed] = await tx.delete(webhookSubscriber).where(eq(webhookSubscriber.id, subscriberId)).returning();
    if (!removed) return notFound('That webhook does not exist.');
    await recordAudit(tx, actor, now, {
      action: 'webhook.remove',
      entityType: 'webhook_subscriber',
      entityId: subscriberId,
      before: { url: removed.url, state: removed.state },
    });
    return success(removed);
  });
}

/**
 * Gives a disabled (or still pending) webhook another chance: its failure count is cleared and a
 * verification request is sent; it is active again once that is answered with a 2xx.
 */
export async function reenableWebhookSubscriber(
  context: ServiceContext,
  actor: Actor,
  subscriberId: string,
): Promise<ServiceResult<WebhookSubscriberRow>> {
  const now = context.clock.now();
  const where = eq(webhookSubscriber.id, subscriberId);
  return withLockedRow(context.db, webhookSubscriber, where, 'That webhook does not exist.', async (tx, row) => {
    if (row.state === 'active') return invalid({ form: 'This webhook is already active.' }, 'This webhook is already active.');
    const updated = await updateOne(tx, webhookSubscriber, where, {
      state: 'pending',
      consecutiveFailures: 0,
      disabledAt: null,
      disabledReason: null,
      ownerNotifiedAt: null,
      updatedAt: now,
    });
    await context.queue.send(tx, 'webhook-verify', { subscriberId });
    await recordAudit(tx, actor, now, {
      action: 'webhook.reenable',
      entityType: 'webhook_subscriber',
      entityId: subscriberId,
      before: { state: row.state },
      after: { state: 'pending' },
    });
    return success(updated);
  });
}
