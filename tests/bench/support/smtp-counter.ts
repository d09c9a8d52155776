/**
 * A local SMTP server for benchmarks that accepts every message and keeps only a count (of the
 * messages to `recipients`, when given: a fan-out's among team alerts), and, when asked, hands
 * each message to `onMessage`: enough for tens of thousands of messages without holding them.
 * tests/support/smtp-sink.ts keeps and parses each one, for tests.
 */
import { SMTPServer } from 'smtp-server';
import { atTeardown } from './teardown';

export interface SmtpCounter {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  /** Messages accepted so far (to `recipients`, when given). */
  readonly accepted: number;
  /** performance.now() when the last message was accepted (0 before the first). */
  readonly lastAcceptedAt: number;
  close(): Promise<void>;
}

export async function startSmtpCounter(
  options: { recipients?: RegExp; onMessage?: (raw: Buffer, arrivedAt: number) => void } = {},
): Promise<SmtpCounter> {
  let accepted = 0;
  let lastAcceptedAt = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const counted = !options.recipients || session.envelope.rcptTo.some((recipient) => options.recipients!.test(recipient.address));
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (options.onMessage) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (counted) {
          accepted += 1;
          lastAcceptedAt = performance.now();
        }
        options.onMessage?.(Buffer.concat(chunks), Date.now());
        callback();
      });
    },
  });
  // A client that goes away mid-conversation (a stopped Herald) is not the sink's failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  const close = atTeardown(`SMTP sink on ${port}`, () => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `smtp://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get lastAcceptedAt() {
      return lastAcceptedAt;
    },
    close,
  };
}
