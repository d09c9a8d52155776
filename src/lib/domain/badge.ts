/**
 * A status badge as SVG, in the two-part style README badges use: a grey label on the left
 * ("status"), the state on the right ("All Systems Operational") on the colour of its tone.
 * Pure: strings in, SVG out. Every piece of text is XML-escaped.
 */
import { xmlEscape } from './feeds';
import type { Indicator } from './rollup';
import type { ComponentStatus } from './statuses';
import { toneOfComponentStatus, toneOfIndicator, type Tone } from './tones';

/** Fill of each tone: white 11 px text on each has a contrast ratio of at least 4.5:1. */
export const badgeColours: Record<Tone, string> = {
  ok: '#15803d',
  degraded: '#a16207',
  partial: '#c2410c',
  major: '#b91c1c',
  maintenance: '#1d4ed8',
};
export const BADGE_LABEL_COLOUR = '#555555';

export function badgeColourOfIndicator(indicator: Indicator): string {
  return badgeColours[toneOfIndicator(indicator)];
}

export function badgeColourOfComponentStatus(status: ComponentStatus): string {
  return badgeColours[toneOfComponentStatus(status)];
}

/** The longest label `?label=` may ask for. */
export const MAX_BADGE_LABEL = 40;

/**
 * A label asked for in the query: trimmed, 1 to 40 characters, no control characters.
 * `null` when none was given; `{ error }` when the one given is unusable.
 */
export function parseBadgeLabel(value: string | null): { label: string | null } | { error: string } {
  if (value === null) return { label: null };
  const label = value.trim();
  if (label.length === 0) return { error: 'label must not be empty' };
  // Counted in code points (as the width below is measured), not UTF-16 units or graphemes.
  if (Array.from(label).length > MAX_BADGE_LABEL) return { error: `label must be at most ${MAX_BADGE_LABEL} characters` };
  if (/[\p{Cc}\p{Cs}\u2028\u2029]/u.test(label)) return { error: 'label must not contain control characters' };
  return { label };
}

/**
 * Advance widths in pixels of 11 px Verdana (the badge font), estimated by hand and rounded to
 * tenths: what matters is that a part is never too narrow for its text.
 */
const widths: Record<string, number> = {
  ' ': 3.9,
  '!': 4.3,
  '"': 5.0,
  '#': 9.0,
  $: 7.0,
  '%': 11.9,
  '&': 7.9,
  "'": 3.0,
  '(': 5.0,
  ')': 5.0,
  '*': 7.0,
  '+': 9.0,
  ',': 4.0,
  '-': 5.0,
  '.': 4.0,
  '/': 5.0,
  ':': 5.0,
  ';': 5.0,
  '<': 9.0,
  '=': 9.0,
  '>': 9.0,
  '?': 6.0,
  '@': 11.0,
  '[': 5.0,
  '\\': 5.0,
  ']': 5.0,
  '^': 9.0,
  _: 7.0,
  '`': 7.0,
  '{': 7.0,
  '|': 5.0,
  '}': 7.0,
  '~': 9.0,
  a: 6.7,
  b: 6.9,
  c: 5.8,
  d: 6.9,
  e: 6.7,
  f: 3.9,
  g: 6.9,
  h: 7.0,
  i: 3.1,
  j: 3.8,
  k: 6.6,
  l: 3.1,
  m: 10.8,
  n: 7.0,
  o: 6.7,
  p: 6.9,
  q: 6.9,
  r: 4.7,
  s: 5.8,
  t: 4.4,
  u: 7.0,
  v: 6.6,
  w: 9.0,
  x: 6.6,
  y: 6.6,
  z: 5.8,
  A: 7.6,
  B: 7.6,
  C: 7.7,
  D: 8.5,
  E: 7.0,
  F: 6.4,
  G: 8.5,
  H: 8.3,
  I: 4.7,
  J: 5.1,
  K: 7.7,
  L: 6.2,
  M: 9.4,
  N: 8.3,
  O: 8.7,
  P: 6.7,
  Q: 8.7,
  R: 7.7,
  S: 7.6,
  T: 6.8,
  U: 8.1,
  V: 7.6,
  W: 11.0,
  X: 7.6,
  Y: 6.8,
  Z: 7.6,
};
const DIGIT_WIDTH = 7.0;
const OTHER_WIDTH = 7.5;
const WIDE_WIDTH = 11.0;
const EMOJI_WIDTH = 13.0;

