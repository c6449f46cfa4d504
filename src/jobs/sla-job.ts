import { MOTION_STATUSES, progressNudgeDue, slaStage } from '../core/sla.ts';
import type { Db } from '../db/connection.ts';
import { type LeadFacts, loadLeadFacts, takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { appendEvent, getLead } from '../db/stores/lead-store.ts';
import { enqueue } from '../db/stores/outbox-store.ts';
import { getPartner, usersWithRole } from '../db/stores/program-store.ts';
import { loadLeadFor } from '../services/context.ts';
import { notifyContext } from '../services/eql-score.ts';
import { routingPostMessage, threadReply } from '../services/notify.ts';
import { claimThreadReply } from '../slack/blocks/reminders.ts';
import { queueReminders, type ReminderItem } from './reminders.ts';
import { jobTransaction, mergeRun, runDraft, servicesAt } from './transaction.ts';
import { emptySummary, type Job } from './types.ts';

// The SLA ladder (PRODUCT.md section 6). Unclaimed EQLs: at `sla.claimHours` business hours a reminder in
// the routing post's thread and to the partner manager, at twice that an escalation to the leaders; each
// step re-renders the routing post with how long it has waited. Claimed leads with no progress for
// `sla.progressDays`: the owner is nudged, with buttons to record where it stands. Each step is a ledger key
// (src/core/sla.ts), so a step is acted on once whatever the number of runs.

export const SLA_JOB = 'sla';
const HOUR = 3_600_000;

/** Leaders get escalations; with no leader configured, the admins do. */
export async function leadersOf(db: Db): Promise<string[]> {
  const leaders = await usersWithRole(db, 'leader');
  return leaders.length > 0 ? leaders : usersWithRole(db, 'admin');
}

interface Due {
  kind: ReminderItem['kind'];
  lead: LeadFacts;
  periodKey: string;
  dueMs: number;
  waitedHours: number | null;
  recipients: string[];
}

export const slaJob: Job = {
  name: SLA_JOB,
  description:
    'Claim reminders and escalations for unclaimed EQLs (business hours), nudges for leads with no progress',
  schedule: () => '*/15 * * * *',
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun ?? false;
    const summary = emptySummary(SLA_JOB, now, dryRun);
    const services = servicesAt(deps.services, now);
    const { db, config } = services;
    const tz = config.timezone;
    const leaders = await leadersOf(db);
    const managers = new Map<string, string | null>();
    const managerOf = async (slug: string) => {
      if (!managers.has(slug)) managers.set(slug, (await getPartner(db, slug))?.managerUserId ?? null);
      return managers.get(slug) ?? null;
    };

    const due: Due[] = [];
    for (const lead of await loadLeadFacts(db, { statuses: ['qualified', ...MOTION_STATUSES] })) {
      if (lead.status === 'qualified') {
        // Business hours never outrun wall-clock hours: a lead younger than claimHours cannot be due.
        if (now - (lead.qualifiedAt ?? lead.createdAt) < config.sla.claimHours * HOUR) continue;
        const s = slaStage(lead, config, tz, now);
        if (s.stage === 'none' || !s.periodKey) continue;
        const escalation = s.stage === 'escalation';
        const manager = await managerOf(lead.partnerSlug);
        due.push({
          kind: escalation ? 'claim_escalation' : 'claim_reminder',
          lead,
          periodKey: s.periodKey,
          dueMs: (escalation ? s.escalationAt : s.reminderAt) ?? now,
          waitedHours: s.waitedHours,
          recipients: escalation ? leaders : manager ? [manager] : [],
        });
      } else if (lead.ownerUserId) {
        if (now - lead.lastProgressAt < (config.sla.progressDays - 1) * 24 * HOUR) continue;
        const n = progressNudgeDue(lead, config, tz, now);
        if (!n.due || !n.periodKey) continue;
        due.push({
          kind: 'progress_nudge',
          lead,
          periodKey: n.periodKey,
          dueMs: n.dueAt ?? now,
          waitedHours: null,
          recipients: [lead.ownerUserId],
        });
      }
    }
    const taken = await takenPeriods(
      db,
      SLA_JOB,
      due.map((d) => d.periodKey),
    );
    const todo = due.filter((d) => !taken.has(d.periodKey));
    if (todo.length === 0) return summary;

    const zones = await deps.timeZones.resolve(
      todo.flatMap((d) => d.recipients),
      now,
      { cacheOnly: dryRun, db },
    );
    const done = await jobTransaction(db, dryRun, async (tx) => {
      const run = runDraft();
      const txServices = { ...services, db: tx };
      const reminders: Array<{ recipient: string; item: ReminderItem }> = [];
      for (const d of todo) {
        // The lead may have moved since it was read (a claim, progress): then this step no longer applies.
        const current = await getLead(tx, d.lead.id);
        if (!current || current.status !== d.lead.status || current.lastProgressAt !== d.lead.lastProgressAt)
          continue;
        if (!(await takePeriod(tx, SLA_JOB, d.periodKey, now, { recipients: d.recipients }))) continue;
        run.keys.push(d.periodKey);
        const eventId = await appendEvent(tx, {
          leadId: d.lead.id,
          type: d.kind,
          data: {
            periodKey: d.periodKey,
            recipients: d.recipients,
            ...(d.waitedHours !== null ? { waitedHours: d.waitedHours } : {}),
          },
          at: now,
        });
        if (d.kind !== 'progress_nudge' && d.waitedHours !== null) {
          const stage = d.kind === 'claim_escalation' ? 'escalation' : 'reminder';
          const view = await loadLeadFor(tx, txServices, d.lead.id);
          const thread = threadReply(
            view,
            `${d.periodKey}:thread`,
            claimThreadReply(stage, d.waitedHours, view),
          );
          const post = await routingPostMessage(
            view,
            await notifyContext(txServices, now, { claimWait: { waitedHours: d.waitedHours, stage } }),
            { exists: true, eventId },
          );
          await enqueue(tx, [...thread, ...post], now);
          for (const m of thread)
            run.queued.push({
              to: m.recipient,
              kind: `thread:${d.kind}`,
              deliveryKey: m.deliveryKey,
              notBefore: now,
              leadIds: [d.lead.id],
              summary: `thread reply on #${d.lead.id}'s routing post (${stage})`,
            });
          for (const m of post)
            run.queued.push({
              to: m.recipient,
              kind: 'routing-post',
              deliveryKey: m.deliveryKey,
              notBefore: now,
              leadIds: [d.lead.id],
              summary: `routing post #${d.lead.id} re-rendered: waiting ${Math.floor(d.waitedHours)} business hours`,
            });
        }
        for (const recipient of d.recipients) {
          reminders.push({
            recipient,
            item: {
              kind: d.kind,
              leadId: d.lead.id,
              periodKey: d.periodKey,
              dueMs: d.dueMs,
              waitedHours: d.waitedHours,
            },
          });
        }
      }
      run.queued.push(...(await queueReminders(tx, txServices, now, reminders, (u) => zones.get(u))));
      return run;
    });
    return mergeRun(summary, done);
  },
};
