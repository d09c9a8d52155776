/**
 * The places a team alert can go besides email and the generic JSON webhook: four chat platforms'
 * incoming webhooks and PagerDuty's Events API v2.
 */
export const chatPlatforms = ['slack', 'teams', 'discord', 'google_chat'] as const;
export type ChatPlatform = (typeof chatPlatforms)[number];

export const contactChannelKinds = [...chatPlatforms, 'pagerduty'] as const;
export type ContactChannelKind = (typeof contactChannelKinds)[number];

export const contactChannelKindLabels: Record<ContactChannelKind, string> = {
  slack: 'Slack',
  teams: 'Microsoft Teams',
  discord: 'Discord',
  google_chat: 'Google Chat',
  pagerduty: 'PagerDuty',
};
