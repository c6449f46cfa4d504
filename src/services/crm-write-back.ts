import type { CrmConfig, CrmWriteFields } from '../config/program-config.ts';
import { creditHolder } from '../core/credit.ts';
import { STATUS_LABELS } from '../core/lifecycle.ts';
import type { Attribution, LeadView } from '../core/types.ts';
import type { Tx } from '../db/connection.ts';
import { type CrmOutboxInput, enqueueCrmWrites } from '../db/stores/crm-outbox-store.ts';
import { accountCrmId } from '../db/stores/crm-outcome-store.ts';
import { getLead } from '../db/stores/lead-store.ts';
import type { ServiceDeps } from './context.ts';

// Write-back (PRODUCT.md section 11): on qualification and every later transition, the lead's CRM account
// (company) and its linked opportunity (deal) get the configured fields, queued in `crm_outbox` in the SAME
// transaction as the change, delivered by src/crm/write-back-sender.ts. Values are absolute (the lead's state
// now), and each write carries a key derived from the lead and the audit event that caused it, which the
// provider stores in the write-key field and uses to upsert the note: a replay after a crash lands once.

export const ATTRIBUTION_VALUES: Record<Attribution, string> = {
  sourced: 'Partner-sourced',
  influenced: 'Partner-influenced',
};

/** What a queued write-back holds: the provider's `CrmWrite` plus the link field, filled in at send time. */
export interface QueuedCrmWrite {
  object: 'account' | 'opportunity';
  crmId: string;
  fields: Record<string, string | number | boolean | null>;
  writeKey: string;
  /** The field that gets the link to the lead's routing post, filled when the sender runs (it is posted after). */
  leadUrlField: string | null;
  note: { body: string; timestamp: number } | null;
}

/** The configured fields with the lead's values now (the link is added at send time). */
export function writeBackFields(
  map: CrmWriteFields,
  view: LeadView,
  writeKey: string,
): QueuedCrmWrite['fields'] {
  const fields: QueuedCrmWrite['fields'] = {};
  if (map.eqlStatus) fields[map.eqlStatus] = STATUS_LABELS[view.status];
  if (map.partner) fields[map.partner] = creditHolder(view).name;
  if (map.attribution) fields[map.attribution] = ATTRIBUTION_VALUES[view.attribution];
  if (map.leadId) fields[map.leadId] = String(view.id);
  if (map.writeKey) fields[map.writeKey] = writeKey;
  return fields;
}

function hasFields(map: CrmWriteFields): boolean {
  return Boolean(map.eqlStatus || map.partner || map.attribution || map.leadId || map.leadUrl);
}

/** The note attached to the account on each write (HubSpot: a note on the company; Salesforce: a Task). */
export function writeBackNote(view: LeadView): string {
  const partner = creditHolder(view).name;
  return `Foothold lead #${view.id}: ${view.accountName} (${view.domain}), ${ATTRIBUTION_VALUES[view.attribution].toLowerCase()} by ${partner}, is now ${STATUS_LABELS[view.status]}.`;
}

export function crmWriteRows(
  crm: CrmConfig,
  view: LeadView,
  targets: { accountId: string | null; opportunityId: string | null },
  eventId: number,
  now: number,
): CrmOutboxInput[] {
  const rows: CrmOutboxInput[] = [];
  const add = (object: 'account' | 'opportunity', crmId: string | null, map: CrmWriteFields) => {
    if (!crmId || !hasFields(map)) return;
    const writeKey = `foothold:lead:${view.id}:event:${eventId}:${object}`;
    const write: QueuedCrmWrite = {
      object,
      crmId,
      fields: writeBackFields(map, view, writeKey),
      writeKey,
      leadUrlField: map.leadUrl ?? null,
      note:
        object === 'account' && crm.writeBack.noteKeyField
          ? { body: writeBackNote(view), timestamp: now }
          : null,
    };
    rows.push({
      deliveryKey: `crm:${writeKey}`,
      recordKey: `${object}:${crmId}`,
      leadId: view.id,
      payload: write as unknown as Record<string, unknown>,
    });
  };
  add('account', targets.accountId, crm.writeBack.account);
  add('opportunity', targets.opportunityId, crm.writeBack.opportunity);
  return rows;
}

/**
 * Queues the write-backs for the lead's state after audit event `eventId`, in the caller's transaction.
 * Nothing for programs without a CRM, with write-back off, or for leads that never became EQLs.
 */
export async function queueCrmWriteBack(
  tx: Tx,
  deps: ServiceDeps,
  view: LeadView,
  eventId: number,
): Promise<void> {
  const crm = deps.config.crm;
  if (!crm?.writeBack.enabled) return;
  const row = await getLead(tx, view.id);
  if (!row || row.qualifiedAt === null) return;
  const now = deps.now();
  await enqueueCrmWrites(
    tx,
    crmWriteRows(
      crm,
      view,
      { accountId: await accountCrmId(tx, crm.provider, view.domain), opportunityId: row.crmOpportunityId },
      eventId,
      now,
    ),
    now,
  );
}
