/**
 * Hostile values for every form field, API body field, query parameter and path id, driven from
 * the management API's route table and the form handlers in src/forms (their fields read from
 * their own source). Each request goes the way the real stack sends it: the middleware's decision
 * on the target (refuseRequest), then the router or handleForm (or the public form's function),
 * whose readers refuse what the hostile-input rule refuses. Nothing may throw (a 500) or answer
 * 5xx, and a request refused before any query leaves every table as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AstroCookies } from 'astro';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleForm, type FormHandler, type FormRequest } from '../../src/forms/form';
import { API_PREFIX, apiRoutes, handleApiRequest } from '../../src/lib/server/api/router';
import { rowsOf } from '../../src/lib/server/db/client';
import { user } from '../../src/lib/server/db/schema';
import { refusedInputResponse, refuseRequest } from '../../src/lib/server/refused-request';
import { createApiKey } from '../../src/lib/server/services/access/api-keys';
import { expectOk, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const ORIGIN = 'http://herald.test';
const silent = pino({ level: 'silent' });

/** Hostile text, as a person (or a script) would type or encode it into a form or query. */
const hostileText: { label: string; encoded: string }[] = [
  ...['\u0000', 'a\u0000b', '\u0001', '\u001b[31m', '\u000b', '\u007f'].map((value) => ({
    label: `control ${JSON.stringify(value)}`,
    encoded: encodeURIComponent(value),
  })),
  { label: 'invalid UTF-8 %C0%AF', encoded: '%C0%AF' },
  { label: 'invalid UTF-8 %FF', encoded: '%FF' },
  { label: 'lone surrogate escape', encoded: '%ED%A0%80' },
  ...[
    'a'.repeat(20_000),
    '1e309',
    '99999999999999999999999999',
    '-1',
    'NaN',
    "' OR 1=1 --",
    '"; DROP TABLE incident; --',
    '"><img src=x onerror=alert(1)>',
    '🚨🔥👩‍💻',
    '\u202eevil\u202c',
    '\u200f\u200e',
    '   ',
    '',
    '{"__proto__":{"x":1}}',
    '../../etc/passwd',
    'line\r\nInjected-Header: 1',
  ].map((value) => ({ label: value.length > 40 ? `overlong ${value.length}` : JSON.stringify(value), encoded: encodeURIComponent(value) })),
];

/** Ways to break a form's shape: the field as an array, as a nested object, prototype keys, a body over the limit. */
const hostileShapes: { label: string; body: (field: string) => string }[] = [
  { label: 'array', body: (field) => `${field}=a&${field}=b&${field}=%00` },
  { label: 'nested object', body: (field) => `${field}.a=1&${field}.b.c=2` },
  { label: '__proto__ key', body: (field) => `__proto__.${field}=1&${field}.__proto__.polluted=1&constructor.prototype.${field}=1` },
  { label: 'NUL in the field name', body: (field) => `${field}%00=1` },
];
const OVER_THE_FORM_LIMIT = `padding=${'a'.repeat(300 * 1024)}`;

/** Hostile JSON values for an API body field. */
const hostileJson: { label: string; value: unknown }[] = [
  ...hostileText.map(({ label, encoded }) => {
    let value: string;
    try {
      value = decodeURIComponent(encoded);
    } catch {
      value = '\ufffd';
    }
    return { label, value };
  }),
  { label: 'huge number', value: 1e308 },
  { label: '2^64', value: 18446744073709551616 },
  { label: 'negative', value: -1 },
  { label: 'fraction', value: 0.5 },
  { label: 'null', value: null },
  { label: 'boolean', value: true },
  { label: 'array of strings', value: ['a', 'b'] },
  { label: 'array with NUL', value: ['ok', '\u0000'] },
  { label: 'nested object', value: { a: { b: { c: [1, { d: '\u0000' }] } } } },
  { label: 'deep nesting', value: JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown },
  { label: 'object', value: { id: 'x' } },
];

const counts = new Map<string, number>();
const count = (surface: string) => counts.set(surface, (counts.get(surface) ?? 0) + 1);
const started = performance.now();

/** Every table's row count, in one query. */
let tables: string[] = [];
async function rowCounts(): Promise<string> {
  const select = tables.map((name) => `(select count(*) from "public"."${name}")::int as "${name}"`).join(', ');
  return JSON.stringify(rowsOf(await context.db.execute(sql.raw(`select ${select}`)))[0]);
}

