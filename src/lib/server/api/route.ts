import type { z } from 'zod';
import type { ApiPrincipal } from '../services/access/api-keys';
import type { ServiceContext } from '../services/kernel/context';
import type { ServiceResult } from '../services/kernel/errors';

export type ApiRole = ApiPrincipal['role'];
type ApiMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a route's handler gets: the path parameters, the parsed body and query, who calls. */
export interface ApiCall<Query = Record<string, unknown>> {
  params: Record<string, string>;
  /** The JSON body as sent (an object); the service validates it with its own schema. */
  body: Record<string, unknown>;
  query: Query;
  principal: ApiPrincipal;
  context: ServiceContext;
  publicUrl: string;
}

/**
 * One route of the management API. The same table drives the router, the OpenAPI document
 * and the contract tests, so what is documented is what answers.
 */
export interface ApiRoute {
  method: ApiMethod;
  /** OpenAPI style: `/incidents/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** The least role a key needs. */
  role: ApiRole;
  /** The body it takes: the service's own input schema (documented as its input side). */
  body?: z.ZodType;
  /** Query parameters, parsed before the handler runs; every one optional. */
  query?: z.ZodObject;
  response: { status: 200 | 201 | 204; description: string; schema?: z.ZodType };
  handle(call: ApiCall): Promise<ServiceResult<unknown>>;
}

/**
 * The `{id}` the route's path captured. The router calls a route only with the parameters its
 * path names, so a route without `{id}` asking for one is a bug in the route table.
 */
export function pathId(call: Pick<ApiCall, 'params'>): string {
  const id = call.params.id;
  if (id === undefined) throw new Error('This route has no {id} in its path.');
  return id;
}

/** Declares a route; a plain identity, for the types. */
export const route = (definition: ApiRoute): ApiRoute => definition;

/** A PATCH body over the stored values: fields left out keep theirs. */
export const patched = (stored: Record<string, unknown>, body: Record<string, unknown>): Record<string, unknown> => ({
  ...stored,
  ...body,
});
