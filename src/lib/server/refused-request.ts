import { refusalOfRequest } from '../domain/hostile-input';
import { problem } from './api/problem';
import { renderErrorPage } from './error-page';
import { isBodyLimitError, RefusedInput } from './request-body';

/** The management API and the intake answer problem+json, whatever went wrong; pages answer HTML. */
const API_PATHS = /^\/api(\/|$)/;

/** The answer to a refused or failed request, in the shape its path speaks. */
function answer(pathname: string, status: number, requestId: string, detail?: string): Response {
  if (API_PATHS.test(pathname)) {
    return problem(status, detail ?? `Herald could not complete this request (reference ${requestId}).`);
  }
  return renderErrorPage(status, requestId, detail);
}

/**
 * The middleware's first word: a method Herald does not answer (405 with Allow), or a control
 * character or a broken percent-escape in the path or the query (400), before a session or the
 * database is touched. Null when the request may go on.
 */
export function refuseRequest(method: string, url: URL, requestId: string): Response | null {
  const refusal = refusalOfRequest(method, url.pathname, url.search);
  if (!refusal) return null;
  const response = answer(url.pathname, refusal.status, requestId, refusal.message);
  if (refusal.status === 405) response.headers.set('Allow', refusal.allow);
  return response;
}

/**
 * What a request that threw answers: a body refused while it was read (too large, or a field with
 * a control character) says so with its 4xx; anything else is a 500, or a 503 while the database
 * cannot be reached. Null for the unexpected case, so the caller logs it.
 */
export function refusedInputResponse(error: unknown, pathname: string, requestId: string): Response | null {
  if (error instanceof RefusedInput) return answer(pathname, error.status, requestId, error.message);
  if (isBodyLimitError(error)) return answer(pathname, 413, requestId, 'The body is larger than this server accepts.');
  return null;
}

/** The answer to an unexpected failure: 500, or 503 with Retry-After while the database cannot be reached. */
export function failureResponse(pathname: string, requestId: string, databaseReady: boolean): Response {
  if (databaseReady) return answer(pathname, 500, requestId);
  const unavailable = answer(pathname, 503, requestId, API_PATHS.test(pathname) ? 'The database cannot be reached just now.' : undefined);
  unavailable.headers.set('Retry-After', '5');
  return unavailable;
}
