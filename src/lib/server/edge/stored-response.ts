import { createHash } from 'node:crypto';
import type http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ifNoneMatchMatches, isCompressible, preferredCoding, type ContentCoding } from '../../domain/http-caching';
import { FRESH_UNTIL_HEADER } from '../http';
import type { CapturedResponse } from './captured-response';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
/** Below this a compressed body saves less than its headers cost. */
const MIN_COMPRESSED_SIZE = 256;

/** One body in one coding, with the headers that go with it, ready for `writeHead`. */
interface Representation {
  body: Buffer;
  entityTag: string;
  headers: http.OutgoingHttpHeaders;
}

/** A finished answer: the same content in each coding the edge sends, rendered once. */
export interface StoredResponse {
  status: number;
  representations: Partial<Record<ContentCoding, Representation>> & { identity: Representation };
  /** The tags of all codings: holding any of them means holding this content. */
  entityTags: string[];
  /** Headers a 304 repeats (RFC 9110 §15.4.5). */
  notModifiedHeaders: http.OutgoingHttpHeaders;
  /** Epoch ms. */
  renderedAt: number;
  freshUntil: number;
}

/** Headers the site sets for the edge, or per request, that a stored answer must not repeat. */
const NOT_STORED = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'date',
  'etag',
  'x-request-id',
  FRESH_UNTIL_HEADER.toLowerCase(),
]);

/** A strong entity tag: the SHA-256 of the exact bytes, base64url, quoted. */
export function entityTagOf(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}

/** Compresses a captured answer once into every coding worth sending, and prepares its headers. */
export async function storeResponse(captured: CapturedResponse, renderedAt: number, freshUntil: number): Promise<StoredResponse> {
  const common: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(captured.headers)) if (!NOT_STORED.has(name)) common[name] = value;
  const identityTag = entityTagOf(captured.body);
  const compressible = isCompressible(headerText(captured.headers['content-type'])) && captured.body.length >= MIN_COMPRESSED_SIZE;
  if (compressible) common.vary = withVary(headerText(common.vary), 'Accept-Encoding');

  const representation = (body: Buffer, coding: ContentCoding): Representation => {
    const entityTag = coding === 'identity' ? identityTag : identityTag.replace(/"$/, coding === 'br' ? '-br"' : '-gz"');
    const headers: http.OutgoingHttpHeaders = { ...common, etag: entityTag, 'content-length': body.length };
    if (coding !== 'identity') headers['content-encoding'] = coding;
    return { body, entityTag, headers };
  };
  const representations: StoredResponse['representations'] = { identity: representation(captured.body, 'identity') };
  if (compressible) {
    const [br, gz] = await Promise.all([
      brotli(captured.body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 10,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: captured.body.length,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        },
      }),
      gzip(captured.body, { level: 9 }),
    ]);
    representations.br = representation(br, 'br');
    representations.gzip = representation(gz, 'gzip');
  }
  const notModifiedHeaders: http.OutgoingHttpHeaders = {};
  for (const name of [
    'cache-control',
    'vary',
    'expires',
    'content-location',
    'access-control-allow-origin',
    'access-control-expose-headers',
  ]) {
    if (common[name] !== undefined) notModifiedHeaders[name] = common[name];
  }
  return {
    status: captured.status,
    representations,
    entityTags: Object.values(representations).map((item) => item.entityTag),
    notModifiedHeaders,
    renderedAt,
    freshUntil,
  };
}

/**
 * Sends a stored answer: 304 when the client holds it, else the coding it prefers, without a
 * body for HEAD. `extra` headers (Herald-Stale) are added to this one answer.
 */
export function sendStored(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  stored: StoredResponse,
  extra?: http.OutgoingHttpHeaders,
): void {
  const coding = preferredCoding(req.headers['accept-encoding']);
  const chosen = stored.representations[coding] ?? stored.representations.identity;
  if (stored.status === 200 && ifNoneMatchMatches(req.headers['if-none-match'], stored.entityTags)) {
    res.writeHead(304, { ...stored.notModifiedHeaders, etag: chosen.entityTag, ...extra });
    res.end();
    return;
  }
  res.writeHead(stored.status, extra ? { ...chosen.headers, ...extra } : chosen.headers);
  if (req.method === 'HEAD') res.end();
  else res.end(chosen.body);
}

/** Compresses one answer on the fly for a client that accepts it (admin pages, the management API…). */
export async function sendCompressed(req: http.IncomingMessage, res: http.ServerResponse, captured: CapturedResponse): Promise<void> {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(captured.headers))
    if (name !== 'content-length' && name !== 'transfer-encoding') headers[name] = value;
  let body = captured.body;
  const coding = preferredCoding(req.headers['accept-encoding']);
  const worthIt =
    coding !== 'identity' &&
    body.length >= MIN_COMPRESSED_SIZE &&
    captured.headers['content-encoding'] === undefined &&
    captured.status !== 204 &&
    captured.status !== 304 &&
    isCompressible(headerText(captured.headers['content-type']));
  if (worthIt) {
    body =
      coding === 'br'
        ? await brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
        : await gzip(body, { level: 6 });
    headers['content-encoding'] = coding;
    // The tag named the uncompressed bytes; the compressed ones get their own (RFC 9110 §8.8.3).
    const tag = headerText(headers.etag);
    if (tag) headers.etag = tag.replace(/"$/, coding === 'br' ? '-br"' : '-gz"');
  }
  if (isCompressible(headerText(captured.headers['content-type']))) headers.vary = withVary(headerText(headers.vary), 'Accept-Encoding');
  // A HEAD answer has no body to measure: it keeps the length the site gave, if any.
  if (req.method !== 'HEAD') headers['content-length'] = body.length;
  else if (captured.headers['content-length'] !== undefined && !worthIt)
    headers['content-length'] = headerText(captured.headers['content-length']);
  res.writeHead(captured.status, headers);
  if (req.method === 'HEAD' || captured.status === 204 || captured.status === 304) res.end();
  else res.end(body);
}

function headerText(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function withVary(existing: string | undefined, name: string): string {
  if (!existing) return name;
  return existing
    .toLowerCase()
    .split(',')
    .map((item) => item.trim())
    .includes(name.toLowerCase())
    ? existing
    : `${existing}, ${name}`;
}
