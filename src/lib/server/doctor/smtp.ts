import nodemailer from 'nodemailer';
import type { Config } from '../config';
import { outboxFolder } from '../mail/transport';
import type { DoctorCheck } from './check';

/** Milliseconds the SMTP server gets to accept the connection and greet. */
const SMTP_TIMEOUT_MS = 8_000;

/** What a failed connection most likely needs, by nodemailer's error code. */
const fixes: Record<string, string> = {
  EAUTH: 'check the user name and password in SMTP_URL (smtp://user:pass@host:587)',
  ETLS: 'use smtps:// for a port that speaks TLS at once (465), smtp:// for STARTTLS (587)',
};

/** Connects to SMTP_URL and says EHLO (and logs in, with credentials), without sending anything. */
export async function checkSmtp(settings: Pick<Config, 'smtpUrl' | 'dataDir'>): Promise<DoctorCheck> {
  if (!settings.smtpUrl) {
    return {
      name: 'smtp',
      status: 'warn',
      line: `SMTP_URL is not set: mail goes to the outbox folder ${outboxFolder(settings.dataDir)}, nobody receives it`,
      fix: 'set SMTP_URL=smtp://user:pass@host:587 to send email',
    };
  }
  const host = new URL(settings.smtpUrl).host;
  // Timeouts in the URL, as the mailer gives them (mail/transport.ts).
  const separator = settings.smtpUrl.includes('?') ? '&' : '?';
  const timeouts = `connectionTimeout=${String(SMTP_TIMEOUT_MS)}&greetingTimeout=${String(SMTP_TIMEOUT_MS)}&socketTimeout=${String(SMTP_TIMEOUT_MS)}`;
  const transporter = nodemailer.createTransport(`${settings.smtpUrl}${separator}${timeouts}`);
  try {
    await transporter.verify();
    return { name: 'smtp', status: 'ok', line: `${host} answers EHLO (nothing sent)` };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const [message = ''] = (error instanceof Error ? error.message : String(error)).split('\n');
    return {
      name: 'smtp',
      status: 'fail',
      line: `${host}: ${message}`,
      fix: fixes[code] ?? 'check the host and port in SMTP_URL, and that this machine may reach them',
    };
  } finally {
    transporter.close();
  }
}
