import { transaction } from '../db/connection.ts';
import { channelCard, enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { partnerBySlackId } from '../db/stores/program-store.ts';
import { flagCard } from '../slack/blocks/flag-card.ts';
import type { ServiceDeps } from './context.ts';

/**
 * Posts (and pins) the "Flag an account" card in registered shared channels, or refreshes the card already
 * there. This is the door for partners whose workspace has not installed Foothold: anyone in a shared
 * channel can click an app's button, even without the slash command.
 */
export async function postFlagCards(
  deps: ServiceDeps,
  opts: { actorUserId: string | null; channelId?: string; onlyIfMissing?: boolean },
): Promise<{ channels: string[] }> {
  const now = deps.now();
  const targets = deps.config.partners.flatMap((p) =>
    p.channels
      .filter((c) => !opts.channelId || c === opts.channelId)
      .map((channel) => ({ channel, partner: p })),
  );
  return transaction(deps.db, async (tx) => {
    const messages: OutboxMessage[] = [];
    for (const { channel, partner } of targets) {
      if ((await partnerBySlackId(tx, 'channel', channel)) !== partner.slug) continue;
      const card = flagCard(partner.name);
      const existing = await channelCard(tx, channel);
      if (existing?.ts) {
        if (opts.onlyIfMissing) continue;
        messages.push({
          deliveryKey: `card:${channel}:refresh:${now}`,
          recipient: channel,
          method: 'chat.update',
          payload: { channel, ts: existing.ts, text: card.text, blocks: card.blocks },
        });
        if (!existing.pinned) {
          messages.push({
            deliveryKey: `pin:${channel}:${existing.ts}`,
            recipient: channel,
            method: 'pins.add',
            payload: { channel, timestamp: existing.ts },
            onSent: 'card_pinned',
          });
        }
      } else {
        messages.push({
          // One first post per channel, however often setup runs or the bot is (re)invited before it goes out.
          deliveryKey: `card:${channel}:first`,
          recipient: channel,
          method: 'chat.postMessage',
          payload: { channel, text: card.text, blocks: card.blocks, unfurl_links: false },
          onSent: `flag_card:${partner.slug}`,
        });
      }
    }
    await enqueue(tx, messages, now);
    return { channels: [...new Set(messages.map((m) => m.recipient))] };
  });
}
