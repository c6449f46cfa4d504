import { describe, expect, it } from 'vitest';
import {
  claimTakenEphemeral,
  extensionRequestDm,
  helpText,
  introAnsweredDm,
  mineList,
  partnerManagerCandidate,
  partnerManagerConflict,
  refusal,
  repAssignedDm,
  repSuggestionDm,
  statusReply,
} from '../../src/slack/blocks/internal-messages.ts';
import { CTX, HOSTILE, hostileLead, lead, ROUTING_CHANNEL, repeatTo, SECRET_PARTNER } from './fixtures.ts';
import { expectInert, expectValidMessage, serialized } from './validate.ts';

const many = (n: number) =>
  Array.from({ length: n }, (_, i) => hostileLead({ id: i + 1, status: 'claimed' }));

describe('internal messages', () => {
  it('all are within limits and inert with hostile input', () => {
    const h = hostileLead();
    const msgs = [
      repSuggestionDm(h),
      repAssignedDm(h, `Reassigned by <@U0LEAD>: ${repeatTo(HOSTILE, 1000)}`),
      repAssignedDm(h, { byUserId: 'U0LEAD', reason: repeatTo(HOSTILE, 1000) }),
      repAssignedDm(h, 'You own this account in the CRM.'),
      introAnsweredDm(h, true),
      introAnsweredDm(h, false),
      claimTakenEphemeral('U0REP2', h.accountName),
      claimTakenEphemeral('U0REP2'),
      partnerManagerConflict({
        accountName: h.accountName,
        domain: h.domain,
        partnerName: h.partner.name,
        reason: 'customer',
      }),
      partnerManagerCandidate(h),
      extensionRequestDm(h, 'U0PARTNER', CTX),
      refusal(repeatTo(HOSTILE, 5000)),
      statusReply(many(30), 'internal', { ...CTX, domain: repeatTo(HOSTILE, 300) }),
      statusReply(many(30), 'partner', { ...CTX, domain: 'acme.com' }),
      statusReply([], 'partner', { ...CTX, domain: HOSTILE }),
      mineList(many(300), 'internal', CTX),
      mineList(many(300), 'partner', CTX),
      mineList([], 'partner', CTX),
      helpText(true, true),
    ];
    for (const m of msgs) {
      expectValidMessage(m);
      expectInert(m);
    }
  });

  it('suggestion DM: up next, with a Claim button', () => {
    const m = repSuggestionDm(lead());
    expect(serialized(m)).toContain('up next in the rotation');
    expect(serialized(m)).toContain('"action_id":"claim"');
    expect(serialized(m)).toContain(`<#${ROUTING_CHANNEL}>`);
  });

  it('assigned DM keeps the service’s mention of the leader but not mentions in the reason', () => {
    const s = serialized(repAssignedDm(lead(), 'Reassigned by <@U0LEAD>: covering for <@U123> <!here>'));
    expect(s).toContain('Assigned by <@U0LEAD>: covering for &lt;@U123&gt; &lt;!here&gt;');
  });

  it('claim taken tells who owns it', () => {
    expect(claimTakenEphemeral('U0REP2', 'Acme').text).toContain('claimed by <@U0REP2>');
  });

  it('status for partners shows their own side only', () => {
    const l = lead({
      corroborators: [{ slug: 'c', name: SECRET_PARTNER }],
      status: 'candidate',
      gates: lead().gates.map((g) => (g.gate === 'warmth' ? { ...g, outcome: 'fail' as const } : g)),
    });
    const partner = serialized(statusReply([l], 'partner', { ...CTX, domain: 'acme.com' }));
    expect(partner).not.toContain(SECRET_PARTNER);
    expect(partner).not.toContain(ROUTING_CHANNEL);
    expect(partner).not.toContain('Northwind');
    expect(partner).toContain('Not an EQL yet');
    expect(partner).toContain('"action_id":"attest_open"');
    const internal = serialized(statusReply([l], 'internal', { ...CTX, domain: 'acme.com' }));
    expect(internal).toContain(SECRET_PARTNER);
    expect(internal).toContain(`<#${ROUTING_CHANNEL}>`);
    expect(internal).toContain('Northwind Consulting');
  });

  it('status with no lead says so and suggests flagging (partners)', () => {
    expect(statusReply([], 'partner', { ...CTX, domain: 'acme.com' }).text).toContain('/eql acme.com');
    expect(statusReply([], 'internal', { ...CTX, domain: 'acme.com' }).text).toContain(
      'No leads on acme.com',
    );
  });

  it('mine lists every lead that fits and says how many more', () => {
    const m = mineList(many(300), 'internal', CTX);
    const s = serialized(m);
    const shown = (s.match(/• /g) ?? []).length;
    expect(shown).toBeGreaterThan(10);
    expect(s).toContain(`and ${300 - shown} more leads`);
    const few = serialized(mineList([lead({ status: 'claimed' })], 'partner', CTX));
    expect(few).toContain('Being worked by our team');
    expect(few).not.toContain('Northwind');
  });

  it('help shows digest to leaders and setup to admins only', () => {
    expect(serialized(helpText(false, false))).not.toContain('/eql digest');
    expect(serialized(helpText(false, true))).toContain('/eql digest');
    expect(serialized(helpText(false, true))).not.toContain('/eql setup');
    expect(serialized(helpText(true, true))).toContain('/eql setup');
  });

  it('refusal escapes its text', () => {
    expect(refusal('Nope <!channel>').text).toBe('Nope &lt;!channel&gt;');
  });
});
