import { z } from 'zod';
import { API_PREFIX, apiRoutes } from './router';
import type { ApiRoute } from './route';

type JsonSchema = Record<string, unknown>;

const checkboxConstants = new Set(['on', 'true', 'false', '']);

/**
 * The service schemas accept form posts too (a checkbox's `on`); the API documents the JSON
 * form alone: such a union is a boolean, and a date zod coerces is an ISO 8601 string.
 */
function documentAsJson(context: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const schema = context.jsonSchema;
  const options = schema.anyOf as JsonSchema[] | undefined;
  if (
    options?.some((option) => option.type === 'boolean') &&
    options.every((option) => option.type === 'boolean' || checkboxConstants.has(option.const as string))
  ) {
    delete schema.anyOf;
    schema.type = 'boolean';
  }
  const definition = (context.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def;
  if (definition?.type === 'date') Object.assign(schema, { type: 'string', format: 'date-time' });
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', override: documentAsJson }) as JsonSchema;
  return rest;
}

const problemSchema: JsonSchema = {
  type: 'object',
  description: 'An RFC 9457 problem document; `errors` lists the wrong fields of a 422.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', description: 'Dotted path, e.g. components.0.status' }, message: { type: 'string' } },
      },
    },
  },
};

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function operation(item: ApiRoute): JsonSchema {
  const pathParameters = [...item.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[a-z0-9]{1,40}$' },
  }));
  const queryParameters = item.query
    ? Object.entries(item.query.shape).map(([name, field]) => ({
        name,
        in: 'query',
        required: false,
        schema: jsonSchemaOf(field as z.ZodType, 'input'),
      }))
    : [];
  const idempotency =
    item.method === 'POST'
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Retrying with the same key and body within 24 h returns the first answer instead of acting again.',
            schema: { type: 'string', maxLength: 255 },
          },
        ]
      : [];
  const success = item.response.schema
    ? { description: item.response.description, content: { 'application/json': { schema: jsonSchemaOf(item.response.schema, 'output') } } }
    : { description: item.response.description };
  return {
    operationId: item.operationId,
    summary: item.summary,
    description: `Needs an API key with the ${item.role} role or above.`,
    tags: [item.tag],
    parameters: [...pathParameters, ...queryParameters, ...idempotency],
    ...(item.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(item.body, 'input') } } } }
      : {}),
    responses: {
      [String(item.response.status)]: success,
      '400': problemResponse('The body is not a JSON object'),
      '401': problemResponse('No key, or an unknown, revoked or expired one'),
      '403': problemResponse('The key lacks the role'),
      ...(pathParameters.length > 0 ? { '404': problemResponse('No such resource') } : {}),
      ...(item.method !== 'GET' ? { '409': problemResponse('Not possible in its current state, or an Idempotency-Key still in use') } : {}),
      ...(item.method === 'POST' || item.method === 'PATCH'
        ? { '413': problemResponse('The body is larger than 1 MiB'), '415': problemResponse('The body is not sent as application/json') }
        : {}),
      '422': problemResponse('A field is wrong; `errors` names it'),
      '429': problemResponse('Over the key’s rate limit; see Retry-After'),
    },
  };
}

/** The OpenAPI 3.1 document of the management API, built from the same route table the router uses. */
export function openApiDocument(publicUrl: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const item of apiRoutes) {
    const operations = (paths[item.path] ??= {});
    operations[item.method.toLowerCase()] = operation(item);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald management API',
      version: '1',
      description:
        'Run the status page from scripts and monitoring: components, incidents (the communication plan applies as in the admin), maintenance, subscribers and settings. Every write is audited under the API key’s name.',
    },
    servers: [{ url: `${publicUrl}${API_PREFIX}` }],
    security: [{ bearerKey: [] }],
    tags: [...new Set(apiRoutes.map((item) => item.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from /admin/api-keys or `npm run herald -- apikey create`: herald_<id>.<secret>',
        },
      },
      schemas: { Problem: problemSchema },
    },
  };
}
