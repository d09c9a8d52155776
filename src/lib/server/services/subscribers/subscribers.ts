import { and, asc, count, eq, exists, ilike, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { consumeRateLimit, type RateLimitRule } from '../../auth/rate-limit';
import type { Database } from '../../db';
import { component, subscriber, subscriberComponent, subscriberStates, type SubscriberRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import { publicComponentIds } from '../components/visibility';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { checkSubscriberToken, mintSubscriberToken } from './subscriber-tokens';
import { pendingSubscriptionExpired } from '../../../domain/data-retention';
import { insertOne, type Transaction } from '../kernel/rows';
import { idSchema, parseInput } from '../kernel/validation';

export const subscriberEmail = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .min(1, 'Enter your email address.')
  .max(254, 'An email address has at most 254 characters.')
  .pipe(z.email({ error: 'Enter a valid email address, such as name@example.com.' }))
  .transform((value) => value.toLowerCase());

const componentChoice = z.array(idSchema).max(500).default([]);

export const subscribeInput = z.object({ email: subscriberEmail, componentIds: componentChoice });
export const preferencesInput = z.object({ componentIds: componentChoice });

const SUBSCRIBE_PER_ADDRESS: RateLimitRule = { limit: 10, windowMs: 60 * 60 * 1000 };
const SUBSCRIBE_PER_EMAIL: RateLimitRule = { limit: 3, windowMs: 60 * 60 * 1000 };

/** Refuses component ids the public cannot see, so the form cannot probe hidden components. */
async function visibleChoice(context: ServiceContext, componentIds: string[]): Promise<ServiceResult<string[]>> {
  const visible = await publicComponentIds(context.db);
  const unknown = componentIds.find((id) => !visible.has(id));
  return unknown ? invalid({ componentIds: 'Choose components from the list.' }) : success([...new Set(componentIds)]);
}

async function replaceComponents(tx: Transaction, subscriberId: string, componentIds: string[]): Promise<void> {
  await tx.delete(subscriberComponent).where(eq(subscriberComponent.subscriberId, subscriberId));
  if (componentIds.length > 0) {
    await tx.insert(subscriberComponent).values(componentIds.map((componentId) => ({ subscriberId, componentId })));
  }
}

async function findByEmail(tx: Transaction, email: string): Promise<SubscriberRow | undefined> {
  const [row] = await tx
    .select()
    .from(subscriber)
    .where(eq(sql`lower(${subscriber.email})`, email.toLowerCase()));
  return row;
}

export type SubscribeOutcome = { kind: 'check_inbox' } | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * A visitor asks for email. The answer is the same whether the address is new, pending or
 * already confirmed, so nobody can learn who subscribes; the email itself tells the owner.
 */
export async function requestSubscription(
  context: ServiceContext,
  input: z.input<typeof subscribeInput>,
  clientAddress: string,
): Promise<ServiceResult<SubscribeOutcome>> {
  const parsed = parseInput(subscribeInput, input);
  if (!parsed.ok) return parsed;
  const choice = await visibleChoice(context, parsed.value.componentIds);
  if (!choice.ok) return choice;
  const now = context.clock.now();
  for (const [key, rule] of [
    [`subscribe:address:${clientAddress}`, SUBSCRIBE_PER_ADDRESS],
    [`subscribe:email:${parsed.value.email}`, SUBSCRIBE_PER_EMAIL],
  ] as const) {
    const verdict = await consumeRateLimit(context.db, key, rule, now);
    if (!verdict.allowed) return success({ kind: 'rate_limited', retryAfterSeconds: verdict.retryAfterSeconds });
  }
  await context.db.transaction(async (tx) => {
    // Two requests for a new address at once: the second insert yields to the first.
    await tx
      .insert(subscriber)
      .values({ id: newId(), email: parsed.value.email, state: 'pending', source: 'web', createdAt: now, updatedAt: now })
      .onConflictDoNothing();
    const row = await findByEmail(tx, parsed.value.email);
    if (!row) throw new Error('the subscriber row is missing after its insert');
    // A confirmed subscriber's choice changes only through their own manage link. They are
    // sent a new one, and every older manage link stops working.
    if (row.state === 'confirmed')
      await tx
        .update(subscriber)
        .set({ linkVersion: sql`${subscriber.linkVersion} + 1` })
        .where(eq(subscriber.id, row.id));
    else await replaceComponents(tx, row.id, choice.value);
    // Asking again restarts the 7 days a pending subscription has to be confirmed.
    if (row.state === 'pending' && pendingSubscriptionExpired(row.createdAt, now)) {
      await tx.update(subscriber).set({ createdAt: now, updatedAt: now }).where(eq(subscriber.id, row.id));
    }
    await context.queue.send(tx, 'subscriber-confirmation', { subscriberId: row.id });
  });
  return success({ kind: 'check_inbox' });
}

export type TokenFailure = 'invalid' | 'expired' | 'used';

/** Confirms with the emailed link and returns a manage link token for the preferences page. */
export async function confirmSubscription(
  context: ServiceContext,
  token: string,
): Promise<{ ok: true; manageToken: string } | { ok: false; reason: TokenFailure }> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const check = await checkSubscriberToken(tx, token, 'confirm', now);
    if (!check.ok) return check;
    // Only a pending subscription is confirmed: the first link used spends every other one.
    const confirmed = await tx
      .update(subscriber)
      .set({ state: 'confirmed', confirmedAt: now, updatedAt: now })
      .where(and(eq(subscriber.id, check.subscriberId), eq(subscriber.state, 'pending')))
      .returning({ id: subscriber.id });
    if (confirmed.length === 0) return { ok: false, reason: 'used' as const };
    const manageToken = await mintSubscriberToken(tx, { subscriberId: check.subscriberId, purpose: 'manage', now });
    return { ok: true, manageToken };
  });
}

