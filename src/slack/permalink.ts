import { link, oneLine, truncate, userText } from './mrkdwn.ts';

// Links to a lead's routing post. Slack's permalink for message `ts` in `channel` is
// `https://slack.com/archives/<channel>/p<ts without the dot>`; slack.com redirects it to the workspace.

const CHANNEL = /^[CG][A-Z0-9]+$/;
const TS = /^\d+\.\d+$/;

export function routingPostUrl(
  channel: string | null | undefined,
  ts: string | null | undefined,
): string | null {
  if (!channel || !ts || !CHANNEL.test(channel) || !TS.test(ts)) return null;
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

/** "<permalink|*Acme Corp*>" when the post exists, else the escaped name in bold. */
export function leadLink(
  lead: { accountName: string; routingPostChannel?: string | null; routingPostTs?: string | null },
  maxName = 80,
): string {
  const url = routingPostUrl(lead.routingPostChannel, lead.routingPostTs);
  return url
    ? `*${link(url, truncate(oneLine(lead.accountName), maxName))}*`
    : `*${userText(lead.accountName, maxName)}*`;
}
