/**
 * A refusal for too many attempts, beside a service's ordinary result: the caller answers it
 * with 429 and the wait, never with a field error.
 */
export interface Throttled {
  ok: false;
  throttled: { message: string; retryAfterSeconds: number };
}

/** `what` says what there were too many of, as a sentence: "Too many wrong setup tokens from your network." */
export function throttled(what: string, retryAfterSeconds: number): Throttled {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return { ok: false, throttled: { message: `${what} Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, retryAfterSeconds } };
}
