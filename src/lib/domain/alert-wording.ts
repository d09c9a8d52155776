import type { NormalisedAlert } from './alert-intake';
import { formatUtc } from './time-format';

/**
 * The public text alert intake writes (issue 7): titles and messages from the alerts' own
 * `herald_*` / `public_*` annotations, else neutral sentences that name the affected components
 * and when monitoring raised the alert. Never an alert's summary, description or links.
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

/** "Search, API", or a neutral phrase when every affected component is hidden from the public page. */
function componentList(names: readonly string[], fallback: string): string {
  return names.length > 0 ? names.join(', ') : fallback;
}

/**
 * The public title: a `herald_title` or `public_title` annotation, else
 * "<component names>: <alertname>" (alertnames joined when several), at most 200 characters.
 */
export function publicTitle(alerts: readonly Pick<NormalisedAlert, 'annotations' | 'labels'>[], componentNames: readonly string[]): string {
  const chosen = firstAnnotation(alerts, titleAnnotations);
  if (chosen) return clip(chosen, PUBLIC_TITLE_MAX);
  const names = [...new Set(alerts.map((alert) => alert.labels.alertname?.trim()).filter((name): name is string => Boolean(name)))];
  return clip(`${componentList(componentNames, 'Service issue')}: ${names.length > 0 ? names.join(', ') : 'alert'}`, PUBLIC_TITLE_MAX);
}

/** "14:05 UTC", or "2026-03-01 14:05 UTC" when that is not today (UTC). */
export function alertTime(at: Date, now: Date): string {
  const full = formatUtc(at);
  return formatUtc(now).slice(0, 10) === full.slice(0, 10) ? full.slice(11) : full;
}

const earliest = (alerts: readonly Pick<NormalisedAlert, 'startsAt'>[], fallback: Date) =>
  alerts.reduce((first, alert) => (alert.startsAt < first ? alert.startsAt : first), alerts[0]?.startsAt ?? fallback);

/**
 * The first public message: a `herald_message` or `public_message` annotation, else a neutral
 * sentence that names the affected components and when monitoring raised the alert. Never the
 * alert's summary, description or links.
 */
export function publicMessage(
  alerts: readonly Pick<NormalisedAlert, 'annotations' | 'startsAt'>[],
  componentNames: readonly string[],
  now: Date,
): string {
  const chosen = firstAnnotation(alerts, messageAnnotations);
  if (chosen) return clip(chosen, PUBLIC_MESSAGE_MAX);
  return `We are investigating an issue affecting ${componentList(componentNames, 'some of our services')}. Our monitoring raised an alert at ${alertTime(earliest(alerts, now), now)}.`;
}

/**
 * The update for alerts that joined an open incident: their own public message annotation,
 * else a neutral sentence naming the newly affected components (or, with none new, the
 * components the new alerts concern).
 */
export function newAlertsMessage(
  alerts: readonly Pick<NormalisedAlert, 'annotations' | 'startsAt'>[],
  names: { added: readonly string[]; concerned: readonly string[] },
  now: Date,
): string {
  const chosen = firstAnnotation(alerts, messageAnnotations);
  if (chosen) return clip(chosen, PUBLIC_MESSAGE_MAX);
  const at = alertTime(earliest(alerts, now), now);
  if (names.added.length > 0)
    return `The issue now also affects ${names.added.join(', ')}. Our monitoring raised a further alert at ${at}.`;
  return `Our monitoring raised a further alert affecting ${componentList(names.concerned, 'our services')} at ${at}.`;
}

/** When the alerts of an incident in monitoring fire again. */
export const ALERT_REFIRED_MESSAGE = 'Our monitoring raised the alert again. We are investigating.';

export const ALERT_CLEARED_MESSAGE = 'The alert has cleared; we are monitoring.';
export const ALERT_RESOLVED_MESSAGE = 'The alert has cleared and the issue is resolved.';