/** A status, or the refusal the middleware would send for what the page threw; anything else is a 500. */
async function statusOf(run: () => Promise<unknown>, pathname: string): Promise<{ status: number; refusedEarly: boolean }> {
  try {
    const outcome = await run();
    if (outcome instanceof Response) return { status: outcome.status, refusedEarly: false };
    if (typeof outcome === 'object' && outcome !== null && 'status' in outcome && typeof outcome.status === 'number') {
      return { status: outcome.status, refusedEarly: false };
    }
    return { status: 200, refusedEarly: false };
  } catch (error) {
    const refused = refusedInputResponse(error, pathname, 'fuzz');
    if (!refused) throw new Error(`${pathname} threw (a 500): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    return { status: refused.status, refusedEarly: true };
  }
}

/** The row counts as of the last case that may have written; null when one may have since. */
let baseline: string | null = null;

/** Runs one case: no 5xx, and a request refused before any query changed no row. */
async function expectSafe(surface: string, label: string, pathname: string, run: () => Promise<unknown>): Promise<void> {
  count(surface);
  baseline ??= await rowCounts();
  const { status, refusedEarly } = await statusOf(run, pathname);
  expect(status, `${surface}: ${label}`).toBeLessThan(500);
  if (refusedEarly) expect(await rowCounts(), `${surface}: ${label} wrote`).toBe(baseline);
  else baseline = null;
}

function cookieJar(): AstroCookies {
  const values = new Map<string, string>();
  return {
    set: (name: string, value: string) => void values.set(name, value),
    get: (name: string) => (values.has(name) ? { value: values.get(name) } : undefined),
    has: (name: string) => values.has(name),
    delete: (name: string) => void values.delete(name),
  } as unknown as AstroCookies;
}

const OWNER = { id: 'fuzz-owner', email: 'owner@example.com', name: 'Fuzz Owner', role: 'owner' as const };

function formRequest(pathname: string, body: string, signedIn: boolean): FormRequest {
  return {
    request: new Request(`${ORIGIN}${pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body,
    }),
    locals: {
      context,
      requestId: 'fuzz',
      clientAddress: '203.0.113.7',
      clientKey: '203.0.113.7',
      publicUrl: 'https://status.example.com',
      user: signedIn ? OWNER : null,
      sessionId: signedIn ? 'fuzz-session' : null,
      sessionVerifiedAt: signedIn ? clock.now() : null,
      notice: null,
    },
    cookies: cookieJar(),
    redirect: (location, status = 302) => new Response(null, { status, headers: { Location: location } }),
  };
}

