import { contactChannelKindLabels, type ChatPlatform, type ContactChannelKind } from './channel-kinds';

/**
 * What a contact channel's target may be: each chat platform's own incoming-webhook address
 * (https only, no credentials, the platform's host and path), or a PagerDuty integration key.
 * The host rules are what keeps a target off private addresses at entry; the guarded outbound
 * client checks again when it sends.
 */
type ParsedTarget = { ok: true; target: string } | { ok: false; message: string };

interface UrlRule {
  example: string;
  /** Whether the URL is this platform's webhook (host, path and required query). */
  matches(url: URL): boolean;
  /** A word for a URL that is a near miss, where one helps. */
  hint?(url: URL): string | undefined;
}

const id = '[A-Za-z0-9_-]+';

const urlRules: Record<ChatPlatform, UrlRule> = {
  // https://api.slack.com/messaging/webhooks: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX
  slack: {
    example: 'https://hooks.slack.com/services/T…/B…/…',
    matches: (url) => url.hostname === 'hooks.slack.com' && /^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/.test(url.pathname),
  },
  // A Workflows "When a Teams webhook request is received" trigger URL, on Logic Apps or, since
  // 2025, on the Power Platform environment host:
  // https://learn.microsoft.com/en-us/troubleshoot/power-platform/power-automate/flow-run-issues/triggers-troubleshoot#changes-to-http-or-teams-webhook-trigger-flows
  teams: {
    example:
      'https://….environment.api.powerplatform.com/powerautomate/automations/direct/workflows/…/triggers/manual/paths/invoke?…&sig=…',
    matches: (url) => {
      const signed = url.searchParams.has('sig');
      const logicApps =
        /^([a-z0-9-]+\.)+logic\.azure\.com$/.test(url.hostname) &&
        new RegExp(`^/workflows/${id}/triggers/manual/paths/invoke/?$`).test(url.pathname);
      const powerPlatform =
        /^([a-z0-9-]+\.)+environment\.api\.powerplatform\.com$/.test(url.hostname) &&
        new RegExp(`^/powerautomate/automations/direct/workflows/${id}/triggers/manual/paths/invoke/?$`).test(url.pathname);
      return signed && (logicApps || powerPlatform);
    },
    // https://devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-microsoft-teams/
    hint: (url) =>
      url.hostname.endsWith('.webhook.office.com') || url.hostname === 'outlook.office.com'
        ? 'Office 365 connector webhooks are retired: create a Workflows webhook in Teams ("When a Teams webhook request is received") and paste its URL.'
        : undefined,
  },
  // https://discord.com/developers/docs/resources/webhook#execute-webhook: /webhooks/{webhook.id}/{webhook.token}
  discord: {
    example: 'https://discord.com/api/webhooks/<id>/<token>',
    matches: (url) =>
      /^((canary|ptb)\.)?discord(app)?\.com$/.test(url.hostname) &&
      new RegExp(`^/api(/v\\d+)?/webhooks/\\d{15,25}/${id}$`).test(url.pathname),
  },
  // https://developers.google.com/workspace/chat/quickstart/webhooks: https://chat.googleapis.com/v1/spaces/SPACE_ID/messages?key=KEY&token=TOKEN
  google_chat: {
    example: 'https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…',
    matches: (url) =>
      url.hostname === 'chat.googleapis.com' &&
      new RegExp(`^/v1/spaces/${id}/messages$`).test(url.pathname) &&
      url.searchParams.has('key') &&
      url.searchParams.has('token'),
  },
};

/** https://developer.pagerduty.com/docs/events-api-v2/trigger-events/: "the 32 character Integration Key". */
const PAGERDUTY_KEY = /^[A-Za-z0-9]{32}$/;

function parsePagerDutyKey(input: string): ParsedTarget {
  if (input === '') return { ok: false, message: 'Enter the PagerDuty integration key.' };
  if (/^[a-z]+:\/\//i.test(input)) {
    return { ok: false, message: 'Enter the integration key of the Events API v2 integration (32 letters and digits), not a URL.' };
  }
  if (!PAGERDUTY_KEY.test(input)) {
    return {
      ok: false,
      message: `A PagerDuty integration key is 32 letters and digits; this one has ${input.length} characters or others.`,
    };
  }
  return { ok: true, target: input };
}

function parseWebhookUrl(platform: ChatPlatform, input: string): ParsedTarget {
  const label = contactChannelKindLabels[platform];
  const rule = urlRules[platform];
  if (input === '') return { ok: false, message: `Enter the ${label} webhook URL.` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, message: `That is not a URL. A ${label} webhook URL looks like ${rule.example}` };
  }
  if (url.protocol === 'http:') return { ok: false, message: 'Use the https:// address: Herald does not send to http webhooks.' };
  if (url.protocol !== 'https:') return { ok: false, message: `A ${label} webhook URL starts with https://.` };
  if (url.username || url.password) return { ok: false, message: 'The URL must not contain a user name or password.' };
  if (url.port !== '') return { ok: false, message: `A ${label} webhook URL has no port other than 443.` };
  if (url.hash) return { ok: false, message: 'The URL must not contain a # fragment.' };
  if (!rule.matches(url)) {
    return { ok: false, message: rule.hint?.(url) ?? `This is not a ${label} webhook URL. It looks like ${rule.example}` };
  }
  return { ok: true, target: url.toString() };
}

export function parseChannelTarget(kind: ContactChannelKind, input: string): ParsedTarget {
  const trimmed = input.trim();
  return kind === 'pagerduty' ? parsePagerDutyKey(trimmed) : parseWebhookUrl(kind, trimmed);
}

const shorten = (text: string, keep: number) => (text.length > keep ? `${text.slice(0, keep)}…` : text);

/**
 * A form of the target safe to show staff: the host and the start of the path, never the
 * secret part (Slack's last segment, Discord's token, the query of Teams and Google Chat, most
 * of a PagerDuty key).
 */
export function describeTarget(kind: ContactChannelKind, target: string): string {
  if (kind === 'pagerduty') return `Integration key ${target.slice(0, 4)}…`;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return `${contactChannelKindLabels[kind]} webhook`;
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const shown = {
    slack: segments.slice(0, 2),
    teams: segments.slice(0, -4).map((segment, index, all) => (index === all.length - 1 ? shorten(segment, 6) : segment)),
    discord: segments.slice(0, -1),
    google_chat: segments.slice(0, 3).map((segment, index) => (index === 2 ? shorten(segment, 4) : segment)),
  }[kind];
  return `${url.hostname}/${shown.join('/')}/…`;
}
