import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, hostOf, vetHost, WebhookTargetError, type Resolver, type TargetPolicy } from './webhook-targets';

/**
 * Herald's one outbound HTTP client, for webhook subscribers and the team's contact webhooks
 * alike: a JSON POST to a vetted address (checked before the request and again by the socket's
 * own lookup), no redirects followed, a deadline, and at most a few bytes of the answer read.
 * Handlers get it from the worker's dependencies, so tests can hand in their own.
 */
export interface OutboundHttp {
  post(request: OutboundRequest): Promise<PostOutcome>;
}

interface OutboundRequest {
  /** An http: or https: URL; which of them a caller accepts is its own URL rule's business. */
  url: string;
  /** JSON, sent as it is. */
  body: string;
  /** Sent besides Content-Type and Content-Length. */
  headers: Record<string, string>;
  policy: TargetPolicy;
}

/** A failure with an answer carries its first bytes and Retry-After, for callers that read them (chat platforms). */
export type PostOutcome =
  { ok: true; status: number } | { ok: false; status: number | null; error: string; answer?: { body: string; retryAfter: string | null } };

export interface GuardedHttpOptions {
  /** A receiver must answer within this long (the webhook contract allows 30 s; Herald asks 10). */
  timeoutMs?: number;
  /** Extra certificate authorities to trust (PEM); tests use one for their local receiver. */
  ca?: string;
  /**
   * For tests only: resolves host names instead of the system's DNS, so a test can send to
   * https://hooks.slack.com/... and land on its local receiver. What it returns is vetted by the
   * same private-address rules (a test allows private targets in its policy).
   */
  resolve?: Resolver;
}

/** Of an answer's body, only this much is read (for the error message); the rest is dropped. */
const MAX_ANSWER_BYTES = 1024;
const MAX_ERROR_LENGTH = 500;

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
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT') || /certificate|tls|ssl/i.test(message))
    return `TLS error: ${message}`.slice(0, MAX_ERROR_LENGTH);
  return message.slice(0, MAX_ERROR_LENGTH);
}

/** A short, single-line view of what the receiver said, for the error message. */
function snippetOf(bytes: Buffer): string {
  const text = bytes.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function outcomeOf(status: number, answer: Buffer, retryAfter: string | null): PostOutcome {
  if (status >= 200 && status <= 299) return { ok: true, status };
  const said = snippetOf(answer);
  const what =
    status >= 300 && status <= 399 ? `HTTP ${status}, a redirect (Herald does not follow redirects: give the final URL)` : `HTTP ${status}`;
  return {
    ok: false,
    status,
    error: `The receiver answered ${what}${said ? `: ${said}` : '.'}`,
    answer: { body: answer.toString('utf8'), retryAfter },
  };
}

/**
 * The guarded client. A 2xx is success; anything else (3xx included: redirects are never
 * followed), no answer within the deadline, or a refused target is a failure, described in words.
 */
export function guardedHttpClient(options: GuardedHttpOptions = {}): OutboundHttp {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async post(outbound) {
      let target: URL;
      try {
        target = new URL(outbound.url);
      } catch {
        return { ok: false, status: null, error: 'The URL is not a valid URL.' };
      }
      if (target.protocol !== 'https:' && target.protocol !== 'http:')
        return { ok: false, status: null, error: `Herald does not POST to ${target.protocol} URLs.` };
      const host = hostOf(target);
      try {
        // Checked here for IP literals (Node looks nothing up for them) and for a clear message;
        // the lookup below checks again what the socket really connects to.
        await vetHost(host, outbound.policy, options.resolve);
      } catch (error) {
        return { ok: false, status: null, error: describeFailure(error, timeoutMs) };
      }
      const payload = Buffer.from(outbound.body, 'utf8');
      const secure = target.protocol === 'https:';

      return new Promise<PostOutcome>((resolve) => {
        let settled = false;
        let status: number | null = null;
        const chunks: Buffer[] = [];
        let received = 0;
        let retryAfter: string | null = null;
        const finish = (outcome: PostOutcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          request.destroy();
          resolve(outcome);
        };
        /** Once a status line came, whatever follows ends in an outcome of that status. */
        const answered = (code: number) => finish(outcomeOf(code, Buffer.concat(chunks), retryAfter));

        const request = (secure ? httpsRequest : httpRequest)({
          hostname: host,
          port: target.port || (secure ? 443 : 80),
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: { ...outbound.headers, 'Content-Type': 'application/json', 'Content-Length': String(payload.length) },
          lookup: guardedLookup(outbound.policy, options.resolve),
          // A fresh connection each time: a pooled socket could outlive the address check.
          agent: false,
          ...(secure && options.ca ? { ca: options.ca } : {}),
        });
        const timer = setTimeout(() => {
          if (status !== null) answered(status);
          else finish({ ok: false, status: null, error: describeFailure(new DeadlineError(), timeoutMs) });
        }, timeoutMs);

        request.on('response', (response) => {
          const code = response.statusCode ?? 0;
          status = code;
          retryAfter = response.headers['retry-after'] ?? null;
          // A 2xx is all Herald needs: its body is never read.
          if (code >= 200 && code <= 299) return answered(code);
          response.on('data', (chunk: Buffer) => {
            const room = MAX_ANSWER_BYTES - received;
            if (room > 0) chunks.push(chunk.subarray(0, room));
            received += chunk.length;
            if (received >= MAX_ANSWER_BYTES) answered(code);
          });
          response.on('end', () => answered(code));
          response.on('error', () => answered(code));
        });
        request.on('error', (error) => {
          if (status !== null) answered(status);
          else finish({ ok: false, status: null, error: describeFailure(error, timeoutMs) });
        });
        request.end(payload);
      });
    },
  };
}

/** The client Herald's workers use unless told otherwise. */
export const guardedHttp: OutboundHttp = guardedHttpClient();
