import { afterEach, describe, expect, it } from 'vitest';
import { startHubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';
import { startSalesforceStandIn } from '../../src/dev/crm-stand-ins/salesforce.ts';
import { hubspotConfig, hubspotProvider, salesforceConfig, salesforceProvider } from '../helpers/crm.ts';

// writeBack through the real clients: ok / retryable (with Retry-After) / permanent (with the fix), and
// idempotent by the write key, so the write-back queue can replay a write after a crash.

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const FOOTHOLD_PROPS = [
  'foothold_eql_status',
  'foothold_partner',
  'foothold_attribution',
  'foothold_lead_id',
  'foothold_lead_url',
  'foothold_write_key',
];

async function hubspot() {
  const hs = await startHubSpotStandIn({
    customProperties: { companies: FOOTHOLD_PROPS, deals: FOOTHOLD_PROPS, notes: ['foothold_write_key'] },
    uniqueProperties: { notes: ['foothold_write_key'] },
  });
  closers.push(() => hs.close());
  const config = hubspotConfig();
  return { hs, provider: hubspotProvider(hs.url, config.crm!, { timeoutMs: 300 }) };
}

describe('HubSpot write-back', () => {
  it('sets the company properties and adds one note however often the write is replayed', async () => {
    const { hs, provider } = await hubspot();
    const company = hs.put('companies', { name: 'Acme', domain: 'acme.com' });
    const write = {
      object: 'account' as const,
      crmId: company,
      fields: { foothold_eql_status: 'claimed', foothold_partner: 'Northwind', foothold_lead_id: 42 },
      writeKey: 'lead:42:claimed',
      note: {
        body: 'Northwind sourced this account; claimed by Rep One.',
        timestamp: Date.parse('2026-11-16T15:00:00Z'),
      },
    };
    const first = await provider.writeBack(write);
    const replay = await provider.writeBack(write);
    expect(first).toMatchObject({ status: 'ok', noteId: expect.any(String) });
    expect(replay).toEqual(first);
    expect(hs.get('companies', company)?.properties).toMatchObject({
      foothold_eql_status: 'claimed',
      foothold_partner: 'Northwind',
      foothold_lead_id: '42',
      foothold_write_key: 'lead:42:claimed',
    });
    const notes = hs.notesOn('companies', company);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.properties).toMatchObject({
      hs_note_body: 'Northwind sourced this account; claimed by Rep One.',
      hs_timestamp: '2026-11-16T15:00:00.000Z',
      foothold_write_key: 'lead:42:claimed',
    });
    const upsert = JSON.parse(hs.http.calls('/crm/v3/objects/notes/batch/upsert')[0]?.body ?? '{}');
    expect(upsert.inputs[0]).toMatchObject({ id: 'lead:42:claimed', idProperty: 'foothold_write_key' });
  });

  it('reports a missing property as permanent, naming the property to create', async () => {
    const { hs, provider } = await hubspot();
    const deal = hs.put('deals', { dealname: 'Acme deal', dealstage: 'qualifiedtobuy' });
    const res = await provider.writeBack({
      object: 'opportunity',
      crmId: deal,
      fields: { foothold_sourced: 'yes' },
      writeKey: 'k1',
    });
    expect(res).toMatchObject({ status: 'permanent', fix: expect.stringContaining('foothold_sourced') });
    expect(res.status === 'permanent' && res.error).toContain('VALIDATION_ERROR');
  });

  it('reports a 207 partial note failure as permanent, and a missing scope with the scopes to add', async () => {
    const hs = await startHubSpotStandIn({
      customProperties: { companies: FOOTHOLD_PROPS },
      uniqueProperties: { notes: ['foothold_write_key'] },
    });
    closers.push(() => hs.close());
    const provider = hubspotProvider(hs.url, hubspotConfig().crm!);
    const company = hs.put('companies', { name: 'Acme', domain: 'acme.com' });
    // The note property exists as unique but not as a note property: the batch answers 207 with errors.
    const res = await provider.writeBack({
      object: 'account',
      crmId: company,
      fields: {},
      writeKey: 'k2',
      note: { body: 'x', timestamp: 0 },
    });
    expect(hs.http.calls('/notes/batch/upsert')[0]?.status).toBe(207);
    expect(res).toMatchObject({ status: 'permanent' });

    hs.fault({
      path: '/crm/v3/objects/companies/',
      fault: {
        kind: 'status',
        status: 403,
        body: {
          status: 'error',
          category: 'MISSING_SCOPES',
          message: 'This app hasn’t been granted all required scopes to make this call.',
          correlationId: 'c',
          errors: [
            { message: 'missing', context: { requiredGranularScopes: ['crm.objects.companies.write'] } },
          ],
        },
      },
    });
    const denied = await provider.writeBack({
      object: 'account',
      crmId: company,
      fields: { foothold_partner: 'x' },
      writeKey: 'k3',
    });
    expect(denied).toMatchObject({
      status: 'permanent',
      fix: expect.stringContaining('crm.objects.companies.write'),
    });
  });

  it('reports 429 (with Retry-After), 5xx and timeouts as retryable', async () => {
    const { hs, provider } = await hubspot();
    const company = hs.put('companies', { name: 'Acme', domain: 'acme.com' });
    const write = {
      object: 'account' as const,
      crmId: company,
      fields: { foothold_partner: 'N' },
      writeKey: 'k',
    };
    hs.fault({
      path: '/crm/v3/objects/companies/',
      fault: {
        kind: 'status',
        status: 429,
        headers: { 'Retry-After': '7' },
        body: {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: 'c',
          policyName: 'TEN_SECONDLY_ROLLING',
        },
      },
    });
    expect(await provider.writeBack(write)).toMatchObject({ status: 'retryable', retryAfterMs: 7000 });
    hs.fault({
      path: '/crm/v3/objects/companies/',
      fault: {
        kind: 'status',
        status: 429,
        body: {
          status: 'error',
          message: 'limit',
          errorType: 'RATE_LIMIT',
          correlationId: 'c',
          policyName: 'TEN_SECONDLY_ROLLING',
        },
      },
    });
    expect(await provider.writeBack(write)).toMatchObject({ status: 'retryable', retryAfterMs: 10_000 });
    hs.fault({
      path: '/crm/v3/objects/companies/',
      fault: {
        kind: 'status',
        status: 503,
        body: { status: 'error', message: 'down', category: 'INTERNAL_ERROR', correlationId: 'c' },
      },
    });
    expect(await provider.writeBack(write)).toMatchObject({ status: 'retryable' });
    hs.fault({ path: '/crm/v3/objects/companies/', fault: { kind: 'hang' } });
    expect(await provider.writeBack(write)).toMatchObject({
      status: 'retryable',
      error: expect.stringContaining('did not answer'),
    });
    expect(await provider.writeBack(write)).toEqual({ status: 'ok', noteId: null });
  });
});

