import type { ChatPlatform } from './channel-kinds';
import type { ChatMessage } from './chat-message';
import { renderDiscord } from './discord';
import { renderGoogleChat } from './google-chat';
import { renderSlack } from './slack';
import { renderTeams } from './teams';

const renderers: Record<ChatPlatform, (message: ChatMessage) => Record<string, unknown>> = {
  slack: renderSlack,
  teams: renderTeams,
  discord: renderDiscord,
  google_chat: renderGoogleChat,
};

/** The JSON body to POST to a chat platform's incoming webhook. PagerDuty takes an event instead (pagerduty.ts). */
export function renderFor(platform: ChatPlatform, message: ChatMessage): Record<string, unknown> {
  return renderers[platform](message);
}