/** A confirmation link for the subscriber, valid 48 hours (signed when the email is sent). */
export function mintConfirmationToken(db: Database, subscriberId: string, now: Date): Promise<string> {
  return mintSubscriberToken(db, { subscriberId, purpose: 'confirm', now });
}

export interface Subscription {
  subscriberId: string;
  email: string;
  /** Empty means every component. */
  componentIds: string[];
}

export async function getSubscription(context: ServiceContext, manageToken: string): Promise<Subscription | null> {
  const check = await checkSubscriberToken(context.db, manageToken, 'manage', context.clock.now());
  if (!check.ok || check.state !== 'confirmed') return null;
  const rows = await context.db
    .select({ componentId: subscriberComponent.componentId })
    .from(subscriberComponent)
    .where(eq(subscriberComponent.subscriberId, check.subscriberId));
  return { subscriberId: check.subscriberId, email: check.email, componentIds: rows.map((row) => row.componentId) };
}

export async function updateSubscriptionComponents(
  context: ServiceContext,
  manageToken: string,
  input: z.input<typeof preferencesInput>,
): Promise<ServiceResult<null>> {
  const parsed = parseInput(preferencesInput, input);
  if (!parsed.ok) return parsed;
  const current = await getSubscription(context, manageToken);
  if (!current) return notFound('This link is not valid any more.');
  const choice = await visibleChoice(context, parsed.value.componentIds);
  if (!choice.ok) return choice;
  const now = context.clock.now();
  await context.db.transaction(async (tx) => {
    await replaceComponents(tx, current.subscriberId, choice.value);
    await tx.update(subscriber).set({ updatedAt: now }).where(eq(subscriber.id, current.subscriberId));
  });
  return success(null);
}

/**
 * Ends a subscription from a manage link or a one-click unsubscribe link: the subscriber and
 * everything queued for them are deleted, so no later email can reach them.
 */
export async function unsubscribe(context: ServiceContext, token: string, purpose: 'manage' | 'unsubscribe'): Promise<boolean> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const check = await checkSubscriberToken(tx, token, purpose, now);
    if (!check.ok) return false;
    await tx.delete(subscriber).where(eq(subscriber.id, check.subscriberId));
    await recordAudit(tx, { userId: null, label: 'subscriber' }, now, {
      action: 'subscriber.unsubscribe',
      entityType: 'subscriber',
      entityId: check.subscriberId,
    });
    return true;
  });
}

export const SUBSCRIBER_PAGE_SIZE = 50;

