/**
 * The HTTP rules Herald's public edge and its JSON API share: conditional requests (RFC 9110
 * §13.1.2) and content-coding negotiation (§12.5.3). Pure, and bounded on hostile input: a header
 * is read only up to a fixed number of entries.
 */

/** How many entity tags of an If-None-Match list are looked at; a longer list is cut there. */
const MAX_LISTED_TAGS = 64;
/** Content codings Herald sends, best first. */
export type ContentCoding = 'br' | 'gzip' | 'identity';

/** The opaque part of an entity tag, without `W/`, for the weak comparison. */
function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/**
 * Whether If-None-Match matches one of the current representation's tags: `*` matches any,
 * otherwise any listed tag equal to one of ours under the weak comparison (`W/"x"` matches `"x"`).
 */
export function ifNoneMatchMatches(header: string | null | undefined, entityTags: string | readonly string[]): boolean {
  if (header === null || header === undefined || header === '') return false;
  if (header.trim() === '*') return true;
  const ours = (typeof entityTags === 'string' ? [entityTags] : entityTags).map(opaqueTag);
  let looked = 0;
  // Entity tags may hold commas inside their quotes, so the list is read tag by tag.
  for (const match of header.matchAll(/(?:W\/)?"[^"]*"/g)) {
    if (ours.includes(opaqueTag(match[0]))) return true;
    looked += 1;
    if (looked >= MAX_LISTED_TAGS) return false;
  }
  return false;
}

const PREFERENCE: readonly ContentCoding[] = ['br', 'gzip'];
/** Accept-Encoding values seen, with their answer; real clients send a handful of distinct ones. */
const negotiated = new Map<string, ContentCoding>();
const MAX_REMEMBERED = 256;
/** Past this length a header is not a browser's: it gets the identity coding, unparsed. */
const MAX_HEADER_LENGTH = 512;

/**
 * The coding to answer with for an Accept-Encoding header: brotli, else gzip, when the client
 * accepts it with a non-zero weight (directly or through `*`); otherwise the identity.
 */
export function preferredCoding(acceptEncoding: string | null | undefined): ContentCoding {
  if (!acceptEncoding || acceptEncoding.length > MAX_HEADER_LENGTH) return 'identity';
  const known = negotiated.get(acceptEncoding);
  if (known) return known;
  const coding = negotiate(acceptEncoding);
  if (negotiated.size >= MAX_REMEMBERED) negotiated.clear();
  negotiated.set(acceptEncoding, coding);
  return coding;
}

function negotiate(header: string): ContentCoding {
  const weights = new Map<string, number>();
  for (const part of header.split(',', 32)) {
    const [rawName = '', ...parameters] = part.split(';');
    const name = rawName.trim().toLowerCase();
    if (!name) continue;
    let weight = 1;
    for (const parameter of parameters) {
      const [key, value] = parameter.split('=').map((text) => text.trim().toLowerCase());
      if (key === 'q') weight = value !== undefined && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0;
    }
    weights.set(name, weight);
  }
  const wildcard = weights.get('*');
  let best: ContentCoding = 'identity';
  let bestWeight = 0;
  for (const coding of PREFERENCE) {
    const weight = weights.get(coding) ?? (coding === 'gzip' ? weights.get('x-gzip') : undefined) ?? wildcard ?? 0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/** Whether a body of this media type shrinks when compressed (text, JSON, XML, SVG, scripts). */
export function isCompressible(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'image/svg+xml' ||
    type === 'application/javascript' ||
    type === 'application/manifest+json' ||
    /^application\/([a-z0-9.+-]+\+)?(json|xml)$/.test(type)
  );
}
