import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/core/types.ts';
import { flagCard } from '../../src/slack/blocks/flag-card.ts';
import {
  attestationRequest,
  conflictMessage,
  PARTNER_MESSAGE_KINDS,
  partnerMessage,
  primer,
} from '../../src/slack/blocks/partner-messages.ts';
import { decodeLeadRef } from '../../src/slack/ids.ts';
import {
  CTX,
  GATES_PASS,
  HOSTILE,
  hostileLead,
  INTERNAL_REASON_TEXT,
  lead,
  ROUTING_CHANNEL,
  repeatTo,
  SECRET_PARTNER,
} from './fixtures.ts';
import { expectInert, expectValidMessage, serialized } from './validate.ts';

function actionIds(msg: { blocks: unknown[] }): string[] {
  return msg.blocks.flatMap((b) => {
    const block = b as { type: string; elements?: Array<{ action_id: string }> };
    return block.type === 'actions' ? (block.elements ?? []).map((e) => e.action_id) : [];
  });
}

const withGates = (...over: Array<Partial<GateResult> & { gate: GateResult['gate'] }>) =>
  GATES_PASS.map((g) => ({ ...g, ...(over.find((o) => o.gate === g.gate) ?? {}) }));

describe('partnerMessage', () => {
  it.each(PARTNER_MESSAGE_KINDS)('%s is within limits and inert with hostile input', (kind) => {
    const msg = partnerMessage(kind, hostileLead({ status: 'candidate' }), { ...CTX, ownerName: HOSTILE });
    expectValidMessage(msg);
    expectInert(msg);
  });

  it.each(PARTNER_MESSAGE_KINDS)(
    '%s never shows other partners, the routing channel or internal reasons',
    (kind) => {
      const l = lead({
        status: 'lost',
        corroborators: [{ slug: 'contoso', name: SECRET_PARTNER }],
        reasonLabel: 'Price',
        reasonText: INTERNAL_REASON_TEXT,
        ownerUserId: 'U0REP1',
        gates: withGates({ gate: 'warmth', outcome: 'fail' }),
      });
      const s = serialized(partnerMessage(kind, l, CTX));
      expect(s).not.toContain(SECRET_PARTNER);
      expect(s).not.toContain(ROUTING_CHANNEL);
      expect(s).not.toContain('C0');
      expect(s).not.toContain(INTERNAL_REASON_TEXT);
      expect(s).not.toContain('corroborated by');
    },
  );

  it('received: an EQL, routed, they will hear when claimed', () => {
    const msg = partnerMessage('received', lead(), CTX);
    expect(serialized(msg)).toContain('Ecosystem Qualified Lead');
    expect(serialized(msg)).toContain('as soon as a rep claims it');
    expect(actionIds(msg)).toEqual([]);
  });

  it('candidate with failed warmth: reasons, fix, and Update attestation', () => {
    const msg = partnerMessage(
      'candidate',
      lead({
        status: 'candidate',
        gates: withGates({
          gate: 'warmth',
          outcome: 'fail',
          reason:
            'Your last interaction is 140 days old (limit 90); update the attestation if you have spoken since.',
        }),
      }),
      CTX,
    );
    const s = serialized(msg);
    expect(s).toContain('❌ *Warmth*: Your last interaction is 140 days old');
    expect(s).toContain('Already passed: Overlap, Fit, Motion');
    expect(actionIds(msg)).toEqual(['attest_open']);
    const value = (msg.blocks.find((b) => b.type === 'actions') as { elements: Array<{ value: string }> })
      .elements[0]?.value;
    expect(decodeLeadRef(value)).toEqual({ leadId: 42, version: 3 });
  });

  it('candidate with failed fit only: says partner signal cannot override fit, no attest button', () => {
    const msg = partnerMessage(
      'candidate',
      lead({
        status: 'candidate',
        gates: withGates({ gate: 'fit', outcome: 'fail', reason: 'ICP score 30/100 is below 60.' }),
      }),
      CTX,
    );
    expect(serialized(msg)).toContain('partner input can’t override it');
    expect(actionIds(msg)).toEqual([]);
  });

  it('candidate with unknown overlap offers the attestation', () => {
    const msg = partnerMessage(
      'candidate',
      lead({ status: 'candidate', gates: withGates({ gate: 'overlap', outcome: 'unknown' }) }),
      CTX,
    );
    expect(serialized(msg)).toContain('❔ *Overlap*');
    expect(actionIds(msg)).toEqual(['attest_open']);
  });

  it('intro_requested names the contact and offers Intro made / Can’t introduce', () => {
    const msg = partnerMessage(
      'intro_requested',
      lead({ status: 'intro_requested', ownerUserId: 'U0REP1' }),
      CTX,
    );
    expect(serialized(msg)).toContain('*Jane Doe* (VP Engineering)');
    expect(serialized(msg)).toContain('<@U0REP1>');
    expect(actionIds(msg)).toEqual(['intro_made', 'intro_declined']);
  });

  it('claimed uses the owner name when given', () => {
    const msg = partnerMessage('claimed', lead({ status: 'claimed', ownerUserId: 'U0REP1' }), {
      ...CTX,
      ownerName: 'Sam Rep',
    });
    expect(serialized(msg)).toContain('*Sam Rep*');
  });

  it('expired and expiry warnings offer an extension', () => {
    expect(actionIds(partnerMessage('expired', lead({ status: 'expired' }), CTX))).toEqual([
      'request_extension',
    ]);
    const warn = partnerMessage('expiry_warning', lead({ status: 'claimed' }), {
      ...CTX,
      expiresAt: CTX.now + 7 * 86_400_000,
    });
    expect(actionIds(warn)).toEqual(['request_extension']);
    expect(serialized(warn)).toContain('Nov 29, 2026');
  });

  it('won thanks them; lost and disqualified show only the reason label', () => {
    expect(serialized(partnerMessage('won', lead({ status: 'won' }), CTX))).toContain('Thank you');
    const lost = serialized(
      partnerMessage(
        'lost',
        lead({ status: 'lost', reasonLabel: 'Price', reasonText: INTERNAL_REASON_TEXT }),
        CTX,
      ),
    );
    expect(lost).toContain('reason: Price');
    expect(lost).not.toContain(INTERNAL_REASON_TEXT);
  });

  it('merged credits them without naming anyone else; conflict is polite', () => {
    expect(serialized(partnerMessage('merged', lead({ status: 'merged' }), CTX))).toContain(
      'credited as a corroborating partner',
    );
    const c = serialized(conflictMessage({ accountName: 'Acme', domain: 'acme.com' }, 'customer'));
    expect(c).toContain('already one of our customers');
    expect(c).toContain('partner manager');
    expect(
      serialized(partnerMessage('conflict', lead(), { ...CTX, conflictReason: 'open_opportunity' })),
    ).toContain('active deal');
  });
});

