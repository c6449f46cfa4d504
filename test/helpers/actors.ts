import type { SubmitLeadInput } from '../../src/services/inputs.ts';

// The cast of the example program (foothold.config.example.json). The vendor's own workspace is T0VENDOR.

export const NORTHWIND = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
export const NORTHWIND_2 = { userId: 'U0NWBOB', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
export const CONTOSO = { userId: 'U0CONPAT', teamId: 'T0CONTOSO', channelId: 'C0SHAREDC' };
export const STRANGER = { userId: 'U0STRANGER', teamId: 'T0UNKNOWN', channelId: 'C0RANDOM' };
export const REP1 = { userId: 'U0REP1', teamId: 'T0VENDOR', channelId: null };
export const REP2 = { userId: 'U0REP2', teamId: 'T0VENDOR', channelId: null };
export const LEADER = { userId: 'U0LEAD', teamId: 'T0VENDOR', channelId: null };
export const ADMIN = { userId: 'U0ADMIN', teamId: 'T0VENDOR', channelId: null };
export const NOBODY_INTERNAL = { userId: 'U0INTERN', teamId: 'T0VENDOR', channelId: null };

/** A submission that clears all four gates with the example config on 2026-11-16. */
export function goodSubmission(overrides: Partial<SubmitLeadInput> = {}): SubmitLeadInput {
  return {
    actor: NORTHWIND,
    accountName: 'Acme Corp',
    website: 'https://www.acme.com/about',
    relationship: 'prospect',
    warmth: {
      strength: 4,
      contactName: 'Jane Doe',
      contactTitle: 'VP Engineering',
      contactEmail: 'jane@acme.com',
      lastInteractionOn: '2026-11-01',
      willingToIntroduce: true,
    },
    need: 'Replacing their homegrown partner portal',
    notes: null,
    firmographics: { industry: 'software', employees: 1200, country: 'US' },
    ...overrides,
  };
}
