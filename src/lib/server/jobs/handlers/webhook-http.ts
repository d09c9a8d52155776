import { createHmac } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, hostOf, vetHost, WebhookTargetError, type TargetPolicy } from '../../services/webhooks/webhook-targets';

/**
 * How Herald POSTs a webhook: JSON, signed, over https, to a vetted address, no redirects
 * followed, a 10 s deadline and at most a few bytes of the answer read. Shared by the
 * verification request and every delivery.
 */
export const webhookTransport: {
  /** A receiver must answer within this long (the contract allows 30 s; Herald asks 10). */
  timeoutMs: number;
  /** Extra certificate authorities to trust (PEM); tests use one for their local receiver. */
  ca: string | undefined;
} = { timeoutMs: 10_000, ca: undefined };

/** Of an answer's body, only this much is read (for the error message); the rest is dropped. */
export const MAX_ANSWER_BYTES = 1024;
export const WEBHOOK_USER_AGENT = 'Herald-Webhooks';
export const TIMESTAMP_HEADER = 'Herald-Webhook-Timestamp';
export const SIGNATURE_HEADER = 'Herald-Webhook-Signature';

/** `v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the subscriber's secret. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type PostOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

class DeadlineError extends Error {
  override name = 'DeadlineError';
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DeadlineError) return `No answer within ${timeoutMs / 1000} s.`;
  if (error instanceof WebhookTargetError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EWEBHOOKTARGET') return message;
  if (code === 'ECONNREFUSED') return 'The connection was refused.';
  if (code === 'ECONNRESET') return 'The connection was reset before an answer came.';
  if (code === 'ENOTFOUND') return message.startsWith('The host') ? message : 'The host does not resolve to an address.';
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT') || /certificate|tls|ssl/i.test(message)) return `TLS error: ${message}`.slice(0, 500);
  return message.slice(0, 500);
}

/** A short, single-line view of what the receiver said, for the error message. */
function snippetOf(bytes: Buffer): string {
  const text = bytes.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * POSTs `body` to `url`. A 2xx is success; anything else (3xx included: redirects are never
 * followed), no answer within the deadline, or a refused target is a failure, described in words.
 */
export async function postWebhook(options: { url: string; body: string; secret: string; policy: TargetPolicy; now: Date; timeoutMs?: number }): Promise<PostOutcome> {
  const timeoutMs = options.timeoutMs ?? webhookTransport.timeoutMs;
  const target = new URL(options.url);
  const host = hostOf(target);
  try {
    // Checked here for IP literals (Node looks nothing up for them) and for a clear message;
    // the lookup below checks again what the socket really connects to.
    await vetHost(host, options.policy);
  } catch (error) {
    return { ok: false, status: null, error: describeFailure(error, timeoutMs) };
  }
  const timestamp = Math.floor(options.now.getTime() / 1000);
  const payload = Buffer.from(options.body, 'utf8');

  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    let status: number | null = null;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const request = httpsRequest({
      hostname: host,
      port: target.port || 443,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(payload.length),
        'User-Agent': WEBHOOK_USER_AGENT,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: webhookSignature(options.secret, timestamp, options.body),
      },
      lookup: guardedLookup(options.policy),
      // A fresh connection each time: a pooled socket could outlive the address check.
      agent: false,
      ...(webhookTransport.ca ? { ca: webhookTransport.ca } : {}),
    });
    const timer = setTimeout(() => {
      if (status !== null) finishWithStatus(Buffer.alloc(0));
      else finish({ ok: false, status: null, error: describeFailure(new DeadlineError(), timeoutMs) });
    }, timeoutMs);

    const chunks: Buffer[] = [];
    let received = 0;
    const finishWithStatus = (answer: Buffer) => {
      const code = status!;
      if (code >= 200 && code <= 299) return finish({ ok: true, status: code });
      const said = snippetOf(answer);
      const what = code >= 300 && code <= 399 ? `HTTP ${code}, a redirect (Herald does not follow redirects: give the final URL)` : `HTTP ${code}`;
      finish({ ok: false, status: code, error: `The receiver answered ${what}${said ? `: ${said}` : '.'}` });
    };

    request.on('response', (response) => {
      status = response.statusCode ?? 0;
      // A 2xx is all Herald needs: its body is never read.
      if (status >= 200 && status <= 299) return finishWithStatus(Buffer.alloc(0));
      response.on('data', (chunk: Buffer) => {
        const room = MAX_ANSWER_BYTES - received;
        if (room > 0) chunks.push(chunk.subarray(0, room));
        received += chunk.length;
        if (received >= MAX_ANSWER_BYTES) finishWithStatus(Buffer.concat(chunks));
      });
      response.on('end', () => finishWithStatus(Buffer.concat(chunks)));
      response.on('error', () => finishWithStatus(Buffer.concat(chunks)));
    });
    request.on('error', (error) => {
      if (status !== null) finishWithStatus(Buffer.concat(chunks));
      else finish({ ok: false, status: null, error: describeFailure(error, timeoutMs) });
    });
    request.end(payload);
  });
}
