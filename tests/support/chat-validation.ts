/**
 * The vendors' published shapes and limits, as the chat receiver checks them: one JSON Schema per
 * platform (tests/support/chat-schemas, each naming the documentation it was written from), plus
 * the total-size rules a schema keyword cannot express.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ContactChannelKind } from '../../src/lib/domain/chat/channel-kinds';

export type ChatReceiverPlatform = ContactChannelKind;

export interface SchemaProblem {
  /** A JSON Pointer into the body ('' for the whole of it). */
  path: string;
  message: string;
}

const schemaFiles: Record<ChatReceiverPlatform, string> = {
  slack: 'slack.schema.json',
  teams: 'teams.schema.json',
  discord: 'discord.schema.json',
  google_chat: 'google-chat.schema.json',
  pagerduty: 'pagerduty.schema.json',
};

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

const validators = new Map<ChatReceiverPlatform, ValidateFunction>();

function validatorOf(platform: ChatReceiverPlatform): ValidateFunction {
  let validate = validators.get(platform);
  if (!validate) {
    const file = new URL(`./chat-schemas/${schemaFiles[platform]}`, import.meta.url);
    validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
    validators.set(platform, validate);
  }
  return validate;
}

function problemOf(error: ErrorObject): SchemaProblem {
  const detail = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
  return { path: error.instancePath, message: `${error.message ?? error.keyword}${detail}` };
}

const KB = 1024;

/** Teams: "The message size limit is 28 KB" (add-incoming-webhook page, see teams.schema.json). */
const TEAMS_MAX_BYTES = 28 * KB;
/** Discord: 6,000 characters across title, description, field names and values, footer text and author name of all embeds. */
const DISCORD_MAX_EMBED_CHARACTERS = 6000;
/** Google Chat: a message at most 32,000 bytes (limits page), a card at most 32 KB (CardWithId), 100 widgets per card (Card). */
const GOOGLE_CHAT_MAX_BYTES = 32_000;
const GOOGLE_CHAT_MAX_CARD_BYTES = 32 * KB;
const GOOGLE_CHAT_MAX_WIDGETS = 100;
/** PagerDuty: events are at most 512 KB (Events API v2 overview). */
const PAGERDUTY_MAX_BYTES = 512 * KB;

type Json = Record<string, unknown>;

function characters(text: unknown): number {
  return typeof text === 'string' ? Array.from(text).length : 0;
}

function discordEmbedCharacters(body: Json): number {
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
  let total = 0;
  for (const embed of embeds) {
    total += characters(embed.title) + characters(embed.description);
    total += characters((embed.footer as Json | undefined)?.text) + characters((embed.author as Json | undefined)?.name);
    for (const field of Array.isArray(embed.fields) ? (embed.fields as Json[]) : [])
      total += characters(field.name) + characters(field.value);
  }
  return total;
}

function googleChatCardProblems(body: Json): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const cards = Array.isArray(body.cardsV2) ? (body.cardsV2 as Json[]) : [];
  cards.forEach((item, index) => {
    const card = item.card as Json | undefined;
    if (Buffer.byteLength(JSON.stringify(card ?? {}), 'utf8') > GOOGLE_CHAT_MAX_CARD_BYTES)
      problems.push({ path: `/cardsV2/${index}/card`, message: `must be at most ${GOOGLE_CHAT_MAX_CARD_BYTES} bytes` });
    const sections = Array.isArray(card?.sections) ? (card.sections as Json[]) : [];
    const widgets = sections.reduce((sum, section) => sum + (Array.isArray(section.widgets) ? section.widgets.length : 0), 0);
    if (widgets > GOOGLE_CHAT_MAX_WIDGETS)
      problems.push({ path: `/cardsV2/${index}/card`, message: `must have at most ${GOOGLE_CHAT_MAX_WIDGETS} widgets (has ${widgets})` });
  });
  return problems;
}

function sizeProblems(platform: ChatReceiverPlatform, raw: string, body: Json): SchemaProblem[] {
  const bytes = Buffer.byteLength(raw, 'utf8');
  const tooBig = (limit: number) => (bytes > limit ? [{ path: '', message: `must be at most ${limit} bytes (is ${bytes})` }] : []);
  switch (platform) {
    case 'teams':
      return tooBig(TEAMS_MAX_BYTES);
    case 'discord': {
      const total = discordEmbedCharacters(body);
      return total > DISCORD_MAX_EMBED_CHARACTERS
        ? [{ path: '/embeds', message: `must total at most ${DISCORD_MAX_EMBED_CHARACTERS} characters (has ${total})` }]
        : [];
    }
    case 'google_chat':
      return [...tooBig(GOOGLE_CHAT_MAX_BYTES), ...googleChatCardProblems(body)];
    case 'pagerduty':
      return tooBig(PAGERDUTY_MAX_BYTES);
    case 'slack':
      return [];
  }
}

export type CheckedMessage =
  { json: true; body: unknown; problems: SchemaProblem[] } | { json: false; body: undefined; problems: SchemaProblem[] };

/** A request body as the platform would judge it: not JSON at all, or JSON with its problems (none when it is accepted). */
export function checkMessage(platform: ChatReceiverPlatform, raw: string): CheckedMessage {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { json: false, body: undefined, problems: [{ path: '', message: 'is not JSON' }] };
  }
  const validate = validatorOf(platform);
  if (!validate(body)) return { json: true, body, problems: (validate.errors ?? []).map(problemOf) };
  return { json: true, body, problems: sizeProblems(platform, raw, body as Json) };
}