/** The field names a form module reads: `values.x`, `fieldText(values, 'x')` and the like, from its source. */
function fieldsOf(source: string): string[] {
  const fields = new Set<string>();
  for (const match of source.matchAll(/values(?:\?)?\.([a-zA-Z]\w*)/g)) fields.add(match[1] ?? '');
  for (const match of source.matchAll(/\(values, '([a-zA-Z][\w.]*)'/g)) fields.add(match[1] ?? '');
  fields.delete('');
  fields.delete('intent');
  return [...fields];
}

const formsDirectory = path.resolve(import.meta.dirname, '../../src/forms');
const isHandler = (value: unknown): value is FormHandler<unknown> =>
  typeof value === 'object' && value !== null && 'role' in value && 'run' in value && typeof value.run === 'function';

/** Every FormHandler in src/forms (a factory is given an id no row has), with the fields its module reads. */
async function formHandlers(): Promise<{ name: string; handler: FormHandler<unknown>; fields: string[] }[]> {
  const found: { name: string; handler: FormHandler<unknown>; fields: string[] }[] = [];
  for (const file of fs.readdirSync(formsDirectory).filter((name) => name.endsWith('.ts') && name !== 'form.ts' && name !== 'posted.ts')) {
    const fields = fieldsOf(fs.readFileSync(path.join(formsDirectory, file), 'utf8'));
    const module = (await import(path.join(formsDirectory, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      const handler =
        typeof value === 'function' && /^[a-z]\w*Form$/.test(name) && value.constructor.name !== 'AsyncFunction'
          ? (value as (...ids: string[]) => unknown)('zzfuzz', 'zzfuzz')
          : value;
      if (isHandler(handler)) found.push({ name: `${file}:${name}`, handler, fields });
    }
  }
  return found;
}

let adminToken: string;
beforeAll(async () => {
  const result = await context.db.execute(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  tables = rowsOf(result)
    .map((row) => String(row.table_name))
    .sort();
  await context.db.insert(user).values({ ...OWNER, createdAt: clock.now() });
  adminToken = expectOk(await createApiKey(context, testActor, { name: 'fuzz-bot', role: 'admin' })).token;
});

afterAll(() => {
  const total = [...counts.values()].reduce((sum, value) => sum + value, 0);
  const lines = [...counts.entries()].map(([surface, value]) => `  ${surface}: ${value}`);
  console.log(`hostile-input fuzz: ${total} cases in ${Math.round(performance.now() - started)} ms\n${lines.join('\n')}`);
});

describe('hostile input fuzz', () => {
  it('staff forms: every handler, every field it reads, every hostile value and shape', { timeout: 60_000 }, async () => {
    const handlers = await formHandlers();
    expect(handlers.length).toBeGreaterThan(30);
    for (const { name, handler, fields } of handlers) {
      const run = (body: string) => () => handleForm(formRequest('/admin/fuzz', `intent=fuzz&${body}`, true), { fuzz: handler });
      // Every field at once with each value: whatever each field's validator makes of it.
      for (const { label, encoded } of hostileText) {
        await expectSafe('staff form', `${name} ${label}`, '/admin/fuzz', run(fields.map((field) => `${field}=${encoded}`).join('&')));
      }
      // Each field alone with NUL; each broken shape in every field at once.
      for (const field of fields) await expectSafe('staff form', `${name} ${field} NUL`, '/admin/fuzz', run(`${field}=%00`));
      for (const shape of hostileShapes) {
        await expectSafe('staff form', `${name} ${shape.label}`, '/admin/fuzz', run(fields.map((field) => shape.body(field)).join('&')));
      }
      await expectSafe('staff form', `${name} over 256 KB`, '/admin/fuzz', run(OVER_THE_FORM_LIMIT));
    }
  });

  it('public and sign-in forms: every field, every hostile value and shape', async () => {
    const { signIn } = await import('../../src/forms/sign-in');
    const { subscribe } = await import('../../src/forms/subscriptions');
    const { requestReset } = await import('../../src/forms/password-recovery');
    const { setUpOwner } = await import('../../src/forms/auth');
    const { registerWebhookFromForm } = await import('../../src/forms/webhooks');
    const { confirmChatFromForm, registerChatFromForm } = await import('../../src/forms/chat-subscriptions');
    const forms: { pathname: string; file: string; post: (astro: FormRequest) => Promise<unknown> }[] = [
      { pathname: '/login', file: 'sign-in.ts', post: (astro) => signIn(astro, null) },
      { pathname: '/subscribe', file: 'subscriptions.ts', post: subscribe },
      { pathname: '/forgot-password', file: 'password-recovery.ts', post: requestReset },
      { pathname: '/setup', file: 'auth.ts', post: setUpOwner },
      { pathname: '/webhooks', file: 'webhooks.ts', post: registerWebhookFromForm },
      { pathname: '/subscribe', file: 'chat-subscriptions.ts', post: registerChatFromForm },
      { pathname: '/subscribe', file: 'chat-subscriptions.ts', post: confirmChatFromForm },
    ];
    for (const { pathname, file, post } of forms) {
      const fields = [...new Set([...fieldsOf(fs.readFileSync(path.join(formsDirectory, file), 'utf8')), 'email', 'password'])];
      const run = (body: string) => () => post(formRequest(pathname, body, false));
      for (const { label, encoded } of hostileText) {
        await expectSafe('public form', `${pathname} ${label}`, pathname, run(fields.map((field) => `${field}=${encoded}`).join('&')));
      }
      for (const field of fields) {
        await expectSafe('public form', `${pathname} ${field} NUL`, pathname, run(`${field}=%00`));
        for (const shape of hostileShapes)
          await expectSafe('public form', `${pathname} ${field} ${shape.label}`, pathname, run(shape.body(field)));
      }
      await expectSafe('public form', `${pathname} over 256 KB`, pathname, run(OVER_THE_FORM_LIMIT));
    }
  });

  const api = (method: string, target: string, body?: string) => async () => {
    const url = new URL(`${ORIGIN}${target}`);
    // The middleware speaks first, as in the real stack.
    const refused = refuseRequest(method, url, 'fuzz');
    if (refused) return refused;
    const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await handleApiRequest(new Request(url, { method, headers, body: body ?? null }), {
      path: url.pathname.slice(API_PREFIX.length) || '/',
      context,
      publicUrl: 'https://status.example.com',
      limitPerMinute: 1_000_000,
      log: silent,
    });
    if (response.status === 422 || response.status === 413 || response.status === 400) {
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    return response;
  };

  const concrete = (routePath: string, id: string) => `${API_PREFIX}${routePath.replace(/\{\w+\}/g, id)}`;
  const fieldsOfSchema = (schema: z.ZodType | undefined): string[] => {
    const inner = schema as { shape?: Record<string, unknown> } | undefined;
    return inner?.shape ? Object.keys(inner.shape) : [];
  };

  it('management API: every body field of every route', { timeout: 60_000 }, async () => {
    for (const route of apiRoutes.filter((item) => item.method === 'POST' || item.method === 'PATCH')) {
      const target = concrete(route.path, 'zzfuzz');
      const fields = [...fieldsOfSchema(route.body), 'name'];
      // Every field at once with each value: whatever each field's validator makes of it.
      for (const { label, value } of hostileJson) {
        const body = Object.fromEntries(fields.map((field) => [field, value]));
        await expectSafe('API body', `${route.method} ${route.path} ${label}`, target, api(route.method, target, JSON.stringify(body)));
      }
      for (const field of fields) {
        await expectSafe(
          'API body',
          `${route.path} ${field} NUL`,
          target,
          api(route.method, target, JSON.stringify({ [field]: 'x\u0000' })),
        );
        await expectSafe(
          'API body',
          `${route.path} ${field} __proto__`,
          target,
          api(route.method, target, `{"__proto__":{"${field}":"x"},"${field}":{"__proto__":{"polluted":true}}}`),
        );
      }
      for (const raw of [
        '[]',
        '"text"',
        '{',
        '{"a":"\\u0000"}',
        `{"a":"${'b'.repeat(1024 * 1024)}"}`,
        `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      ]) {
        await expectSafe('API body', `${route.path} raw ${raw.slice(0, 12)}`, target, api(route.method, target, raw));
      }
    }
  });

  it('management API: every query parameter and every path id', async () => {
    for (const route of apiRoutes) {
      // Routes without a query of their own ignore it; one unknown parameter is enough there.
      for (const field of route.query ? fieldsOfSchema(route.query) : ['unknown']) {
        for (const { label, encoded } of hostileText) {
          const target = `${concrete(route.path, 'zzfuzz')}?${field}=${encoded}`;
          await expectSafe(
            'API query',
            `${route.path} ${field} ${label}`,
            target,
            api(
              route.method === 'GET' ? 'GET' : route.method,
              target,
              route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
            ),
          );
        }
      }
      if (!route.path.includes('{')) continue;
      for (const { label, encoded } of hostileText) {
        const target = concrete(route.path, encoded);
        await expectSafe(
          'API path id',
          `${route.method} ${route.path} ${label}`,
          target,
          api(route.method, target, route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}'),
        );
      }
    }
  });

  it('page paths and queries: the middleware decides before any page runs', async () => {
    const targets = [
      '/incidents/{id}',
      '/maintenance/{id}',
      '/history?component={id}',
      '/history?page={id}',
      '/components/{id}',
      '/subscription/{id}',
      '/unsubscribe/{id}',
      '/admin/incidents/{id}',
      '/login?next={id}',
    ];
    for (const template of targets) {
      for (const { label, encoded } of hostileText) {
        const url = new URL(`${ORIGIN}${template.replace('{id}', encoded)}`);
        count('page path/query');
        const refused = refuseRequest('GET', url, 'fuzz');
        if (refused) expect(refused.status, `${template} ${label}`).toBe(400);
        if (/^control/.test(label) || label.startsWith('invalid')) expect(refused?.status, `${template} ${label}`).toBe(400);
      }
    }
  });
});
