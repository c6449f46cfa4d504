import { type HubSpotStandIn, startHubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';

// The HubSpot portal the outcome and write-back tests run against: the example config's write-back properties
// on companies and deals, a unique-value note property for the notes, and the account Acme Corp.

export const WRITE_PROPS = [
  'foothold_eql_status',
  'foothold_partner',
  'foothold_attribution',
  'foothold_lead_id',
  'foothold_lead_url',
  'foothold_write_key',
];

/** A HubSpot stand-in with Foothold's properties (none with `props: []`, a portal nobody set up). */
export function startFootholdPortal(props: readonly string[] = WRITE_PROPS): Promise<HubSpotStandIn> {
  return startHubSpotStandIn({
    customProperties: { companies: [...props], deals: [...props], notes: ['foothold_write_key'] },
    uniqueProperties: { notes: ['foothold_write_key'] },
  });
}

/** Acme Corp as a HubSpot company that fits the example ICP; returns its id. */
export function putAcme(hs: HubSpotStandIn): string {
  return hs.put('companies', {
    name: 'Acme Corp',
    domain: 'acme.com',
    industry: 'software',
    numberofemployees: 1200,
    country: 'United States',
    lifecyclestage: 'lead',
  });
}
