/**
 * Identities shared by the Slack stand-in (the fake Web API) and the signed requester (the fake
 * Slack that calls the app), so that payload builders and API answers agree by default.
 */
export const SLACK_DEFAULTS = {
  /** The workspace that installed the app. */
  team: { id: 'T0000HOME', name: 'Foothold Test', domain: 'foothold-test' },
  /** The app's bot user. */
  bot: { userId: 'U0000BOT', botId: 'B0000BOT', appId: 'A0000APP', name: 'foothold' },
  /** A person in the installing workspace. */
  user: { id: 'U0000ALICE', name: 'alice' },
  /** A public channel in the installing workspace. */
  channel: { id: 'C0000GENERAL', name: 'general' },
  /** The bot token the stand-in accepts unless told otherwise. */
  botToken: 'xoxb-test',
  /** Deprecated verification token Slack still sends in payloads (Bolt ignores it). */
  verificationToken: 'verification-token-test',
} as const;
