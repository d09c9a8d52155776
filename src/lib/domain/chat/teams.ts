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
 * A Microsoft Teams Workflows webhook message: one Adaptive Card attachment, as
 * https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook
 * shows (`type: "message"`, `contentType: "application/vnd.microsoft.card.adaptive"`,
 * `contentUrl: null`). A message is limited to about 28 KB:
 * https://learn.microsoft.com/en-us/connectors/teams/#known-issues-and-limitations
 */
export const TEAMS_LIMITS = { messageBytes: 28 * 1024, actions: 5, componentBytes: 8 * 1024 } as const;
const ADAPTIVE_CARD_VERSION = '1.4';

/**
 * Every piece of text goes in a RichTextBlock's TextRun, which takes no Markdown
 * (https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/text-features), so staff
 * text cannot format or link. The one thing left that a card parses is the `{{DATE(…)}}`
 * and `{{TIME(…)}}` functions; a zero-width space after each `{` keeps them literal.
 */
function escapeTeams(character: string): string {
  return character === '{' ? '{\u200b' : character;
}

interface TextRunStyle {
  weight?: 'Bolder';
  size?: 'Large' | 'Medium' | 'Small';
  isSubtle?: boolean;
  url?: string;
}

function richText(text: string, style: TextRunStyle = {}, spacing?: 'None' | 'Medium') {
  const { url, ...look } = style;
  const run = { type: 'TextRun', text, ...look, ...(url ? { selectAction: { type: 'Action.OpenUrl', url } } : {}) };
  return { type: 'RichTextBlock', inlines: [run], ...(spacing ? { spacing } : {}) };
}

const plain = (text: string, max = 1000) => fitText(text, max, { escape: escapeTeams }).text;

const openUrl = (link: ChatLink) => ({ type: 'Action.OpenUrl', title: plain(link.label, 100), url: link.url });

function componentBlocks(message: ChatMessage) {
  const lines = message.components.map((component) => plain(componentLine(component), 300));
  const { kept, leftOut } = fitItems(lines, TEAMS_LIMITS.componentBytes, (line) => jsonBytes(line) + 80);
  return [
    richText('Affected components', { weight: 'Bolder' }, 'Medium'),
    ...kept.map((line) => richText(line, {}, 'None')),
    ...(leftOut > 0 ? [richText(moreComponentsLine(leftOut), { isSubtle: true }, 'None')] : []),
  ];
}

function envelope(body: unknown[], actions: unknown[]) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          body,
          ...(actions.length > 0 ? { actions } : {}),
        },
      },
    ],
  };
}

export function renderTeams(message: ChatMessage): Record<string, unknown> {
  const head = [
    richText(plain(message.headline, 300), { weight: 'Bolder', isSubtle: true }),
    richText(plain(message.title, 1000), { weight: 'Bolder', size: 'Large' }, 'None'),
    richText(plain(severityAndStatusLine(message), 300)),
    ...(message.components.length > 0 ? componentBlocks(message) : []),
  ];
  const tail = [
    ...(message.planStep ? [richText(plain(`Plan step: ${message.planStep}`), { isSubtle: true }, 'Medium')] : []),
    ...(message.footer
      ? [richText(plain(message.footer.label, 300), { isSubtle: true, size: 'Small', url: message.footer.url }, 'Medium')]
      : []),
  ];
  const actions = message.links.slice(0, TEAMS_LIMITS.actions).map(openUrl);
  if (!message.body?.trim()) return envelope([...head, ...tail], actions);

  // The body takes what the rest of the card leaves of the size limit.
  const readMoreUrl = fullTextUrlOf(message);
  const readMore = readMoreUrl ? [openUrl({ label: READ_FULL_UPDATE, url: readMoreUrl })] : [];
  const withoutBody = bodyBytes(envelope([...head, richText(''), ...tail], [...readMore, ...actions]));
  const fitted = fitText(message.body, TEAMS_LIMITS.messageBytes - withoutBody - 64, { escape: escapeTeams, measure: jsonBytes });
  return envelope([...head, richText(fitted.text, {}, 'Medium'), ...tail], fitted.truncated ? [...readMore, ...actions] : actions);
}
