/**
 * Failures a service expects. Pages and routes map them to HTTP statuses and form messages in
 * one place (src/lib/server/http.ts); anything else is a bug and is thrown.
 */
export type ServiceFailure =
  | { kind: 'invalid'; message: string; fieldErrors: Record<string, string> }
  | { kind: 'not_found'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'conflict'; message: string };

export type ServiceResult<T> = { ok: true; value: T } | { ok: false; failure: ServiceFailure };

export const success = <T>(value: T): ServiceResult<T> => ({ ok: true, value });
export const notFound = (message: string): ServiceResult<never> => ({ ok: false, failure: { kind: 'not_found', message } });
export const forbidden = (message: string): ServiceResult<never> => ({ ok: false, failure: { kind: 'forbidden', message } });
export const conflict = (message: string): ServiceResult<never> => ({ ok: false, failure: { kind: 'conflict', message } });
export const invalid = (fieldErrors: Record<string, string>, message = 'Please correct the highlighted fields.'): ServiceResult<never> => ({
  ok: false,
  failure: { kind: 'invalid', message, fieldErrors },
});
