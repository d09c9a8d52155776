import { statusOfFailure } from '../http';
import type { ServiceFailure } from '../services/kernel/errors';

/** One wrong field of a request body or query, by its dotted path (`components.0.status`). */
export interface ProblemField {
  field: string;
  message: string;
}

/** An RFC 9457 problem document, with the wrong fields (if any) as the `errors` extension member. */
interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: ProblemField[];
}

const titles: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Content too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A problem response. `type` stays `about:blank`: the status and title say what went wrong. */
export function problem(
  status: number,
  detail: string,
  options: { errors?: ProblemField[]; headers?: Record<string, string> } = {},
): Response {
  const body: ProblemDocument = {
    type: 'about:blank',
    title: titles[status] ?? 'Error',
    status,
    detail,
    ...(options.errors ? { errors: options.errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, 'Cache-Control': 'no-store', ...options.headers },
  });
}

/** A service's expected failure as a problem: a 422 lists each wrong field. */
export function problemOfFailure(failure: ServiceFailure): Response {
  const status = statusOfFailure(failure);
  if (failure.kind !== 'invalid') return problem(status, failure.message);
  const errors = Object.entries(failure.fieldErrors).map(([field, message]) => ({ field, message }));
  const only = errors.length === 1 ? errors[0] : undefined;
  return problem(status, only ? `${only.field}: ${only.message}` : failure.message, { errors });
}
