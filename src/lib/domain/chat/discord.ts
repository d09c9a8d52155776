import {
  colourOf,
  componentLine,
  fullTextUrlOf,
  moreComponentsLine,
  READ_FULL_UPDATE,
  severityWords,
  type ChatLink,
  type ChatMessage,
} from './chat-message';
import { fitItems, fitText } from './truncate';

/**
 * A Discord webhook message with one embed, coloured by severity:
 * https://discord.com/developers/docs/resources/webhook#execute-webhook. Embed limits
 * (https://discord.com/developers/docs/resources/message#embed-object-embed-limits): title 256,
 * description 4,096, 25 fields, field name 256 and value 1,024, footer text 2,048, and 6,000
 * characters in all of them together.
 */
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;

/**
 * A backslash before Discord's Markdown characters shows them as written
 * (https://support.discord.com/hc/en-us/articles/210298617-Markdown-Text-101), so staff text
 * cannot format, mask a link or write `<@id>`; `allowed_mentions: { parse: [] }` means that
 * nothing in the message pings anyone even so
 * (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
 */
function escapeDiscord(character: string): string {
  return /[\\*_~`|>#[\]()<:-]/.test(character) ? `\\${character}` : character;
}

const escaped = (text: string, max: number) => fitText(text, max, { escape: escapeDiscord }).text;

const markdownLink = (link: ChatLink) => `[${escaped(link.label, 100)}](${link.url.replaceAll(')', '%29')})`;

interface Field {
  name: string;
  value: string;
  inline?: boolean;
}

function componentsValue(message: ChatMessage): string {
  const lines = message.components.map((component) => escaped(componentLine(component), 200));
  const { kept, leftOut } = fitItems(lines, DISCORD_LIMITS.fieldValue - 40, (line) => line.length + 1);
  return [...kept, ...(leftOut > 0 ? [moreComponentsLine(leftOut)] : [])].join('\n');
}

function linksValue(message: ChatMessage): string | undefined {
  const links = [...message.links, ...(message.footer ? [message.footer] : [])].map(markdownLink);
  const { kept } = fitItems(links, DISCORD_LIMITS.fieldValue, (link) => link.length + 1);
  return kept.length > 0 ? kept.join('\n') : undefined;
}

function fieldsOf(message: ChatMessage): Field[] {
  const severity = severityWords(message);
  const links = linksValue(message);
  const fields: Field[] = [
    ...(severity ? [{ name: 'Severity', value: severity, inline: true }] : []),
    { name: 'Status', value: escaped(message.status, 200), inline: true },
    ...(message.components.length > 0 ? [{ name: 'Affected components', value: componentsValue(message) }] : []),
    ...(message.planStep ? [{ name: 'Plan step', value: escaped(message.planStep, DISCORD_LIMITS.fieldValue) }] : []),
    ...(links ? [{ name: 'Links', value: links }] : []),
  ];
  return fields.slice(0, DISCORD_LIMITS.fields);
}

function descriptionOf(message: ChatMessage, budget: number): string {
  const headline = `**${escaped(message.headline, 300)}**`;
  if (!message.body?.trim()) return headline;
  const readMoreUrl = fullTextUrlOf(message);
  const readMore = readMoreUrl ? `\n${markdownLink({ label: READ_FULL_UPDATE, url: readMoreUrl })}` : '';
  const room = Math.min(budget, DISCORD_LIMITS.description) - headline.length - 2 - readMore.length;
  const body = fitText(message.body, room, { escape: escapeDiscord });
  return `${headline}\n\n${body.text}${body.truncated ? readMore : ''}`;
}

export function renderDiscord(message: ChatMessage): Record<string, unknown> {
  const title = escaped(message.title, DISCORD_LIMITS.title);
  const fields = fieldsOf(message);
  const footer = message.footer ? escaped(message.footer.label, 300) : undefined;
  const used = title.length + (footer?.length ?? 0) + fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
  const url = message.links[0]?.url;
  const embed = {
    title,
    description: descriptionOf(message, DISCORD_LIMITS.total - used),
    ...(url ? { url } : {}),
    color: colourOf(message),
    fields,
    ...(footer ? { footer: { text: footer } } : {}),
    ...(message.at ? { timestamp: message.at.toISOString() } : {}),
  };
  return { embeds: [embed], allowed_mentions: { parse: [] } };
}
