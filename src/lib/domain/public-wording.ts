import type { ComponentStatus } from './statuses';

/**
 * The public wording of alert-driven incidents (issue 16): templates for the title and the
 * messages at each step, with a few placeholders, and plain-language defaults. An alert's name,
 * labels and annotations never reach a template's output: only these placeholders do.
 */

/** The placeholders a template may use, with what each becomes (shown on the settings page). */
export const wordingPlaceholders = {
  components: 'the affected public components, e.g. “Search and API” (“some of our services” when all are hidden)',
  status: 'their status in words, e.g. “degraded performance” or “a major outage”',
  started: 'when it started, e.g. “14:05 UTC” (with the date when not today)',
} as const;
type WordingPlaceholder = keyof typeof wordingPlaceholders;
export type WordingValues = Record<WordingPlaceholder, string>;

/** The texts intake writes: the incident's title and the message of each step. */
export const wordingKinds = ['title', 'firing', 'cleared', 'resolved', 'reopened'] as const;
export type WordingKind = (typeof wordingKinds)[number];
export type WordingTemplates = Record<WordingKind, string>;

export const defaultWording: WordingTemplates = {
  title: '{status} of {components}',
  firing: 'We are investigating {status} of {components}. We will post an update as soon as we know more.',
  cleared: 'A fix is in place for {components} and we are watching to make sure it holds.',
  resolved: 'The issue affecting {components} is resolved and everything is working normally again.',
  reopened: 'The issue affecting {components} has come back. We are investigating.',
};

/** What `{status}` says for each component status. */
export const statusPhrases: Record<ComponentStatus, string> = {
  operational: 'a disruption',
  degraded_performance: 'degraded performance',
  partial_outage: 'a partial outage',
  major_outage: 'a major outage',
  under_maintenance: 'maintenance',
};

const placeholderList = Object.keys(wordingPlaceholders)
  .map((name) => `{${name}}`)
  .join(', ');

const isPlaceholder = (name: string): name is WordingPlaceholder => Object.hasOwn(wordingPlaceholders, name);

type Piece = { text: string } | { placeholder: WordingPlaceholder };

/** A template as text and placeholders, or the problem with it in words. */
function parseTemplate(template: string): { ok: true; pieces: Piece[] } | { ok: false; problem: string } {
  const pieces: Piece[] = [];
  let rest = template;
  while (rest !== '') {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (close !== -1 && (open === -1 || close < open))
      return { ok: false, problem: `A “}” has no “{” before it: placeholders are written like {components}.` };
    if (open === -1) {
      pieces.push({ text: rest });
      break;
    }
    if (close === -1) return { ok: false, problem: `A “{” is not closed: placeholders are written like {components}.` };
    const name = rest.slice(open + 1, close);
    if (!isPlaceholder(name)) return { ok: false, problem: `Unknown placeholder {${name}}: use ${placeholderList}.` };
    if (open > 0) pieces.push({ text: rest.slice(0, open) });
    pieces.push({ placeholder: name });
    rest = rest.slice(close + 1);
  }
  return { ok: true, pieces };
}

/** Why a template cannot be used (an unknown placeholder, a stray brace), or undefined when it can. */
export function templateProblem(template: string): string | undefined {
  const parsed = parseTemplate(template);
  return parsed.ok ? undefined : parsed.problem;
}

/**
 * The template with its placeholders filled in, starting with a capital letter (a title or
 * sentence may start with `{status}`). A template that does not parse (it was validated when
 * saved, so only a hand-edited row) falls back to the default of its kind.
 */
export function renderWording(templates: WordingTemplates, kind: WordingKind, values: WordingValues): string {
  const parsed = parseTemplate(templates[kind]);
  if (!parsed.ok) return renderWording(defaultWording, kind, values);
  const text = parsed.pieces.map((piece) => ('text' in piece ? piece.text : values[piece.placeholder])).join('');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Search", "Search and API", "Search, API and Web"; a neutral phrase when every affected component is hidden. */
export function componentPhrase(names: readonly string[]): string {
  if (names.length === 0) return 'some of our services';
  if (names.length === 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}