describe('Salesforce write-back', () => {
  async function salesforce() {
    const fields = ['Foothold_EQL_Status__c', 'Foothold_Partner__c', 'Foothold_Write_Key__c'];
    const sf = await startSalesforceStandIn({
      customFields: { Account: fields, Opportunity: fields, Task: ['Foothold_Write_Key__c'] },
      externalIdFields: { Task: ['Foothold_Write_Key__c'] },
    });
    closers.push(() => sf.close());
    const config = salesforceConfig();
    return { sf, provider: salesforceProvider(sf.url, config.crm!, { timeoutMs: 300 }) };
  }

  it('patches the opportunity and upserts one Task on the external-id field however often it is replayed', async () => {
    const { sf, provider } = await salesforce();
    const account = sf.put('Account', { Name: 'Acme', Website: 'acme.com' });
    const opp = sf.put('Opportunity', { Name: 'Acme deal', AccountId: account, StageName: 'Qualification' });
    const write = {
      object: 'opportunity' as const,
      crmId: opp,
      fields: { Foothold_EQL_Status__c: 'opportunity', Foothold_Partner__c: 'Northwind' },
      writeKey: 'lead:7:opportunity',
      note: { body: 'Partner-sourced by Northwind.', timestamp: Date.parse('2026-11-16T15:00:00Z') },
    };
    const first = await provider.writeBack(write);
    const replay = await provider.writeBack(write);
    expect(first).toMatchObject({ status: 'ok', noteId: expect.stringMatching(/^00T/) });
    expect(replay).toEqual(first);
    expect(sf.get('Opportunity', opp)).toMatchObject({
      Foothold_EQL_Status__c: 'opportunity',
      Foothold_Partner__c: 'Northwind',
      Foothold_Write_Key__c: 'lead:7:opportunity',
    });
    expect(sf.count('Task')).toBe(1);
    const upserts = sf.http.calls('/sobjects/Task/Foothold_Write_Key__c/', 'PATCH');
    expect(upserts.map((r) => r.status)).toEqual([201, 200]);
    expect(JSON.parse(upserts[0]?.body ?? '{}')).toMatchObject({
      WhatId: opp,
      Description: 'Partner-sourced by Northwind.',
      ActivityDate: '2026-11-16',
    });
  });

  it('reports a missing field and a missing permission as permanent, with the fix', async () => {
    const { sf, provider } = await salesforce();
    const account = sf.put('Account', { Name: 'Acme', Website: 'acme.com' });
    const missing = await provider.writeBack({
      object: 'account',
      crmId: account,
      fields: { Foothold_Sourced__c: true },
      writeKey: 'k',
    });
    expect(missing).toMatchObject({ status: 'permanent', fix: expect.stringContaining('Object Manager') });
    expect(missing.status === 'permanent' && missing.error).toContain('INVALID_FIELD');
    sf.fault({
      method: 'PATCH',
      path: '/sobjects/Account/',
      fault: {
        kind: 'status',
        status: 403,
        body: [
          {
            message: 'insufficient access rights on object id',
            errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
          },
        ],
      },
    });
    const denied = await provider.writeBack({
      object: 'account',
      crmId: account,
      fields: { Foothold_Partner__c: 'N' },
      writeKey: 'k',
    });
    expect(denied).toMatchObject({ status: 'permanent', fix: expect.stringContaining('permission set') });
  });

  it('reports 503, REQUEST_LIMIT_EXCEEDED and timeouts as retryable (jsforce never retries a PATCH)', async () => {
    const { sf, provider } = await salesforce();
    const account = sf.put('Account', { Name: 'Acme', Website: 'acme.com' });
    const write = {
      object: 'account' as const,
      crmId: account,
      fields: { Foothold_Partner__c: 'N' },
      writeKey: 'k',
    };
    sf.fault({
      method: 'PATCH',
      path: '/sobjects/Account/',
      fault: {
        kind: 'status',
        status: 503,
        body: [{ message: 'Server unavailable', errorCode: 'SERVER_UNAVAILABLE' }],
      },
    });
    expect(await provider.writeBack(write)).toMatchObject({ status: 'retryable', retryAfterMs: null });
    sf.fault({
      method: 'PATCH',
      path: '/sobjects/Account/',
      fault: {
        kind: 'status',
        status: 403,
        body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
      },
    });
    expect(await provider.writeBack(write)).toMatchObject({ status: 'retryable', retryAfterMs: 15 * 60_000 });
    sf.fault({ method: 'PATCH', path: '/sobjects/Account/', fault: { kind: 'hang' } });
    expect(await provider.writeBack(write)).toMatchObject({ status: 'retryable' });
    expect(await provider.writeBack(write)).toEqual({ status: 'ok', noteId: null });
    expect(sf.http.calls('/sobjects/Account/', 'PATCH')).toHaveLength(4);
  });
});
