import { OPEN_STATUSES } from '../core/lifecycle.ts';
import { expiryStage } from '../core/sla.ts';
import type { LeadView } from '../core/types.ts';
import { loadLeadFacts, takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { appendEvent, getLead, getLeadView } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { loadLeadFor, partnerContact, reasonLabeler } from '../services/context.ts';
import { dm } from '../services/notify.ts';
import { applyTransition } from '../services/transition.ts';
import { partnerMessage } from '../slack/blocks/partner-messages.ts';
import { queueReminders, type ReminderItem, sendTimeFor } from './reminders.ts';
import { jobTransaction, mergeRun, runDraft, servicesAt } from './transaction.ts';
import { emptySummary, type Job, type QueuedMessage } from './types.ts';

// Expiry (PRODUCT.md section 6). `expiry.warnDays` before an open lead has gone `expiry.days` (plus any
// extensions) without progress, its owner and partner are warned, the partner with a Request extension
// button; at expiry the lead moves to `expired` (a lifecycle transition, so the routing post updates), the
// partner is told (again with Request extension) and the owner too. The steps' keys include the expiry time,
// so an extension opens fresh ones.

export const EXPIRY_JOB = 'expiry';
const DAY = 86_400_000;

export const expiryJob: Job = {
  name: EXPIRY_JOB,
  description: 'Warns owners and partners a week before a lead expires, then expires it and tells them',
  schedule: () => '5 * * * *',
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun ?? false;
    const summary = emptySummary(EXPIRY_JOB, now, dryRun);
    const services = servicesAt(deps.services, now);
    const { db, config } = services;
    const tz = config.timezone;

    const due = (await loadLeadFacts(db, { statuses: OPEN_STATUSES })).flatMap((lead) => {
      // Far from its warning window (a day of slack for DST): skip the calendar arithmetic.
      const idleDays = (now - lead.lastProgressAt) / DAY;
      if (idleDays < config.expiry.days + lead.extensionDays - config.expiry.warnDays - 1) return [];
      const e = expiryStage(lead, config, tz, now);
      if (e.stage === 'none' || !e.periodKey || e.expiresAt === null) return [];
      return [
        { lead, stage: e.stage, periodKey: e.periodKey, expiresAt: e.expiresAt, warnAt: e.warnAt ?? now },
      ];
    });
    const taken = await takenPeriods(
      db,
      EXPIRY_JOB,
      due.map((d) => d.periodKey),
    );
    const todo: Array<(typeof due)[number] & { view: LeadView }> = [];
    for (const d of due) {
      if (taken.has(d.periodKey)) continue;
      const view = await getLeadView(db, d.lead.id, reasonLabeler(config));
      if (view) todo.push({ ...d, view });
    }
    if (todo.length === 0) return summary;

    const people = todo
      .flatMap((d) => [d.view.ownerUserId, partnerContact(d.view)])
      .filter((u): u is string => !!u);
    const zones = await deps.timeZones.resolve(people, now, { cacheOnly: dryRun, db });
    const tzOf = (u: string) => zones.get(u);

    const done = await jobTransaction(db, dryRun, async (tx) => {
      const run = runDraft();
      const txServices = { ...services, db: tx };
      const reminders: Array<{ recipient: string; item: ReminderItem }> = [];
      const record = (m: OutboxMessage, kind: string, line: string) =>
        run.queued.push({
          to: m.recipient,
          kind,
          deliveryKey: m.deliveryKey,
          notBefore: m.notBefore ?? now,
          leadIds: m.leadId != null ? [m.leadId] : [],
          summary: line,
        } satisfies QueuedMessage);
      for (const d of todo) {
        const current = await getLead(tx, d.lead.id);
        if (!current) continue;
        // Re-check on the row as it is now: progress or an extension since the read moves the expiry.
        const e = expiryStage(current, config, tz, now);
        if (e.periodKey !== d.periodKey) continue;
        if (!(await takePeriod(tx, EXPIRY_JOB, d.periodKey, now))) continue;
        run.keys.push(d.periodKey);
        const view = await loadLeadFor(tx, txServices, d.lead.id);
        const partner = partnerContact(view);
        const ctx = { timeZone: tz, now, expiresAt: d.expiresAt };
        if (d.stage === 'warning') {
          const eventId = await appendEvent(tx, {
            leadId: view.id,
            type: 'expiry_warning',
            data: { periodKey: d.periodKey, expiresAt: d.expiresAt },
            at: now,
          });
          if (partner) {
            const m: OutboxMessage = {
              ...dm(
                partner,
                `lead:${view.id}:partner:expiry_warning:${eventId}`,
                partnerMessage('expiry_warning', view, ctx),
                view.id,
              ),
              notBefore: sendTimeFor(partner, now, tzOf, tz),
            };
            await enqueue(tx, [m], now);
            record(
              m,
              'partner:expiry_warning',
              `partner warned: #${view.id} expires ${new Date(d.expiresAt).toISOString()} (Request extension)`,
            );
          }
          if (view.ownerUserId)
            reminders.push({
              recipient: view.ownerUserId,
              item: {
                kind: 'expiry_warning',
                leadId: view.id,
                periodKey: d.periodKey,
                dueMs: d.warnAt,
                expiresAt: d.expiresAt,
              },
            });
          continue;
        }
        const partnerAt = partner ? sendTimeFor(partner, now, tzOf, tz) : now;
        const res = await applyTransition(tx, txServices, {
          view,
          to: 'expired',
          actorUserId: null,
          reason: 'no_progress',
          data: { periodKey: d.periodKey, expiresAt: d.expiresAt },
          partnerMessage: null,
          extraMessages: (after, eventId) =>
            partner
              ? [
                  {
                    ...dm(
                      partner,
                      `lead:${after.id}:partner:expired:${eventId}`,
                      partnerMessage('expired', after, ctx),
                      after.id,
                    ),
                    notBefore: partnerAt,
                  },
                ]
              : [],
        });
        run.transitions.push({ leadId: view.id, from: view.status, to: 'expired' });
        if (view.routeChannel)
          run.queued.push({
            to: view.routeChannel,
            kind: 'routing-post',
            deliveryKey: `lead:${view.id}:post-update:${res.eventId}`,
            notBefore: now,
            leadIds: [view.id],
            summary: `routing post #${view.id} shows Expired (Grant extension)`,
          });
        if (partner)
          run.queued.push({
            to: partner,
            kind: 'partner:expired',
            deliveryKey: `lead:${view.id}:partner:expired:${res.eventId}`,
            notBefore: partnerAt,
            leadIds: [view.id],
            summary: `partner told #${view.id} expired (Request extension)`,
          });
        if (view.ownerUserId)
          reminders.push({
            recipient: view.ownerUserId,
            item: {
              kind: 'expired',
              leadId: view.id,
              periodKey: d.periodKey,
              dueMs: d.expiresAt,
              expiresAt: d.expiresAt,
            },
          });
      }
      run.queued.push(...(await queueReminders(tx, txServices, now, reminders, tzOf)));
      return run;
    });
    return mergeRun(summary, done);
  },
};