export const subscriberFilterInput = z.object({
  search: z.string().trim().max(254).catch(''),
  state: z.enum(subscriberStates).nullable().catch(null),
  componentId: idSchema.nullable().catch(null),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

export interface SubscriberListItem extends SubscriberRow {
  componentNames: string[];
}

export async function listSubscribers(
  context: ServiceContext,
  filters: z.input<typeof subscriberFilterInput>,
): Promise<{ items: SubscriberListItem[]; total: number; page: number; pageCount: number }> {
  const { search, state, componentId, page } = subscriberFilterInput.parse(filters);
  const where = and(
    search ? ilike(subscriber.email, `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`) : undefined,
    state ? eq(subscriber.state, state) : undefined,
    componentId
      ? exists(
          context.db
            .select({ one: sql`1` })
            .from(subscriberComponent)
            .where(and(eq(subscriberComponent.subscriberId, subscriber.id), eq(subscriberComponent.componentId, componentId))),
        )
      : undefined,
  );
  const [rows, [total]] = await Promise.all([
    context.db
      .select()
      .from(subscriber)
      .where(where)
      .orderBy(asc(subscriber.email))
      .limit(SUBSCRIBER_PAGE_SIZE)
      .offset((page - 1) * SUBSCRIBER_PAGE_SIZE),
    context.db.select({ value: count() }).from(subscriber).where(where),
  ]);
  const names = await componentNamesOf(
    context.db,
    rows.map((row) => row.id),
  );
  return {
    items: rows.map((row) => ({ ...row, componentNames: names.get(row.id) ?? [] })),
    total: total?.value ?? 0,
    page,
    pageCount: Math.max(1, Math.ceil((total?.value ?? 0) / SUBSCRIBER_PAGE_SIZE)),
  };
}

async function componentNamesOf(db: Database, subscriberIds: string[]): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  if (subscriberIds.length === 0) return names;
  const rows = await db
    .select({ subscriberId: subscriberComponent.subscriberId, name: component.name })
    .from(subscriberComponent)
    .innerJoin(component, eq(component.id, subscriberComponent.componentId))
    .where(inArray(subscriberComponent.subscriberId, subscriberIds))
    .orderBy(asc(component.name));
  for (const row of rows) names.set(row.subscriberId, [...(names.get(row.subscriberId) ?? []), row.name]);
  return names;
}

export const adminSubscriberInput = z.object({ email: subscriberEmail, componentIds: componentChoice });

async function existingComponentChoice(tx: Transaction, componentIds: string[]): Promise<ServiceResult<string[]>> {
  const unique = [...new Set(componentIds)];
  if (unique.length === 0) return success([]);
  const rows = await tx
    .select({ id: component.id })
    .from(component)
    .where(and(inArray(component.id, unique), isNull(component.archivedAt)));
  return rows.length === unique.length ? success(unique) : invalid({ componentIds: 'Choose components from the list.' });
}

/** Adds a confirmed subscriber without the confirmation email (the admin vouches for them). */
export async function addSubscriberByAdmin(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof adminSubscriberInput>,
  source: 'admin' | 'import' = 'admin',
): Promise<ServiceResult<SubscriberRow>> {
  const parsed = parseInput(adminSubscriberInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const choice = await existingComponentChoice(tx, parsed.value.componentIds);
    if (!choice.ok) return choice;
    if (await findByEmail(tx, parsed.value.email)) return invalid({ email: 'This address is already on the list.' });
    const created = await insertOne(tx, subscriber, {
      id: newId(),
      email: parsed.value.email,
      state: 'confirmed',
      source,
      createdAt: now,
      confirmedAt: now,
      updatedAt: now,
    });
    await replaceComponents(tx, created.id, choice.value);
    await recordAudit(tx, actor, now, {
      action: source === 'import' ? 'subscriber.import' : 'subscriber.add',
      entityType: 'subscriber',
      entityId: created.id,
      after: { email: created.email, componentIds: choice.value, confirmation: 'skipped by staff' },
    });
    return success(created);
  });
}

export async function removeSubscriber(context: ServiceContext, actor: Actor, subscriberId: string): Promise<ServiceResult<SubscriberRow>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [removed] = await tx.delete(subscriber).where(eq(subscriber.id, subscriberId)).returning();
    if (!removed) return notFound('That subscriber does not exist.');
    await recordAudit(tx, actor, now, {
      action: 'subscriber.remove',
      entityType: 'subscriber',
      entityId: subscriberId,
      before: { email: removed.email, state: removed.state },
    });
    return success(removed);
  });
}

/** The components each subscriber chose (none: every component), by subscriber id. */
export async function componentIdsOfSubscribers(
  context: Pick<ServiceContext, 'db'>,
  subscriberIds: string[],
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(subscriberIds.map((id) => [id, []]));
  if (subscriberIds.length === 0) return result;
  const rows = await context.db.select().from(subscriberComponent).where(inArray(subscriberComponent.subscriberId, subscriberIds));
  for (const row of rows) result.get(row.subscriberId)?.push(row.componentId);
  return result;
}
