import {
  componentLine,
  fullTextUrlOf,
  moreComponentsLine,
  READ_FULL_UPDATE,
  severityAndStatusLine,
  summaryLine,
  type ChatLink,
  type ChatMessage,
} from './chat-message';
import { fitItems, fitText } from './truncate';

/**
 * A Slack incoming-webhook message in Block Kit, with a `text` fallback for notifications.
 * Shapes and limits: https://api.slack.com/messaging/webhooks and
 * https://api.slack.com/reference/block-kit/blocks (50 blocks a message; a header's plain_text
 * 150 characters; a section's text 3,000; a context 10 elements; an actions block 25 elements),
 * https://api.slack.com/reference/block-kit/block-elements#button (text 75, url 3,000).
 */
export const SLACK_LIMITS = { blocks: 50, headerText: 150, sectionText: 3000, buttonText: 75, buttonUrl: 3000, actions: 25 } as const;

/**
 * Slack parses `&`, `<` and `>` as control characters (mentions such as `<!channel>`, links
 * such as `<http://x|y>`), so staff text carries them as HTML entities:
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */
function escapeSlack(character: string): string {
  if (character === '&') return '&amp;';
  if (character === '<') return '&lt;';
  if (character === '>') return '&gt;';
  return character;
}

const escapeAll = (text: string) => Array.from(text, escapeSlack).join('');

/** `<url|label>`, Slack's link: the label escaped, and `|` kept out of the url where it would end it. */
function slackLink(link: ChatLink): string {
  return `<${escapeAll(link.url).replaceAll('|', '%7C')}|${escapeAll(link.label)}>`;
}

/** `verbatim` stops Slack turning bare `@channel`, `#channel` and urls in the text into mentions and links. */
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

function section(text: string) {
  return { type: 'section', text: mrkdwn(text) };
}

function componentsText(message: ChatMessage): string {
  const lines = message.components.map((component) => `• ${fitText(componentLine(component), 200, { escape: escapeSlack }).text}`);
  const reserve = 40;
  const { kept, leftOut } = fitItems(lines, SLACK_LIMITS.sectionText - reserve, (line) => line.length + 1);
  return ['*Affected components*', ...kept, ...(leftOut > 0 ? [`_${moreComponentsLine(leftOut)}_`] : [])].join('\n');
}

function bodyText(body: string, readMoreUrl: string | undefined): string {
  const readMore = readMoreUrl ? `\n${slackLink({ label: READ_FULL_UPDATE, url: readMoreUrl })}` : '';
  const fitted = fitText(body, SLACK_LIMITS.sectionText - readMore.length, { escape: escapeSlack });
  return fitted.truncated ? `${fitted.text}${readMore}` : fitted.text;
}

function buttons(links: ChatLink[]) {
  return links
    .filter((link) => link.url.length <= SLACK_LIMITS.buttonUrl)
    .slice(0, SLACK_LIMITS.actions)
    .map((link) => ({
      type: 'button',
      text: { type: 'plain_text', text: fitText(link.label, SLACK_LIMITS.buttonText).text },
      url: link.url,
    }));
}

export function renderSlack(message: ChatMessage): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    // plain_text is never parsed for mentions or links, so the title goes in as written.
    {
      type: 'header',
      text: { type: 'plain_text', text: fitText(message.title.trim() || message.headline, SLACK_LIMITS.headerText).text, emoji: false },
    },
    section(`*${escapeAll(message.headline)}*\n${escapeAll(severityAndStatusLine(message))}`),
  ];
  if (message.components.length > 0) blocks.push(section(componentsText(message)));
  if (message.body?.trim()) blocks.push(section(bodyText(message.body, fullTextUrlOf(message))));
  if (message.planStep) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(fitText(`Plan step: ${message.planStep}`, SLACK_LIMITS.sectionText, { escape: escapeSlack }).text)],
    });
  }
  const actionButtons = buttons(message.links);
  if (actionButtons.length > 0) blocks.push({ type: 'actions', elements: actionButtons });
  if (message.footer) blocks.push({ type: 'context', elements: [mrkdwn(slackLink(message.footer))] });

  return {
    text: fitText(summaryLine(message), SLACK_LIMITS.sectionText, { escape: escapeSlack }).text,
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
  };
}
