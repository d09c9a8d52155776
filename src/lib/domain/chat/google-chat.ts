import { escapeHtml } from '../escape';
import {
  componentLine,
  fullTextUrlOf,
  moreComponentsLine,
  READ_FULL_UPDATE,
  severityAndStatusLine,
  type ChatLink,
  type ChatMessage,
} from './chat-message';
import { bodyBytes, fitItems, fitText, jsonBytes } from './truncate';

/**
 * A Google Chat incoming-webhook message with one `cardsV2` card and a short `text` line:
 * https://developers.google.com/workspace/chat/quickstart/webhooks and the card reference
 * https://developers.google.com/workspace/chat/api/reference/rest/v1/cards (up to 100 widgets a
 * card). A message, text and cards together, is at most 32,000 bytes:
 * https://developers.google.com/workspace/chat/create-messages
 */
export const GOOGLE_CHAT_LIMITS = { messageBytes: 32_000, widgets: 100, components: 40, buttons: 5 } as const;
const GOOGLE_CHAT_CARD_ID = 'herald-message';

/**
 * Card text widgets take a small HTML subset (https://developers.google.com/workspace/chat/format-messages#format-card-text),
 * so staff text goes in with `&`, `<`, `>` (and quotes) as entities.
 */
const escapeGoogleChat = (character: string): string => escapeHtml(character);

const html = (text: string, max: number) => fitText(text, max, { escape: escapeGoogleChat }).text;

/**
 * The `text` line shows above the card, where Google Chat reads `<users/all>` as a mention and
 * `<url|label>` as a link; angle brackets become look-alikes there so neither can be written.
 */
function plainLine(text: string): string {
  return fitText(text, 400, { escape: (character) => (character === '<' ? '‹' : character === '>' ? '›' : character) }).text;
}

const paragraph = (text: string) => ({ textParagraph: { text } });
const button = (link: ChatLink) => ({ text: fitText(link.label, 100).text, onClick: { openLink: { url: link.url } } });
const buttonList = (links: ChatLink[]) => ({ buttonList: { buttons: links.slice(0, GOOGLE_CHAT_LIMITS.buttons).map(button) } });

function componentsSection(message: ChatMessage) {
  const shown = message.components.slice(0, GOOGLE_CHAT_LIMITS.components);
  const leftOut = message.components.length - shown.length;
  const { kept, leftOut: tooLong } = fitItems(
    shown.map((component) => html(componentLine(component), 300)),
    8_000,
    (line) => jsonBytes(line) + 40,
  );
  const more = leftOut + tooLong;
  return {
    header: 'Affected components',
    widgets: [
      ...kept.map((line) => ({ decoratedText: { text: line } })),
      ...(more > 0 ? [paragraph(`<i>${moreComponentsLine(more)}</i>`)] : []),
    ],
  };
}

function message(text: string, sections: unknown[]) {
  return { text, cardsV2: [{ cardId: GOOGLE_CHAT_CARD_ID, card: { header: { title: 'Herald', subtitle: text }, sections } }] };
}

export function renderGoogleChat(chat: ChatMessage): Record<string, unknown> {
  const text = plainLine(chat.headline);
  const head = [
    { widgets: [paragraph(`<b>${html(chat.title, 1000)}</b>`), { decoratedText: { text: html(severityAndStatusLine(chat), 300) } }] },
    ...(chat.components.length > 0 ? [componentsSection(chat)] : []),
  ];
  const tail = [
    ...(chat.planStep
      ? [{ widgets: [{ decoratedText: { topLabel: 'Plan step', text: html(chat.planStep, 1000), wrapText: true } }] }]
      : []),
    ...(chat.links.length > 0 ? [{ widgets: [buttonList(chat.links)] }] : []),
    ...(chat.footer ? [{ widgets: [paragraph(`<a href="${escapeHtml(chat.footer.url)}">${html(chat.footer.label, 300)}</a>`)] }] : []),
  ];
  if (!chat.body?.trim()) return message(text, [...head, ...tail]);

  // The body takes what the rest of the message leaves of the size limit.
  const readMoreUrl = fullTextUrlOf(chat);
  const readMore = readMoreUrl ? [buttonList([{ label: READ_FULL_UPDATE, url: readMoreUrl }])] : [];
  const withoutBody = bodyBytes(message(text, [...head, { widgets: [paragraph(''), ...readMore] }, ...tail]));
  const escapeBody = (character: string) => (character === '\n' ? '<br>' : escapeGoogleChat(character));
  const fitted = fitText(chat.body, GOOGLE_CHAT_LIMITS.messageBytes - withoutBody - 64, { escape: escapeBody, measure: jsonBytes });
  const bodySection = { widgets: [paragraph(fitted.text), ...(fitted.truncated ? readMore : [])] };
  return message(text, [...head, bodySection, ...tail]);
}
