import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpSink {
  url: string;
  received: ReceivedMail[];
  /** Recipients of the messages refused with a 451, one entry per refusal. */
  rejected: string[];
  /** Waits until `count` messages have arrived (or fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a free loopback port that keeps and parses what it accepts.
 * `reject(mail)` may refuse a message (the sender sees a 4xx and should retry later).
 */
export async function startSmtpSink(
  options: {
    reject?: (recipient: string) => boolean;
    parse?: boolean;
    /** A promise the sink waits for before answering a message to `recipient` (a hung server); undefined answers at once. */
    hold?: (recipient: string) => Promise<void> | undefined;
    /** Holds each accepted message this long before answering 250 (a slow server); it counts as received only then. */
    acceptDelayMs?: number;
  } = {},
): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const rejected: string[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // The listener's promise is not awaited by the stream, as before: it is started and left to run.
      stream.on(
        'end',
        () =>
          void (async () => {
            const recipient = session.envelope.rcptTo[0]?.address ?? '';
            await options.hold?.(recipient);
            if (options.reject?.(recipient)) {
              rejected.push(recipient);
              const error = Object.assign(new Error('Temporary failure, try again later'), { responseCode: 451 });
              callback(error);
              return;
            }
            const raw = Buffer.concat(chunks).toString('utf8');
            const parsed = options.parse === false ? ({} as ParsedMail) : await simpleParser(raw);
            if (options.acceptDelayMs) await new Promise((resolve) => setTimeout(resolve, options.acceptDelayMs));
            received.push({ to: recipient, raw, parsed });
            callback();
            waiters.splice(0).forEach((wake) => wake());
          })(),
      );
    },
  });
  // A client that dies mid-conversation (a killed worker) resets its connection: not the sink's failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    rejected,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
