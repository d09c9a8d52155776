import type { NormalisedAlert } from './alert-intake';
import { publicNames, type ComponentChange, type KnownComponent } from './alert-mapping';
import {
  componentPhrase,
  renderWording,
  statusPhrases,
  type WordingKind,
  type WordingTemplates,
  type WordingValues,
} from './public-wording';
import { worstComponentStatus, type ComponentStatus } from './statuses';
import { formatUtc } from './time-format';

/**
 * The public text alert intake writes (issues 7 and 16): titles and messages from the alerts' own
 * `herald_*` / `public_*` annotations, else the intake settings' wording templates, filled in with
 * the affected public components, their status and the start time. Never an alert's name,
 * labels, summary, description or links.
 */

/** The annotations that set the public title, first found wins. */
export const titleAnnotations = ['herald_title', 'public_title'] as const;
/** The annotations that set the public message (the first one, and updates for new alerts). */
export const messageAnnotations = ['herald_message', 'public_message'] as const;

const PUBLIC_TITLE_MAX = 200;
const PUBLIC_MESSAGE_MAX = 10_000;

const firstAnnotation = (alerts: readonly Pick<NormalisedAlert, 'annotations'>[], names: readonly string[]): string | undefined => {
  for (const alert of alerts) {
    for (const name of names) {
      const value = alert.annotations[name]?.trim();
      if (value) return value;
    }
  }
  return undefined;
};

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

/** "14:05 UTC", or "2026-03-01 14:05 UTC" when that is not today (UTC). */
export function alertTime(at: Date, now: Date): string {
  const full = formatUtc(at);
  return formatUtc(now).slice(0, 10) === full.slice(0, 10) ? full.slice(11) : full;
}

/** What the placeholders say: the public components' names, the worst of their statuses, and the start. */
export function wordingValues(
  facts: { names: readonly string[]; statuses: readonly ComponentStatus[]; started: Date },
  now: Date,
): WordingValues {
  return {
    components: componentPhrase(facts.names),
    status: statusPhrases[worstComponentStatus(facts.statuses)],
    started: alertTime(facts.started, now),
  };
}

/** The placeholders for firing alerts: the public components they change, and the earliest alert's start. */
export function firingValues(
  alerts: readonly Pick<NormalisedAlert, 'startsAt'>[],
  changes: readonly ComponentChange[],
  components: ReadonlyMap<string, KnownComponent>,
  now: Date,
): WordingValues {
  const shown = changes.filter((change) => components.get(change.componentId)?.hidden === false);
  const started = alerts.reduce((first, alert) => (alert.startsAt < first ? alert.startsAt : first), alerts[0]?.startsAt ?? now);
  return wordingValues(
    {
      names: publicNames(
        changes.map((change) => change.componentId),
        components,
      ),
      statuses: shown.map((change) => change.status),
      started,
    },
    now,
  );
}

/** A step's message from the templates, at most 10,000 characters. */
export function wordedMessage(wording: WordingTemplates, kind: Exclude<WordingKind, 'title'>, values: WordingValues): string {
  return clip(renderWording(wording, kind, values), PUBLIC_MESSAGE_MAX);
}

/** The public title: a `herald_title` or `public_title` annotation, else the title template; at most 200 characters. */
export function publicTitle(
  alerts: readonly Pick<NormalisedAlert, 'annotations'>[],
  wording: WordingTemplates,
  values: WordingValues,
): string {
  return clip(firstAnnotation(alerts, titleAnnotations) ?? renderWording(wording, 'title', values), PUBLIC_TITLE_MAX);
}

/**
 * The message for firing alerts (the first one, and alerts that join an open incident): a
 * `herald_message` or `public_message` annotation, else the firing template.
 */
export function publicMessage(
  alerts: readonly Pick<NormalisedAlert, 'annotations'>[],
  wording: WordingTemplates,
  values: WordingValues,
): string {
  const chosen = firstAnnotation(alerts, messageAnnotations);
  return chosen ? clip(chosen, PUBLIC_MESSAGE_MAX) : wordedMessage(wording, 'firing', values);
}
