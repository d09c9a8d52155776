import { contactChannelKindLabels, type ContactChannelKind } from './channel-kinds';
import { fitText } from './truncate';

/**
 * What a platform's answer to a POST means for the sender: delivered, try again from a given
 * time (a 429, or a 503 with Retry-After), or failed with words for the staff who own the channel.
 * Answers as documented:
 * - Slack: 200 "ok"; 400/403/404/410 with a plain-text code; 429 with Retry-After
 *   (https://api.slack.com/messaging/webhooks#handling_errors, https://api.slack.com/apis/rate-limits).
 * - Discord: 204 (200 with ?wait=true); 429 with Retry-After and `retry_after` seconds in the JSON
 *   body (https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit).
 * - PagerDuty: 202 with JSON; 400 with `message` and `errors`; 429, retry later
 *   (https://developer.pagerduty.com/docs/events-api-v2/overview/#response-codes--retry-logic).
 * - Teams Workflows and Google Chat: 2xx; errors as JSON `{ error: { message } }`; 429.
 */
export type PlatformAnswer = { kind: 'ok' } | { kind: 'retry_after'; at: Date } | { kind: 'failed'; message: string };

interface PlatformResponse {
  status: number;
  headers: { get(name: string): string | null } | Record<string, string | undefined>;
  /** The answer's first bytes, as text. */
  body: string;
}

/** When a 429 names no time: a minute (PagerDuty asks for "a backoff of a few minutes" without naming one). */
const DEFAULT_RETRY_AFTER_SECONDS = 60;
/** A platform asking for more than this is retried after this anyway; the next answer says again. */
const MAX_RETRY_AFTER_SECONDS = 3600;

const slackCodes: Record<string, string> = {
  invalid_payload: 'Slack could not read the message (invalid_payload).',
  no_service: 'This Slack webhook no longer exists (no_service): create a new one and replace it.',
  no_team: 'The Slack workspace of this webhook no longer exists (no_team).',
  team_disabled: 'The Slack workspace of this webhook is disabled (team_disabled).',
  invalid_token: 'Slack no longer accepts this webhook (invalid_token): create a new one.',
  channel_not_found: 'The Slack channel of this webhook no longer exists (channel_not_found).',
  channel_is_archived: 'The Slack channel of this webhook is archived (channel_is_archived).',
  action_prohibited: 'A Slack admin has restricted posting to this channel (action_prohibited).',
  posting_to_general_channel_denied: 'Only admins may post to this Slack channel (posting_to_general_channel_denied).',
  user_not_found: 'The Slack user of this webhook no longer exists (user_not_found).',
};

function header(headers: PlatformResponse['headers'], name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key ? record[key] : undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Seconds from now the answer asks to wait: Retry-After in seconds or as an HTTP date, or Discord's `retry_after`. */
function retryAfterSeconds(response: PlatformResponse, now: Date): number | undefined {
  const value = header(response.headers, 'retry-after')?.trim();
  if (value && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value) {
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, (date - now.getTime()) / 1000);
  }
  const json = parseJson(response.body);
  if (isRecord(json) && typeof json.retry_after === 'number' && json.retry_after >= 0) return json.retry_after;
  return undefined;
}

function retryAt(response: PlatformResponse, now: Date): Date {
  const seconds = Math.min(retryAfterSeconds(response, now) ?? DEFAULT_RETRY_AFTER_SECONDS, MAX_RETRY_AFTER_SECONDS);
  return new Date(now.getTime() + Math.ceil(seconds * 1000));
}

/** Control characters out, whitespace collapsed, at most 300 characters: safe to store and show. */
function snippet(text: string): string {
  const printable = Array.from(text, (character) => (character < ' ' || character === '\u007f' ? ' ' : character)).join('');
  return fitText(printable.replace(/\s+/g, ' ').trim(), 300).text;
}

/** The error words a platform put in its body: PagerDuty's message and errors, `{ error: { message } }`, Discord's message. */
function errorWords(body: string): string {
  const json = parseJson(body);
  if (!isRecord(json)) return snippet(body);
  const parts: string[] = [];
  if (typeof json.message === 'string') parts.push(json.message);
  if (Array.isArray(json.errors)) parts.push(...json.errors.filter((error): error is string => typeof error === 'string'));
  if (isRecord(json.error) && typeof json.error.message === 'string') parts.push(json.error.message);
  if (typeof json.error === 'string') parts.push(json.error);
  return snippet(parts.length > 0 ? parts.join('; ') : body);
}

function failure(kind: ContactChannelKind, response: PlatformResponse): string {
  const label = contactChannelKindLabels[kind];
  const code = response.body.trim();
  const slackWords = kind === 'slack' && Object.hasOwn(slackCodes, code) ? slackCodes[code] : undefined;
  if (slackWords) return slackWords;
  const words = errorWords(response.body);
  if (response.status === 404 && kind !== 'pagerduty')
    return `${label} answered 404: this webhook no longer exists${words ? ` (${words})` : ''}.`;
  return `${label} answered ${response.status}${words ? `: ${words}` : '.'}`;
}

export function classifyAnswer(kind: ContactChannelKind, response: PlatformResponse, now: Date): PlatformAnswer {
  if (response.status >= 200 && response.status < 300) return { kind: 'ok' };
  if (response.status === 429) return { kind: 'retry_after', at: retryAt(response, now) };
  if (response.status === 503 && retryAfterSeconds(response, now) !== undefined) return { kind: 'retry_after', at: retryAt(response, now) };
  return { kind: 'failed', message: failure(kind, response) };
}
