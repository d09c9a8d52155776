import { componentStatusLabels, severityLabels, type ComponentStatus, type Severity } from '../statuses';

/**
 * What a chat message says, before any platform's shape: a team alert (a plan event that pages
 * the team) or, later, an update sent to a customer's chat subscription. The renderers in this
 * folder turn it into each platform's JSON body; all text here is plain (no markup), and every
 * renderer escapes it for its platform.
 */
export interface ChatLink {
  label: string;
  url: string;
}

export interface ChatMessage {
  kind: 'team_alert' | 'incident_update';
  /** Herald's words for what happened, e.g. "Incident declared", "Severity raised to Critical". */
  headline: string;
  /** The incident's title, written by staff. */
  title: string;
  severity?: Severity;
  /** The incident status, as a label ("Investigating"). */
  status: string;
  components: { name: string; status: ComponentStatus }[];
  /** Staff-written text (an update's message), plain. */
  body?: string;
  /** The plan step that fired, in words. */
  planStep?: string;
  /** The admin incident page, the public page. */
  links: ChatLink[];
  /** Where the whole text is read when a platform's limit cuts it; the last link (the public page) when absent. */
  fullTextUrl?: string;
  /** When it happened; shown where a platform has a place for it (Discord's embed timestamp). */
  at?: Date;
  /** A line at the bottom with its link: for a customer, the one-click unsubscribe. */
  footer?: ChatLink;
}

export const READ_FULL_UPDATE = 'Read the full update';

export function fullTextUrlOf(message: ChatMessage): string | undefined {
  return message.fullTextUrl ?? message.links.at(-1)?.url;
}

export function severityWords(message: ChatMessage): string | undefined {
  return message.severity ? severityLabels[message.severity] : undefined;
}

/** "Severity: Critical · Status: Investigating", or the status alone. */
export function severityAndStatusLine(message: ChatMessage): string {
  const severity = severityWords(message);
  return severity ? `Severity: ${severity} · Status: ${message.status}` : `Status: ${message.status}`;
}

export function componentLine(component: ChatMessage['components'][number]): string {
  return `${component.name}: ${componentStatusLabels[component.status]}`;
}

/** "and 12 more components", when a limit left some out. */
export function moreComponentsLine(count: number): string {
  return `and ${count} more ${count === 1 ? 'component' : 'components'}`;
}

/** One line for notifications and previews: "Incident declared: Checkout is down". */
export function summaryLine(message: ChatMessage): string {
  return `${message.headline}: ${message.title}`;
}

/** Discord's embed colour (and any other platform that takes one): the severity's, grey without one. */
const severityColours: Record<Severity, number> = {
  critical: 0xb91c1c,
  high: 0xc2410c,
  medium: 0xa16207,
  low: 0x1d4ed8,
};
const NO_SEVERITY_COLOUR = 0x6b7280;

export function colourOf(message: ChatMessage): number {
  return message.severity ? severityColours[message.severity] : NO_SEVERITY_COLOUR;
}
