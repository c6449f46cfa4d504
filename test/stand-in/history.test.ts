import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { api } from './helpers.ts';

// conversations.history / conversations.replies, as the outbox sender uses them to find a post whose answer
// was lost: newest first, oldest exclusive, cursor pages, metadata only when asked for.

let standIn: SlackStandIn;
beforeEach(async () => {
  standIn = await startSlackStandIn({ channels: [{ id: 'C0ROUTING', name: 'routing' }] });
});
afterEach(async () => {
  await standIn.close();
});

const meta = (key: string) => ({ event_type: 'foothold_delivery', event_payload: { delivery_key: key } });

describe('conversation history', () => {
  it('lists a channel’s messages newest first, with metadata on request, page by page', async () => {
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api(standIn, 'chat.postMessage', {
        channel: 'C0ROUTING',
        text: `m${i}`,
        metadata: meta(`k${i}`),
      });
      posted.push(String(res.body.ts));
    }
    const plain = await api(standIn, 'conversations.history', { channel: 'C0ROUTING' });
    const messages = plain.body.messages as Array<{ text: string; metadata?: unknown }>;
    expect(messages.map((m) => m.text)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    expect(messages.every((m) => m.metadata === undefined)).toBe(true);

    const page1 = await api(standIn, 'conversations.history', {
      channel: 'C0ROUTING',
      include_all_metadata: true,
      limit: 2,
      oldest: posted[0],
    });
    expect(
      (page1.body.messages as Array<{ metadata: { event_payload: { delivery_key: string } } }>).map(
        (m) => m.metadata.event_payload.delivery_key,
      ),
    ).toEqual(['k4', 'k3']);
    expect(page1.body.has_more).toBe(true);
    const cursor = (page1.body.response_metadata as { next_cursor: string }).next_cursor;
    const page2 = await api(standIn, 'conversations.history', {
      channel: 'C0ROUTING',
      include_all_metadata: true,
      limit: 2,
      oldest: posted[0],
      cursor,
    });
    // `oldest` is exclusive: m0 itself is not listed.
    expect((page2.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual(['m2', 'm1']);
    expect(page2.body.has_more).toBe(false);
  });

  it('keeps thread replies out of the history and lists them with conversations.replies', async () => {
    const parent = await api(standIn, 'chat.postMessage', { channel: 'C0ROUTING', text: 'post' });
    await api(standIn, 'chat.postMessage', {
      channel: 'C0ROUTING',
      text: 'reply',
      thread_ts: parent.body.ts,
      metadata: meta('r1'),
    });
    const history = await api(standIn, 'conversations.history', { channel: 'C0ROUTING' });
    expect((history.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual(['post']);
    const replies = await api(standIn, 'conversations.replies', {
      channel: 'C0ROUTING',
      ts: parent.body.ts,
      include_all_metadata: true,
    });
    expect((replies.body.messages as Array<{ text: string }>).map((m) => m.text).sort()).toEqual([
      'post',
      'reply',
    ]);
    expect(
      (await api(standIn, 'conversations.replies', { channel: 'C0ROUTING', ts: '1.000001' })).body.error,
    ).toBe('thread_not_found');
  });
});