/** Marks and joiners that take no room of their own (variation selectors are marks, \p{Mn}). */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200B-\u200F\u2060]$/u;
const EMOJI = /^\p{Extended_Pictographic}$/u;
/** East Asian wide and full-width characters. */
const WIDE =
  /^[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]$/u;

/** Estimated width in pixels of `text` in 11 px Verdana. */
export function textWidth(text: string): number {
  let total = 0;
  for (const character of text) {
    const known = widths[character];
    if (known !== undefined) total += known;
    else if (character >= '0' && character <= '9') total += DIGIT_WIDTH;
    else if (ZERO_WIDTH.test(character)) total += 0;
    else if (EMOJI.test(character)) total += EMOJI_WIDTH;
    else if (WIDE.test(character)) total += WIDE_WIDTH;
    else total += OTHER_WIDTH;
  }
  return Math.round(total * 10) / 10;
}

export interface BadgeInput {
  /** Left part: "status", a component's name, or the label asked for. */
  label: string;
  /** Right part: the status in words. */
  message: string;
  /** Fill of the right part. */
  colour: string;
}

const PADDING = 6;
const HEIGHT = 20;

/** The badge as an SVG document. */
export function buildBadgeSvg(input: BadgeInput): string {
  const label = input.label.replace(/\s+/g, ' ').trim();
  const message = input.message.replace(/\s+/g, ' ').trim();
  const labelText = Math.ceil(textWidth(label));
  const messageText = Math.ceil(textWidth(message));
  const left = labelText + 2 * PADDING;
  const right = messageText + 2 * PADDING;
  const width = left + right;
  const accessible = xmlEscape(`${label}: ${message}`);
  const colour = /^#[0-9a-fA-F]{3,8}$/.test(input.colour) ? input.colour : BADGE_LABEL_COLOUR;
  const text = (content: string, centre: number, length: number) =>
    [
      `<text aria-hidden="true" x="${centre}" y="15" fill="#010101" fill-opacity=".3" textLength="${length}" lengthAdjust="spacingAndGlyphs">${xmlEscape(content)}</text>`,
      `<text x="${centre}" y="14" textLength="${length}" lengthAdjust="spacingAndGlyphs">${xmlEscape(content)}</text>`,
    ].join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" role="img" aria-label="${accessible}">`,
    `<title>${accessible}</title>`,
    '<linearGradient id="herald-badge-shine" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
    `<clipPath id="herald-badge-round"><rect width="${width}" height="${HEIGHT}" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#herald-badge-round)"><rect width="${left}" height="${HEIGHT}" fill="${BADGE_LABEL_COLOUR}"/><rect x="${left}" width="${right}" height="${HEIGHT}" fill="${colour}"/><rect width="${width}" height="${HEIGHT}" fill="url(#herald-badge-shine)"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11" text-rendering="geometricPrecision">`,
    text(label, left / 2, labelText),
    text(message, left + right / 2, messageText),
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Headers of a badge: a minute's cache (a README shows an outage within a minute or two), any
 * origin may read it, and pages that isolate themselves (COEP) may still embed it.
 */
export const badgeHeaders = {
  'Content-Type': 'image/svg+xml; charset=utf-8',
  'Cache-Control': 'public, max-age=60, s-maxage=60, stale-while-revalidate=300, stale-if-error=86400',
  'Access-Control-Allow-Origin': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
} as const satisfies Readonly<Record<string, string>>;
