import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listOutbox, OUTBOX_PAGE_SIZE, readOutboxEml, readOutboxEntry } from '../../src/lib/server/mail/outbox';
import { createMailer, outboxFolder } from '../../src/lib/server/mail/transport';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-outbox-'));
const mailFrom = 'Acme Status <updates@status.example.com>';

beforeAll(async () => {
  const mailer = createMailer({ smtpUrl: undefined, mailFrom, dkim: undefined, dataDir });
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(new Date('2026-03-01T12:00:00.000Z'));
    await mailer.send({
      to: 'first@example.com',
      subject: '[Acme] Database outage: Investigating',
      html: '<p>We are <strong>investigating</strong>.</p>',
      text: 'We are investigating.',
      messageId: '<incident.abc@status.example.com>',
      headers: { 'List-Unsubscribe': '<https://status.example.com/unsubscribe/t1>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    vi.setSystemTime(new Date('2026-03-01T12:05:00.000Z'));
    await mailer.send({
      to: 'second@example.com',
      subject: '[Acme] Database outage: Resolved',
      html: '<p>Resolved.</p>',
      text: 'Resolved.',
      messageId: '<incident.abc.update2@status.example.com>',
      inReplyTo: '<incident.abc@status.example.com>',
      references: '<incident.abc@status.example.com>',
    });
  } finally {
    vi.useRealTimers();
    mailer.close();
  }
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the outbox', () => {
  it('lists the messages newest first', async () => {
    const { messages, total, pageCount } = await listOutbox(dataDir, { page: 1 });
    expect(total).toBe(2);
    expect(pageCount).toBe(1);
    expect(messages).toEqual([
      {
        id: expect.any(String),
        to: 'second@example.com',
        subject: '[Acme] Database outage: Resolved',
        date: new Date('2026-03-01T12:05:00.000Z'),
      },
      {
        id: expect.any(String),
        to: 'first@example.com',
        subject: '[Acme] Database outage: Investigating',
        date: new Date('2026-03-01T12:00:00.000Z'),
      },
    ]);
    expect((await listOutbox(dataDir, { page: 2 })).messages).toEqual([]);
  });

  it('reads one message with its headers, text and HTML, and its raw .eml', async () => {
    const { messages } = await listOutbox(dataDir, { page: 1 });
    const [newest, oldest] = messages;
    expect(await readOutboxEntry(dataDir, newest!.id)).toEqual({
      id: newest!.id,
      to: 'second@example.com',
      from: mailFrom,
      subject: '[Acme] Database outage: Resolved',
      date: new Date('2026-03-01T12:05:00.000Z'),
      html: '<p>Resolved.</p>',
      text: 'Resolved.',
      headers: {
        'Message-ID': '<incident.abc.update2@status.example.com>',
        'In-Reply-To': '<incident.abc@status.example.com>',
        References: '<incident.abc@status.example.com>',
      },
    });
    const first = await readOutboxEntry(dataDir, oldest!.id);
    expect(first?.headers).toMatchObject({
      'List-Unsubscribe': '<https://status.example.com/unsubscribe/t1>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    const eml = (await readOutboxEml(dataDir, oldest!.id))?.toString('utf8') ?? '';
    expect(eml).toContain('Subject: [Acme] Database outage: Investigating');
    expect(eml).toContain('To: first@example.com');
  });

  it('returns null for unknown, malformed and traversal ids', async () => {
    for (const id of [
      '../../etc/passwd',
      '..%2F..%2Fetc%2Fpasswd',
      '..',
      '',
      '000000000000000-x-abc/../../x',
      '000000000000000-nothing-here',
    ]) {
      expect(await readOutboxEntry(dataDir, id)).toBeNull();
      expect(await readOutboxEml(dataDir, id)).toBeNull();
    }
  });

  it('skips files that are not outbox entries, and pages by fifty', async () => {
    const folder = outboxFolder(dataDir);
    fs.writeFileSync(path.join(folder, 'notes.json'), '{}');
    fs.writeFileSync(path.join(folder, '999999999999999-broken-zzz.json'), 'not json');
    expect(await readOutboxEntry(dataDir, '999999999999999-broken-zzz')).toBeNull();
    for (let index = 0; index < OUTBOX_PAGE_SIZE; index += 1) {
      const id = `000000000000${String(index).padStart(3, '0')}-filler-a`;
      const entry = {
        id,
        to: `r${index}@example.com`,
        from: mailFrom,
        subject: `Filler ${index}`,
        date: new Date(index).toISOString(),
        html: '',
        text: '',
        headers: {},
      };
      fs.writeFileSync(path.join(folder, `${id}.json`), JSON.stringify(entry));
    }
    const first = await listOutbox(dataDir, { page: 1 });
    expect(first.total).toBe(OUTBOX_PAGE_SIZE + 3);
    expect(first.pageCount).toBe(2);
    expect(first.messages[0]?.to).toBe('second@example.com');
    const second = await listOutbox(dataDir, { page: 2 });
    expect(second.messages.map((message) => message.subject)).toEqual(['Filler 2', 'Filler 1', 'Filler 0']);
  });

  it('is empty before anything was sent', async () => {
    expect(await listOutbox(path.join(dataDir, 'nowhere'), { page: 1 })).toEqual({ messages: [], total: 0, pageCount: 1 });
  });
});