describe('primer, attestation request and flag card', () => {
  it('primer explains the four gates in at most 10 blocks', () => {
    const msg = primer();
    expectValidMessage(msg);
    expect(msg.blocks.length).toBeLessThanOrEqual(10);
    for (const g of ['Overlap', 'Warmth', 'Fit', 'Motion']) expect(serialized(msg)).toContain(g);
  });

  it('attestation request shows only account, domain and the rep, with attest_open', () => {
    const l = hostileLead({ surfacedBy: 'rep', submittedByUserId: 'U0REP1', status: 'awaiting_attestation' });
    const msg = attestationRequest(l, CTX);
    expectValidMessage(msg);
    expectInert(msg);
    const s = serialized(msg);
    expect(s).toContain('<@U0REP1>');
    expect(s).not.toContain(SECRET_PARTNER);
    expect(s).not.toContain(ROUTING_CHANNEL);
    expect(s).not.toContain(INTERNAL_REASON_TEXT);
    expect(s).not.toContain('ICP');
    expect(actionIds(msg)).toEqual(['attest_open']);
  });

  it('flag card has a primary Flag an account button and promises a DM', () => {
    const msg = flagCard(repeatTo(HOSTILE, 200));
    expectValidMessage(msg);
    expectInert(msg);
    expect(actionIds(msg)).toEqual(['flag_account']);
    expect(serialized(msg)).toContain('DM');
  });
});
