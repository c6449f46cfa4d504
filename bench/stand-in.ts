// The local Slack stand-in (src/dev/slack-stand-in.ts) in a process of its own, so that the work Slack would
// do (validating modals and messages, recording calls) does not run on the load generator's event loop and
// distort its latency measurements. Both apps under test (Foothold and the bare Bolt app) call this same
// stand-in. Trigger ids are issued in batches ahead of the load and live 15 minutes instead of Slack's 3 s
// (the load generator cannot ask for one per request across processes); the stand-in still refuses a
// trigger used twice.
//
// Messages from the parent: { type: 'triggers', n } → { type: 'triggers', ids }; { type: 'count' } →
// { type: 'count', ok: { method: n }, failed: { method: n } } (and forgets the recorded calls).

import { readFileSync } from 'node:fs';
import { parseProgramConfig } from '../src/config/program-config.ts';
import { startSlackStandIn } from '../src/dev/slack-stand-in.ts';
import { standInOptions } from './generate.ts';
import { reportReady } from './lib.ts';

async function main(): Promise<void> {
  const config = parseProgramConfig(JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')), 'bench config');
  const standIn = await startSlackStandIn({ ...standInOptions(config), triggerTtlMs: 15 * 60_000 });
  process.on('message', (m: { type: string; n?: number }) => {
    if (m.type === 'triggers') {
      const ids: string[] = [];
      for (let i = 0; i < (m.n ?? 0); i++) ids.push(standIn.issueTriggerId());
      process.send?.({ type: 'triggers', ids });
    } else if (m.type === 'count') {
      const ok: Record<string, number> = {};
      const failed: Record<string, number> = {};
      for (const c of standIn.calls()) {
        const into = c.response?.ok ? ok : failed;
        const key = c.response?.ok ? c.method : `${c.method}:${c.response?.error ?? c.httpStatus}`;
        into[key] = (into[key] ?? 0) + 1;
      }
      standIn.reset();
      process.send?.({ type: 'count', ok, failed });
    }
  });
  process.on('SIGTERM', () => {
    void standIn.close().then(() => process.exit(0));
  });
  reportReady({ apiUrl: standIn.apiUrl });
}

void main();
