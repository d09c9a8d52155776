import { formatDuration } from './duration';
import { incidentStatusLabels, severityLabels, type IncidentStatus, type Severity } from './statuses';
import { formatInZone } from './time-format';

/**
 * The Markdown a new post-mortem starts from: summary, customer impact, a timeline filled from the
 * incident's public updates and plan events, root cause, what went well and what did not, and the
 * action items. Staff replace the prompts (in italics) with their own words.
 */

/** What happened to the incident and its plan, in the order the timeline shows it. */
export type PostmortemEvent =
  | { kind: 'declared'; at: Date; severity: Severity }
  | { kind: 'team_alert'; at: Date; recipients: number; reason: 'declared' | 'severity_raised' }
  | { kind: 'customer_email'; at: Date; outcome: 'sent' | 'skipped' | 'held' | 'cancelled'; note: string | null }
  | { kind: 'severity'; at: Date; from: Severity; to: Severity }
  | { kind: 'update'; at: Date; status: IncidentStatus; body: string };

export interface PostmortemFacts {
  severity: Severity;
  startedAt: Date;
  resolvedAt: Date | null;
  /** The names of the components the incident affected. */
  components: string[];
  events: PostmortemEvent[];
  actionItems: { title: string; owner: string | null; dueDate: string }[];
  /** The page's time zone: every time is written in it. */
  timeZone: string;
}

/** The first line of an update, cut to a readable length. */
function firstLine(body: string): string {
  const line = body.split('\n').find((part) => part.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 199)}…` : trimmed;
}

const emailOutcomes = {
  sent: 'Customer email sent',
  skipped: 'Customer email not sent',
  held: 'Customer email held',
  cancelled: 'Customer email cancelled',
} as const;

function describe(event: PostmortemEvent): string {
  switch (event.kind) {
    case 'declared':
      return `Incident declared (${severityLabels[event.severity]})`;
    case 'team_alert': {
      const people = `${event.recipients} ${event.recipients === 1 ? 'person' : 'people'}`;
      return event.reason === 'declared' ? `Team alerted (${people})` : `Team alerted again after the severity was raised (${people})`;
    }
    case 'customer_email':
      return event.note ? `${emailOutcomes[event.outcome]}: ${event.note}` : emailOutcomes[event.outcome];
    case 'severity':
      return `Severity changed from ${severityLabels[event.from]} to ${severityLabels[event.to]}`;
    case 'update': {
      const text = firstLine(event.body);
      return text
        ? `Public update, ${incidentStatusLabels[event.status]}: ${text}`
        : `Public update, ${incidentStatusLabels[event.status]}`;
    }
  }
}

/** Events at the same moment keep the order of a declaration: declared, then its first update, then the alerts. */
const tieOrder: Record<PostmortemEvent['kind'], number> = { declared: 0, severity: 1, update: 2, team_alert: 3, customer_email: 4 };

function postmortemTimeline(events: readonly PostmortemEvent[]): PostmortemEvent[] {
  return [...events].sort((a, b) => a.at.getTime() - b.at.getTime() || tieOrder[a.kind] - tieOrder[b.kind]);
}

function impactLine(facts: PostmortemFacts): string {
  const affected = facts.components.length > 0 ? facts.components.join(', ') : 'no component named on the incident';
  const span = facts.resolvedAt
    ? `from ${formatInZone(facts.startedAt, facts.timeZone)} to ${formatInZone(facts.resolvedAt, facts.timeZone)} (${formatDuration(facts.resolvedAt.getTime() - facts.startedAt.getTime())})`
    : `since ${formatInZone(facts.startedAt, facts.timeZone)}`;
  return `Affected: ${affected}, ${span}.`;
}

export function postmortemTemplate(facts: PostmortemFacts): string {
  const timeline = postmortemTimeline(facts.events).map((event) => `- ${formatInZone(event.at, facts.timeZone)}: ${describe(event)}`);
  const actions =
    facts.actionItems.length > 0
      ? facts.actionItems.map((item) => `- ${item.title} (${item.owner ?? 'no owner'}, due ${item.dueDate})`)
      : ['_The follow-up work, each with an owner and a due date. Track them in the action items below this editor._'];
  return [
    '## Summary',
    '',
    `_What happened, in two or three sentences. This was a ${severityLabels[facts.severity]} incident._`,
    '',
    '## Customer impact',
    '',
    impactLine(facts),
    '',
    '_Who was affected, what they could not do, and for how long._',
    '',
    '## Timeline',
    '',
    '_Times are in the page time zone. The plan events (team alerts, the customer email) are internal: keep only what customers should read._',
    '',
    ...(timeline.length > 0 ? timeline : ['_No updates or plan events were recorded._']),
    '',
    '## Root cause',
    '',
    '_Why it happened: the cause, and why it was not caught earlier._',
    '',
    '## What went well',
    '',
    '_What helped: detection, tools, communication._',
    '',
    '## What did not go well',
    '',
    '_What slowed the response or made the impact worse._',
    '',
    '## Action items',
    '',
    ...actions,
    '',
  ].join('\n');
}
