import { describe, expect, it } from 'vitest';
import type { LeadStatus } from '../../src/core/types.ts';
import { ROUTING_BUTTONS, routingPost } from '../../src/slack/blocks/routing-post.ts';
import { ACTIONS, decodeLeadRef } from '../../src/slack/ids.ts';
import { ALL_STATUSES, CTX, hostileLead, lead, SECRET_PARTNER } from './fixtures.ts';
import { expectInert, expectValidMessage, serialized } from './validate.ts';

type Btn = { action_id: string; value?: string };
function buttons(msg: { blocks: unknown[] }): Btn[] {
  return msg.blocks.flatMap((b) => {
    const block = b as { type: string; elements?: Btn[] };
    return block.type === 'actions' ? (block.elements ?? []) : [];
  });
}

const EXPECTED: Record<LeadStatus, string[]> = {
  surfaced: ['disqualify'],
  awaiting_attestation: ['disqualify'],
  candidate: ['disqualify'],
  qualified: ['claim', 'disqualify', 'reassign'],
  claimed: ['request_intro', 'meeting_held', 'opportunity', 'won', 'lost', 'disqualify', 'reassign'],
  intro_requested: ['meeting_held', 'opportunity', 'won', 'lost', 'disqualify', 'reassign'],
  meeting_held: ['opportunity', 'won', 'lost', 'disqualify', 'reassign'],
  opportunity: ['won', 'lost', 'disqualify', 'reassign'],
  won: [],
  lost: [],
  disqualified: [],
  merged: [],
  expired: ['grant_extension'],
};

describe('routingPost', () => {
  it.each(ALL_STATUSES)('%s shows the right buttons, each carrying the lead and its version', (status) => {
    const msg = routingPost(lead({ status }), CTX);
    // Every status ends with History (the audit log, for the vendor team).
    expect(buttons(msg).map((b) => b.action_id)).toEqual([...EXPECTED[status], ACTIONS.history]);
    expect([...ROUTING_BUTTONS[status]]).toEqual(EXPECTED[status]);
    for (const b of buttons(msg)) expect(decodeLeadRef(b.value)).toEqual({ leadId: 42, version: 3 });
    expectValidMessage(msg);
  });

  it.each(ALL_STATUSES)('%s stays within limits and inert with hostile, maximum-length input', (status) => {
    const msg = routingPost(hostileLead({ status }), CTX);
    expectValidMessage(msg);
    expectInert(msg);
    expect(msg.text.length).toBeLessThan(4000);
  });

  it('shows account, partner, corroborators, relationship, ICP, gates, criteria and warmth', () => {
    const msg = routingPost(
      lead({
        corroborators: [
          { slug: 'c', name: 'Contoso' },
          { slug: 'f', name: 'Fabrikam' },
        ],
      }),
      CTX,
    );
    const s = serialized(msg);
    expect(s).toContain('Acme');
    expect(s).toContain('acme.com');
    expect(s).toContain('Northwind Consulting');
    expect(s).toContain('corroborated by Contoso and Fabrikam');
    expect(s).toContain('Customer · attested');
    expect(s).toContain('70/100 (needs 60)');
    expect(s).toContain('✅ *Overlap*');
    expect(s).toContain('✓ industry software is in software, fintech, healthcare · 30 pts');
    expect(s).toContain('✗ country FR is not in US, CA, GB');
    expect(s).toContain('4/5 Strong');
    expect(s).toContain('Jane Doe, VP Engineering');
    expect(s).toContain('last spoke Nov 2, 2026');
    expect(s).toContain('willing to introduce');
    expect(s).toContain('up next: <@U0REP1>');
    expect(msg.text).toContain('Acme (acme.com)');
  });

  it('shows owner, intro status and the closing reason', () => {
    const claimed = serialized(
      routingPost(
        lead({
          status: 'intro_requested',
          ownerUserId: 'U0REP2',
          claimedAt: CTX.now - 3_600_000,
          introStatus: 'declined',
        }),
        CTX,
      ),
    );
    expect(claimed).toContain('<@U0REP2>');
    expect(claimed).toContain("Partner can't introduce");
    const lost = serialized(
      routingPost(
        lead({ status: 'lost', reasonLabel: 'Price', reasonText: 'Went with the cheaper tool' }),
        CTX,
      ),
    );
    expect(lost).toContain('Lost on Nov 22, 2026: Price — Went with the cheaper tool');
    const merged = serialized(routingPost(lead({ status: 'merged', mergedIntoLeadId: 9 }), CTX));
    expect(merged).toContain('Merged into lead #9');
  });

  it('escapes hostile text and links only Slack message URLs', () => {
    const s = serialized(routingPost(hostileLead({ sourceMessageUrl: 'https://evil.example/x' }), CTX));
    expect(s).toContain('&lt;!channel&gt;');
    expect(s).not.toContain('<https://evil');
    const ok = serialized(routingPost(lead({ sourceMessageUrl: 'https://slack.com/archives/C1/p1' }), CTX));
    expect(ok).toContain('<https://slack.com/archives/C1/p1|source message>');
    // the routing post is internal: corroborators are shown there
    expect(s).toContain(SECRET_PARTNER);
  });
});
