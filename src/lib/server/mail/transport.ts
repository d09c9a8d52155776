import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config';

interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  references?: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  /** Resolves once the SMTP server (or the outbox) has accepted the message. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
  /** Where messages go: an SMTP host, or the outbox folder. */
  describe(): string;
}

/** A message as the outbox keeps it beside its .eml file, for the admin's preview. */
interface OutboxEntry {
  id: string;
  to: string;
  from: string;
  subject: string;
  date: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/**
 * SMTP connections kept open: one for every message the worker may have in flight (two send
 * jobs of five messages each), so a message claimed for sending is on the wire, not waiting.
 */
const SMTP_CONNECTIONS = 10;
// Timeouts (in the URL above) keep a stalled relay from holding a batch past its job's expiry.

export function outboxFolder(dataDir: string): string {
  return path.join(dataDir, 'outbox');
}

/**
 * Pooled SMTP when SMTP_URL is set; otherwise a folder outbox in DATA_DIR that the admin can
 * read, so a local install shows exactly what subscribers would get.
 */
export function createMailer(settings: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dkim' | 'dataDir'>): Mailer {
  const defaults = { from: settings.mailFrom, ...(settings.dkim ? { dkim: settings.dkim } : {}) };
  if (settings.smtpUrl) {
    const separator = settings.smtpUrl.includes('?') ? '&' : '?';
    const transporter: Transporter = nodemailer.createTransport(
      `${settings.smtpUrl}${separator}pool=true&maxConnections=${SMTP_CONNECTIONS}&connectionTimeout=15000&greetingTimeout=15000&socketTimeout=30000`,
      defaults,
    );
    const host = new URL(settings.smtpUrl).host;
    return {
      async send(mail) {
        await transporter.sendMail(mail);
      },
      close: () => transporter.close(),
      describe: () => `SMTP ${host}`,
    };
  }
  const folder = outboxFolder(settings.dataDir);
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, defaults);
  return {
    async send(mail) {
      const info = await transporter.sendMail(mail);
      await fs.mkdir(folder, { recursive: true });
      const id = `${Date.now().toString().padStart(15, '0')}-${mail.messageId.replace(/[^a-zA-Z0-9.-]/g, '_').slice(0, 80)}-${Math.random().toString(36).slice(2, 8)}`;
      const entry: OutboxEntry = {
        id,
        to: mail.to,
        from: settings.mailFrom,
        subject: mail.subject,
        date: new Date().toISOString(),
        html: mail.html,
        text: mail.text,
        headers: {
          'Message-ID': mail.messageId,
          ...(mail.inReplyTo ? { 'In-Reply-To': mail.inReplyTo } : {}),
          ...(mail.references ? { References: mail.references } : {}),
          ...mail.headers,
        },
      };
      await fs.writeFile(path.join(folder, `${id}.eml`), info.message as Buffer);
      await fs.writeFile(path.join(folder, `${id}.json`), JSON.stringify(entry));
    },
    close: () => transporter.close(),
    describe: () => `outbox folder ${folder}`,
  };
}
