import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { idempotentRequest } from '../db/schema/automation';
import type { ServiceContext } from '../services/kernel/context';
import { problem } from './problem';

/** How long a key's first answer is kept for retries. */
const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export type Claim =
  /** First use of the key: handle the request, then `remember` its answer. */
  | { kind: 'first'; remember(status: number, body: unknown): Promise<void>; forget(): Promise<void> }
  /** A retry: answer with this, without acting again. */
  | { kind: 'answered'; response: Response };

/**
 * Claims an `Idempotency-Key` for an API key before a POST acts. The claim is a row inserted
 * first (so two concurrent retries cannot both act); a retry with the same key and request gets
 * the stored answer, one still running gets 409, and the same key with another request 422.
 */
export async function claimIdempotencyKey(
  context: ServiceContext,
  options: { apiKeyId: string; key: string; method: string; path: string; bodyText: string },
): Promise<Claim | Response> {
  if (!/^[\x21-\x7e]{1,255}$/.test(options.key))
    return problem(400, 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.');
  const fingerprint = createHash('sha256').update(`${options.method} ${options.path}\n${options.bodyText}`).digest('hex');
  const now = context.clock.now();
  const mine = and(eq(idempotentRequest.apiKeyId, options.apiKeyId), eq(idempotentRequest.key, options.key));
  // A key older than the window may be used again.
  await context.db
    .delete(idempotentRequest)
    .where(and(mine, lt(idempotentRequest.createdAt, new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS))));
  const [inserted] = await context.db
    .insert(idempotentRequest)
    .values({ apiKeyId: options.apiKeyId, key: options.key, fingerprint, createdAt: now })
    .onConflictDoNothing()
    .returning({ key: idempotentRequest.key });
  if (inserted) {
    return {
      kind: 'first',
      remember: async (status, body) => {
        await context.db
          .update(idempotentRequest)
          .set({ status, responseBody: body === null || body === undefined ? null : JSON.stringify(body) })
          .where(mine);
      },
      forget: async () => {
        await context.db.delete(idempotentRequest).where(mine);
      },
    };
  }
  const [earlier] = await context.db.select().from(idempotentRequest).where(mine);
  if (!earlier) return problem(409, 'A request with this Idempotency-Key has just been handled; send it again.');
  if (earlier.fingerprint !== fingerprint) return problem(422, 'This Idempotency-Key was already used with a different request.');
  if (earlier.status === null) return problem(409, 'A request with this Idempotency-Key is still being handled.');
  return {
    kind: 'answered',
    response: new Response(earlier.status === 204 ? null : earlier.responseBody, {
      status: earlier.status,
      headers: {
        'Content-Type': earlier.status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        'Idempotent-Replayed': 'true',
      },
    }),
  };
}
