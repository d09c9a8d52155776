import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { severities, type Severity } from '../../../domain/statuses';
import type { Database } from '../../db';
import { contact, type ContactRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { insertOne, updateOne, withLockedRow } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';
import { targetPolicy, vetWebhookUrl } from '../webhooks/webhook-targets';

/** A contact as the audit log keeps it: a webhook URL often carries a secret, so only whether one is set. */
function forAudit<T extends { webhookUrl: string | null }>(row: T) {
  return { ...row, webhookUrl: row.webhookUrl ? '(set)' : null };
}

/** Hosts a plain-http webhook may point at: the machine itself (local relays, tests). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isAllowedWebhookUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

const webhookUrlInput = z
  .string()
  .trim()
  .max(2000, 'The webhook URL must be at most 2000 characters.')
  .nullish()
  .transform((value) => (value ? value : null))
  .refine((value) => value === null || isAllowedWebhookUrl(value), 'Enter an https:// URL, such as https://hooks.example.com/herald.');

const severityChoice = z
  .array(z.enum(severities, { error: 'Choose severities from the list.' }), { error: 'Choose at least one severity.' })
  .max(severities.length * 2, 'Choose severities from the list.')
  .transform((items) => severities.filter((severity) => items.includes(severity)))
  .refine((items) => items.length > 0, 'Choose at least one severity.');

const contactInput = z.object({
  name: requiredText('Name', 100),
  role: requiredText('Role', 100),
  email: z
    .string({ error: 'Email is required.' })
    .trim()
    .min(1, 'Email is required.')
    .max(254, 'Email must be at most 254 characters.')
    .pipe(z.email({ error: 'Enter a valid email address, such as name@example.com.' }))
    .transform((value) => value.toLowerCase()),
  webhookUrl: webhookUrlInput,
  severities: severityChoice,
});

export type ContactInput = z.input<typeof contactInput>;

/**
 * Why a contact's webhook may not be saved: it points into Herald's own network (loopback,
 * private and the like), which only the "allow private targets" setting permits, as for
 * subscriber webhooks. A host that does not resolve now is let through; every send checks again.
 */
async function webhookRefusal(context: Pick<ServiceContext, 'db'>, webhookUrl: string | null): Promise<string | null> {
  if (webhookUrl === null) return null;
  const vetted = await vetWebhookUrl(webhookUrl, await targetPolicy(context));
  return vetted.ok || vetted.refusal === 'unresolved' ? null : vetted.message;
}

/** Every contact, by name. */
export async function listContacts(context: Pick<ServiceContext, 'db'>): Promise<ContactRow[]> {
  return context.db.select().from(contact).orderBy(asc(contact.name), asc(contact.createdAt));
}

export async function getContact(context: Pick<ServiceContext, 'db'>, id: string): Promise<ContactRow | undefined> {
  const [row] = await context.db.select().from(contact).where(eq(contact.id, id));
  return row;
}

/** The contacts paged for incidents of `severity`, by name. */
export async function contactsForSeverity(db: Database, severity: Severity): Promise<ContactRow[]> {
  return db
    .select()
    .from(contact)
    .where(sql`${contact.severities} @> ${JSON.stringify([severity])}::jsonb`)
    .orderBy(asc(contact.name), asc(contact.createdAt));
}

export async function createContact(context: ServiceContext, actor: Actor, input: ContactInput): Promise<ServiceResult<ContactRow>> {
  const parsed = parseInput(contactInput, input);
  if (!parsed.ok) return parsed;
  const refusal = await webhookRefusal(context, parsed.value.webhookUrl);
  if (refusal) return invalid({ webhookUrl: refusal });
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const created = await insertOne(tx, contact, { id: newId(), ...parsed.value, createdAt: now, updatedAt: now });
    await recordAudit(tx, actor, now, { action: 'contact.create', entityType: 'contact', entityId: created.id, after: forAudit(created) });
    return success(created);
  });
}

export async function updateContact(
  context: ServiceContext,
  actor: Actor,
  id: string,
  input: ContactInput,
): Promise<ServiceResult<ContactRow>> {
  const parsed = parseInput(contactInput, input);
  if (!parsed.ok) return parsed;
  const refusal = await webhookRefusal(context, parsed.value.webhookUrl);
  if (refusal) return invalid({ webhookUrl: refusal });
  const now = context.clock.now();
  return withLockedRow(context.db, contact, eq(contact.id, id), 'That contact does not exist.', async (tx, before) => {
    const after = await updateOne(tx, contact, eq(contact.id, id), { ...parsed.value, updatedAt: now });
    await recordAudit(tx, actor, now, {
      action: 'contact.update',
      entityType: 'contact',
      entityId: id,
      before: forAudit(before),
      after: forAudit(after),
    });
    return success(after);
  });
}

export async function deleteContact(context: ServiceContext, actor: Actor, id: string): Promise<ServiceResult<ContactRow>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [before] = await tx.delete(contact).where(eq(contact.id, id)).returning();
    if (!before) return notFound('That contact does not exist.');
    await recordAudit(tx, actor, now, { action: 'contact.delete', entityType: 'contact', entityId: id, before: forAudit(before) });
    return success(before);
  });
}
