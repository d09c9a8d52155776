/**
 * What Herald refuses before any query: characters no text of ours may hold (PostgreSQL refuses
 * NUL in text; the other C0 controls and DEL are never typed by a person), request targets whose
 * percent-escapes are not UTF-8, and methods Herald does not answer. Pure: the middleware, the
 * public edge and the body readers (forms, JSON) all ask here.
 */

/** The methods Herald answers; any other gets 405 with this list as `Allow`. */
export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const allowedMethods = new Set<string>(ALLOWED_METHODS);

function isAllowedMethod(method: string): boolean {
  return allowedMethods.has(method.toUpperCase());
}

/** U+0000–U+0008, U+000B, U+000C, U+000E–U+001F and U+007F: every C0 control but tab, LF and CR, and DEL. */
function isForbiddenCode(code: number): boolean {
  return (code <= 0x1f && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;
}

/** Where in the text the first forbidden character is, or -1. */
export function forbiddenCharacterIndex(text: string): number {
  for (let index = 0; index < text.length; index += 1) {
    if (isForbiddenCode(text.charCodeAt(index))) return index;
  }
  return -1;
}

/** A value that was refused: which field (a dotted path, `components.0.name`; empty for the value itself) and why. */
export interface RefusedField {
  field: string;
  message: string;
}

const describe = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** How deep a tree of values may go; no input of ours nests more than a few levels. */
const MAX_DEPTH = 32;

/**
 * The first forbidden character in a value or a tree of values (objects, arrays, strings; keys
 * count too), with the dotted path of the field that holds it; null when there is none. A tree
 * nested deeper than 32 levels is refused too (walking it must not exhaust the stack).
 */
export function findForbiddenCharacter(value: unknown, path: readonly string[] = []): RefusedField | null {
  return walk(value, [...path]);
}

/** Depth-first, with one path array pushed and popped, so a wide or deep tree costs no copies. */
function walk(value: unknown, path: string[]): RefusedField | null {
  if (typeof value === 'string') {
    const index = forbiddenCharacterIndex(value);
    if (index < 0) return null;
    return { field: path.join('.'), message: `holds a control character (${describe(value.charCodeAt(index))}) that is not allowed.` };
  }
  if (typeof value !== 'object' || value === null) return null;
  if (path.length >= MAX_DEPTH) return { field: path.join('.'), message: `is nested more than ${MAX_DEPTH} levels deep.` };
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
  for (const [key, item] of entries) {
    path.push(key);
    const keyIndex = Array.isArray(value) ? -1 : forbiddenCharacterIndex(key);
    const found =
      keyIndex >= 0
        ? { field: path.join('.'), message: `is a field name with a control character (${describe(key.charCodeAt(keyIndex))}).` }
        : walk(item, path);
    path.pop();
    if (found) return found;
  }
  return null;
}

/** Why a request is refused before it reaches a page or a query. */
type RequestRefusal = { status: 405; message: string; allow: string } | { status: 400; message: string; field?: string };

/** Decodes one part of a request target; null when its percent-escapes are not UTF-8 (`%C0%AF`, `%FF`). */
function decodedPart(part: string, plusIsSpace: boolean): string | null {
  try {
    return decodeURIComponent(plusIsSpace ? part.replace(/\+/g, ' ') : part);
  } catch {
    return null;
  }
}

/**
 * The method and target (the raw, still percent-encoded path and query) of a request: a 405 for a
 * method Herald does not answer, a 400 for a control character or a broken escape in the path or
 * in a query parameter's name or value (named); null when the request may go on.
 */
export function refusalOfRequest(method: string, rawPath: string, rawQuery: string): RequestRefusal | null {
  if (!isAllowedMethod(method)) {
    return { status: 405, message: `The ${method} method is not allowed here.`, allow: ALLOWED_METHODS.join(', ') };
  }
  const path = decodedPart(rawPath, false);
  if (path === null) return { status: 400, message: 'The path holds a percent-escape that is not UTF-8.' };
  if (forbiddenCharacterIndex(path) >= 0) return { status: 400, message: 'The path holds a control character.' };
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodedPart(separator < 0 ? pair : pair.slice(0, separator), true);
    const value = separator < 0 ? '' : decodedPart(pair.slice(separator + 1), true);
    const field = name ?? 'query';
    if (name === null || value === null)
      return { status: 400, message: `The query parameter ${field} holds a percent-escape that is not UTF-8.`, field };
    // No query parameter of ours is multi-line text: tab, LF and CR are refused here too.
    if (forbiddenCharacterIndex(name) >= 0 || /[\t\n\r]/.test(name)) {
      return { status: 400, message: 'A query parameter name holds a control character.', field: 'query' };
    }
    if (forbiddenCharacterIndex(value) >= 0)
      return { status: 400, message: `The query parameter ${name} holds a control character.`, field: name };
  }
  return null;
}
