import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxSender, type OutboxSender } from '../../src/delivery/outbox-sender.ts';
import type { Fault } from '../../src/dev/slack-stand-in.ts';
import { createLogger } from '../../src/logger.ts';
import { ACTIONS, encodeLeadRef } from '../../src/slack/ids.ts';
import type { Harness } from '../helpers/harness.ts';
import { click } from '../helpers/slack-actors.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';
import { FULL, report, size } from './support/figures.ts';
import { CAST, ORGS, partnerPerson } from './support/program.ts';
import {
  deliveryReport,
  pendingCount,
  pool,
  startProgram,
  submit,
  waitUntil,
} from './support/slack-world.ts';

// Scenario 1: Slack misbehaves in every way it can (429 with Retry-After, 500s, answers slower than the
// client's timeout, refused connections) while submissions and their transitions flow. After recovery every
// message the outbox holds is delivered exactly once, in order per conversation (a lead's post and its thread, a DM).

const SUBMISSIONS = size(40, 500);
const PHASE_MS = size(900, 5000);
/** The sender's client timeout for this test (the product's is 10 s; slow answers here take longer). */
const CLIENT_TIMEOUT_MS = 600;
const SLOW_MS = 1000;

let h: Harness;
let sender: OutboxSender;
beforeAll(async () => {
  h = await startProgram();
  // The product's sender, with the product's client options except a shorter timeout, so that "slower
  // than the timeout" takes one second instead of eleven.
  await h.foothold.sender.stop();
  const client = new WebClient('xoxb-test', {
    slackApiUrl: h.standIn.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: CLIENT_TIMEOUT_MS,
  });
  sender = createOutboxSender({
    db: h.db,
    clientFor: () => client,
    logger: createLogger(process.env.FOOTHOLD_TEST_LOG ?? 'silent'),
    pollMs: 50,
  });
  sender.start();
});
afterAll(async () => {
  await sender?.stop();
  await h?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scenario 1: Slack outages', () => {
  it(
    'delivers every message exactly once, in order per conversation (a lead’s post and its thread, a DM), after 429s, 500s, timeouts and refused connections',
    async () => {
      const started = Date.now();
      let requests = 0;
      const people = ORGS.flatMap((org) => Array.from({ length: 8 }, (_, i) => partnerPerson(org, i + 1)));
      const leads = Array.from({ length: SUBMISSIONS }, (_, i) => ({
        i,
        who: people[i % people.length]!,
        domain: `outage${i}-acct.com`,
        gb: i % 5 === 0,
      }));

      /** Submit a chunk, then claim each lead, then ask for an intro on every other one. */
      const flow = async (chunk: typeof leads) => {
        await pool(chunk, 8, async (l) => {
          const res = await submit(h.slack, l.who, {
            accountName: `Outage ${l.i}`,
            website: l.domain,
            country: l.gb ? 'GB' : 'US',
          });
          requests++;
          expect(res.status).toBe(200);
          expect((res.json as { response_action?: string }).response_action).toBe('update');
          const row = (await sqlGet(h.db, 'select id, version from leads where domain = ?', l.domain)) as {
            id: number;
            version: number;
          };
          const rep = l.gb ? CAST.rep2 : CAST.rep1;
          const claimed = await click(
            h,
            rep,
            ACTIONS.claim,
            encodeLeadRef({ leadId: row.id, version: row.version }),
            {
              channelId: l.gb ? 'C0EMEA' : 'C0ROUTING',
            },
          );
          requests++;
          expect(claimed.res.status).toBe(200);
          if (l.i % 2 === 0) {
            const v = (await sqlGet(h.db, 'select version from leads where id = ?', row.id)) as {
              version: number;
            };
            const intro = await click(
              h,
              rep,
              ACTIONS.requestIntro,
              encodeLeadRef({ leadId: row.id, version: v.version }),
              { channelId: l.gb ? 'C0EMEA' : 'C0ROUTING' },
            );
            requests++;
            expect(intro.res.status).toBe(200);
          }
        });
      };

      const phases: Array<{ name: string; apply: () => void }> = [
        {
          name: 'rate limits (429 + Retry-After)',
          apply: () => {
            h.standIn.rateLimit('chat.postMessage', { perSecond: 20, burst: 5, retryAfterSeconds: 1 });
            h.standIn.rateLimit('chat.update', { perSecond: 10, burst: 3, retryAfterSeconds: 1 });
            h.standIn.fail(
              'conversations.open',
              { kind: 'rate_limited', retryAfterSeconds: 1 },
              { times: 3 },
            );
          },
        },
        {
          name: '500s',
          apply: () => {
            h.standIn.clearRateLimits();
            for (const m of ['chat.postMessage', 'chat.update', 'conversations.open'])
              h.standIn.fail(m, { kind: 'http_error', status: 500 }, { forMs: PHASE_MS });
          },
        },
        {
          name: 'answers slower than the client timeout',
          apply: () => {
            const slow: Fault = { kind: 'delay', ms: SLOW_MS };
            h.standIn.fail('chat.postMessage', slow, { forMs: PHASE_MS });
            h.standIn.fail('chat.update', slow, { forMs: PHASE_MS });
          },
        },
        {
          name: 'refused connections',
          apply: () => {
            h.standIn.fail('*', { kind: 'refuse' }, { forMs: PHASE_MS });
          },
        },
      ];
      const chunk = Math.ceil(leads.length / phases.length);
      for (const [p, phase] of phases.entries()) {
        phase.apply();
        const load = flow(leads.slice(p * chunk, (p + 1) * chunk));
        await Promise.all([load, sleep(PHASE_MS)]);
      }
      h.standIn.clearFaults();
      h.standIn.clearRateLimits();
      await waitUntil(
        'the outbox to drain',
        async () => (await pendingCount(h.db)) === 0,
        FULL ? 300_000 : 45_000,
        100,
      );

      const r = await deliveryReport(h.db, h.standIn);
      const failed = await sqlAll(
        h.db,
        "select delivery_key, last_error from outbox where status = 'failed'",
      );
      report({
        n: 1,
        name: 'Slack outages (429 + Retry-After, 500s, slow answers past the client timeout, refused connections)',
        requests,
        faults: r.faults,
        expected: r.expected,
        delivered: r.delivered,
        duplicated: r.duplicated.length,
        checked: `${SUBMISSIONS} submissions + claims + intros; every outbox row delivered once, in order per conversation (a lead's post and its thread, a DM) (${r.updatesReapplied} routing-post updates re-applied after a timeout, same content)`,
        ms: Date.now() - started,
      });
      expect(failed).toEqual([]);
      expect(r.missing.map((m) => m.key)).toEqual([]);
      expect(r.duplicated).toEqual([]);
      expect(r.outOfOrder).toEqual([]);
      expect(r.faults).toBeGreaterThan(0);
      expect(await sqlGet(h.db, 'select count(*) as n from leads')).toEqual({ n: SUBMISSIONS });
    },
    FULL ? 600_000 : 90_000,
  );
});
