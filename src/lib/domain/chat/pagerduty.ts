import type { Severity } from '../statuses';
import type { ChatLink } from './chat-message';
import { fitText } from './truncate';

/**
 * PagerDuty Events API v2 alert events, from
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ : `routing_key` (the 32
 * character integration key), `event_action` trigger or resolve, `dedup_key` (at most 255
 * characters) and a payload whose `summary` is at most 1,024 characters and whose `severity` is
 * critical, error, warning or info.
 */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255, source: 255 } as const;

type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

const severityMap: Record<Severity, PagerDutySeverity> = { critical: 'critical', high: 'error', medium: 'warning', low: 'info' };

export function pagerDutySeverity(severity: Severity): PagerDutySeverity {
  return severityMap[severity];
}

/**
 * One alert per Herald incident: a trigger with the same key updates the open alert (a raised
 * severity re-triggers it with the new one), and a resolve with it closes the alert.
 */
function pagerDutyDedupKey(incidentId: string): string {
  return `herald-${incidentId}`.slice(0, PAGERDUTY_LIMITS.dedupKey);
}

type PagerDutyEventInput =
  | {
      action: 'trigger';
      routingKey: string;
      incidentId: string;
      summary: string;
      severity: Severity;
      /** The affected system as PagerDuty shows it: Herald's host name. */
      source: string;
      links?: ChatLink[];
      customDetails?: Record<string, unknown>;
    }
  | { action: 'resolve'; routingKey: string; incidentId: string };

interface PagerDutyTriggerEvent {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  client: string;
  payload: { summary: string; source: string; severity: PagerDutySeverity; custom_details?: Record<string, unknown> };
  links?: { href: string; text: string }[];
}

interface PagerDutyResolveEvent {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

/** The body to POST to PAGERDUTY_EVENTS_URL. */
export function pagerDutyEvent(input: PagerDutyEventInput): PagerDutyTriggerEvent | PagerDutyResolveEvent {
  const dedupKey = pagerDutyDedupKey(input.incidentId);
  if (input.action === 'resolve') return { routing_key: input.routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const links = (input.links ?? []).map((link) => ({ href: link.url, text: link.label }));
  return {
    routing_key: input.routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'Herald',
    payload: {
      summary: fitText(input.summary, PAGERDUTY_LIMITS.summary).text,
      source: fitText(input.source, PAGERDUTY_LIMITS.source).text,
      severity: pagerDutySeverity(input.severity),
      ...(input.customDetails ? { custom_details: input.customDetails } : {}),
    },
    ...(links.length > 0 ? { links } : {}),
  };
}
