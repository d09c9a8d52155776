import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { outboxFolder } from './transport';

export const OUTBOX_PAGE_SIZE = 50;

/**
 * An outbox id exactly as createMailer writes it: a 15-digit timestamp, the Message-ID made
 * file-safe, a random suffix. Only ids of this shape ever become a path, so none can leave the
 * outbox folder.
 */
const OUTBOX_ID = /^\d{15}-[A-Za-z0-9._-]{0,80}-[a-z0-9]{0,6}$/;

const entrySchema = z.object({
  to: z.string(),
  from: z.string(),
  subject: z.string(),
  date: z.iso.datetime(),
  html: z.string(),
  text: z.string(),
  headers: z.record(z.string(), z.string()),
});

export interface OutboxMessage {
  id: string;
  to: string;
  from: string;
  subject: string;
  date: Date;
  html: string;
  text: string;
  headers: Record<string, string>;
}

type OutboxSummary = Pick<OutboxMessage, 'id' | 'to' | 'subject' | 'date'>;

function isOutboxId(id: string): boolean {
  return OUTBOX_ID.test(id);
}

/** A file of the outbox, or null when it is missing. */
async function readOutboxFile(dataDir: string, name: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path.join(outboxFolder(dataDir), name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** One message with its text and HTML; null for an unknown or malformed id, or an unreadable entry. */
export async function readOutboxEntry(dataDir: string, id: string): Promise<OutboxMessage | null> {
  if (!isOutboxId(id)) return null;
  const content = await readOutboxFile(dataDir, `${id}.json`);
  if (!content) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch {
    return null;
  }
  const result = entrySchema.safeParse(parsed);
  if (!result.success) return null;
  return { ...result.data, id, date: new Date(result.data.date) };
}

/** The message as sent (RFC 822), for download; null for an unknown or malformed id. */
export async function readOutboxEml(dataDir: string, id: string): Promise<Buffer | null> {
  if (!isOutboxId(id)) return null;
  return readOutboxFile(dataDir, `${id}.eml`);
}

/** One page of the outbox, newest first (ids begin with the time they were written). */
export async function listOutbox(dataDir: string, options: { page: number }) {
  let names: string[];
  try {
    names = await fs.readdir(outboxFolder(dataDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    names = [];
  }
  const ids = names
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter(isOutboxId)
    .sort()
    .reverse();
  const start = (options.page - 1) * OUTBOX_PAGE_SIZE;
  const entries = await Promise.all(ids.slice(start, start + OUTBOX_PAGE_SIZE).map((id) => readOutboxEntry(dataDir, id)));
  const messages: OutboxSummary[] = entries
    .filter((entry) => entry !== null)
    .map(({ id, to, subject, date }) => ({ id, to, subject, date }));
  return { messages, total: ids.length, pageCount: Math.max(1, Math.ceil(ids.length / OUTBOX_PAGE_SIZE)) };
}

/** The headers the admin checks on a message, in reading order; those it does not have are left out. */
export function outboxHeaders(message: OutboxMessage): { name: string; value: string }[] {
  const extra = new Map(Object.entries(message.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const shown = [
    { name: 'From', value: message.from },
    { name: 'To', value: message.to },
    { name: 'Subject', value: message.subject },
    { name: 'Date', value: message.date.toUTCString() },
    ...['Message-ID', 'In-Reply-To', 'References', 'List-Unsubscribe', 'List-Unsubscribe-Post'].map((name) => ({
      name,
      value: extra.get(name.toLowerCase()),
    })),
  ];
  return shown.filter((header): header is { name: string; value: string } => header.value !== undefined);
}
