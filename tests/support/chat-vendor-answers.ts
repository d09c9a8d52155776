/**
 * How each vendor answers a webhook request, as its documentation shows: success, a refused body,
 * rate limiting with Retry-After, an unknown webhook, and an outage.
 * - Slack: https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling_errors
 *   and https://docs.slack.dev/apis/web-api/rate-limits (200 "ok", 400 "invalid_payload", 404 "no_service", 429 + Retry-After).
 * - Teams Workflows (an Azure Logic Apps / Power Automate HTTP trigger): 202 Accepted, errors as
 *   { error: { code, message } }: https://learn.microsoft.com/en-us/azure/logic-apps/logic-apps-limits-and-config
 * - Discord: https://discord.com/developers/docs/reference#error-messages and
 *   https://discord.com/developers/docs/topics/rate-limits (204, 400 { code, message, errors }, 429 { message, retry_after, global }).
 * - Google Chat: https://developers.google.com/workspace/chat/limits and the Google API error model
 *   https://cloud.google.com/apis/design/errors (200 with the Message resource, { error: { code, message, status } }).
 * - PagerDuty: https://developer.pagerduty.com/docs/send-alert-event (202 { status, message, dedup_key },
 *   400 { status: 'invalid event', message, errors }, 429).
 */
import { randomBytes } from 'node:crypto';
import type { ChatReceiverPlatform, SchemaProblem } from './chat-validation';

/** What a test can ask the next request to get. */
export type ScriptedAnswer = { kind: 'rate-limited'; retryAfterSeconds?: number } | { kind: 'not-found' } | { kind: 'server-error' };

export type AnswerKind = ScriptedAnswer | { kind: 'accepted' } | { kind: 'invalid'; problems: SchemaProblem[]; json: boolean };

export interface VendorAnswer {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as text/plain, anything else as JSON, undefined as no body. */
  body?: unknown;
}

function described(problems: SchemaProblem[]): string[] {
  return problems.map((problem) => `${problem.path || '(body)'} ${problem.message}`);
}

/** Discord nests field errors by path: { embeds: { 0: { title: { _errors: [...] } } } }. */
function discordErrors(problems: SchemaProblem[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const problem of problems) {
    let node = root;
    for (const segment of problem.path.split('/').filter(Boolean)) node = (node[segment] ??= {}) as Record<string, unknown>;
    const code = /more than|fewer/.test(problem.message) ? 'BASE_TYPE_MAX_LENGTH' : 'BASE_TYPE_INVALID';
    ((node._errors ??= []) as unknown[]).push({ code, message: problem.message });
  }
  return root;
}

function accepted(platform: ChatReceiverPlatform, raw: string): VendorAnswer {
  const body = JSON.parse(raw) as Record<string, unknown>;
  switch (platform) {
    case 'slack':
      return { status: 200, body: 'ok' };
    case 'teams':
      return { status: 202 };
    case 'discord':
      return { status: 204 };
    case 'google_chat':
      return {
        status: 200,
        body: { ...body, name: `spaces/AAAAherald1/messages/${randomBytes(8).toString('hex')}`, createTime: new Date().toISOString() },
      };
    case 'pagerduty':
      return {
        status: 202,
        body: { status: 'success', message: 'Event processed', dedup_key: body.dedup_key ?? randomBytes(16).toString('hex') },
      };
  }
}

function invalid(platform: ChatReceiverPlatform, problems: SchemaProblem[], json: boolean): VendorAnswer {
  switch (platform) {
    case 'slack':
      return { status: 400, body: 'invalid_payload' };
    case 'teams':
      return {
        status: 400,
        body: json
          ? {
              error: {
                code: 'TriggerInputSchemaMismatch',
                message: `The input body did not match its schema definition: ${described(problems).join('; ')}`,
              },
            }
          : { error: { code: 'InvalidRequestContent', message: 'The input body for the trigger must be of type JSON.' } },
      };
    case 'discord':
      if (!json) return { status: 400, body: { code: 50109, message: 'The request body contains invalid JSON.' } };
      if (problems.some((problem) => problem.path === '' && /anyOf|must match/.test(problem.message)))
        return { status: 400, body: { code: 50006, message: 'Cannot send an empty message' } };
      return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors: discordErrors(problems) } };
    case 'google_chat':
      return {
        status: 400,
        body: {
          error: { code: 400, message: `Invalid JSON payload received. ${described(problems).join('; ')}`, status: 'INVALID_ARGUMENT' },
        },
      };
    case 'pagerduty':
      return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: described(problems) } };
  }
}

function rateLimited(platform: ChatReceiverPlatform, seconds: number): VendorAnswer {
  const headers = { 'Retry-After': String(seconds) };
  switch (platform) {
    case 'slack':
      return { status: 429, headers, body: 'rate_limited' };
    case 'teams':
      return { status: 429, headers, body: { error: { code: 'WorkflowRequestsThrottled', message: 'The workflow is being throttled.' } } };
    case 'discord':
      return {
        status: 429,
        headers: {
          ...headers,
          'X-RateLimit-Limit': '5',
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset-After': String(seconds),
          'X-RateLimit-Scope': 'shared',
        },
        body: { message: 'You are being rate limited.', retry_after: seconds, global: false },
      };
    case 'google_chat':
      return {
        status: 429,
        headers,
        body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } },
      };
    case 'pagerduty':
      return { status: 429, headers };
  }
}

function notFound(platform: ChatReceiverPlatform): VendorAnswer {
  switch (platform) {
    case 'slack':
      return { status: 404, body: 'no_service' };
    case 'teams':
      return { status: 404, body: { error: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' } } };
    case 'discord':
      return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    case 'google_chat':
      return { status: 404, body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } };
    case 'pagerduty':
      return { status: 404 };
  }
}

/** The vendor's answer of this kind. `raw` is the request body (JSON when the kind is 'accepted'). */
export function vendorAnswer(platform: ChatReceiverPlatform, answer: AnswerKind, raw: string): VendorAnswer {
  switch (answer.kind) {
    case 'accepted':
      return accepted(platform, raw);
    case 'invalid':
      return invalid(platform, answer.problems, answer.json);
    case 'rate-limited':
      return rateLimited(platform, answer.retryAfterSeconds ?? 30);
    case 'not-found':
      return notFound(platform);
    case 'server-error':
      return { status: 503, body: 'Service Unavailable' };
  }
}
