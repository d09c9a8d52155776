/**
 * Cutting text to a platform's limit, once for every platform: on a character (code point)
 * boundary, so a surrogate pair is never split, with "…" at the end. Text is escaped for the
 * platform's markup while it is measured, so an escape sequence is never cut in half and the
 * escaped result is what fits.
 */
const ELLIPSIS = '…';

/** How a platform counts: UTF-16 code units (JavaScript length) or the UTF-8 bytes of a JSON string. */
type Measure = (piece: string) => number;

const utf16Length: Measure = (piece) => piece.length;

const encoder = new TextEncoder();
const utf8Bytes = (text: string): number => encoder.encode(text).length;
/** Bytes the piece takes inside a JSON string (quotes, backslashes and control characters are escaped there). */
export const jsonBytes: Measure = (piece) =>
  /^[\x20-\x7e]*$/.test(piece) && !/["\\]/.test(piece) ? piece.length : utf8Bytes(JSON.stringify(piece)) - 2;
/** The size of a JSON body as sent. */
export const bodyBytes = (body: unknown): number => utf8Bytes(JSON.stringify(body));

interface FitOptions {
  /** Escapes one character (code point) for the platform's markup; the identity by default. */
  escape?: (character: string) => string;
  measure?: Measure;
}

interface Fitted {
  text: string;
  truncated: boolean;
}

/** The escaped text, whole when it fits in `max`, otherwise cut at a character boundary and ended with "…". */
export function fitText(text: string, max: number, options: FitOptions = {}): Fitted {
  const escape = options.escape ?? ((character: string) => character);
  const measure = options.measure ?? utf16Length;
  const pieces: string[] = [];
  let used = 0;
  for (const character of text) {
    const piece = escape(character);
    pieces.push(piece);
    used += measure(piece);
  }
  if (used <= max) return { text: pieces.join(''), truncated: false };

  const budget = max - measure(ELLIPSIS);
  let kept = '';
  let keptSize = 0;
  for (const piece of pieces) {
    const size = measure(piece);
    if (keptSize + size > budget) break;
    kept += piece;
    keptSize += size;
  }
  return { text: budget > 0 ? `${kept.trimEnd()}${ELLIPSIS}` : '', truncated: true };
}

/** Keeps the first items whose size fits in `max`; says how many were left out. */
export function fitItems<T>(items: readonly T[], max: number, sizeOf: (item: T) => number): { kept: T[]; leftOut: number } {
  const kept: T[] = [];
  let used = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (used + size > max) break;
    kept.push(item);
    used += size;
  }
  return { kept, leftOut: items.length - kept.length };
}
