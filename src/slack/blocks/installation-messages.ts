import { context, message, type SlackMessage, section } from '../limits.ts';
import { userText } from '../mrkdwn.ts';

// What admins are told when a workspace or organisation removes Foothold or revokes its tokens.

export type InstallationChange = 'app_uninstalled' | 'tokens_revoked';

const HEADLINE: Record<InstallationChange, string> = {
  app_uninstalled: 'Foothold was uninstalled',
  tokens_revoked: 'Foothold’s bot token was revoked',
};

export function installationRemovedDm(input: {
  change: InstallationChange;
  /** `T…` workspace or `E…` organisation. */
  orgId: string;
  orgName: string | null;
  partnerName: string | null;
  home: boolean;
}): SlackMessage {
  const where = input.orgName ? `${userText(input.orgName, 80)} (${input.orgId})` : input.orgId;
  const whose = input.home
    ? 'your own workspace'
    : input.partnerName
      ? `${userText(input.partnerName, 80)}’s workspace`
      : 'a workspace that is not registered as a partner';
  const next = input.home
    ? 'Foothold cannot post routing posts or DMs until it is reinstalled and `SLACK_BOT_TOKEN` updated.'
    : 'Its people now hear from Foothold only through the channels your workspace shares with them; ask them to reinstall for `/eql` and DMs in their own workspace.';
  const text = `${HEADLINE[input.change]} in ${whose}: ${where}. ${next}`;
  return message(text, [section(`*${HEADLINE[input.change]}* in ${whose}: ${where}.`), context([next])]);
}
