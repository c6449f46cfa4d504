// `tsx bench/profile.ts eql|submit [seconds] [connections] [leads] [foothold|bare]`: runs one load against
// Foothold (or the bare Bolt app) started with `node --cpu-prof`, for finding where a missed target goes.
// The profile lands in bench/data/profiles/.

import { copyFileSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { signRequest, slashCommand } from '../src/dev/slack-client.ts';
import { encodeMeta } from '../src/listeners/payloads.ts';
import { submissionModal } from '../src/slack/blocks/modals.ts';
import { resultModal } from '../src/slack/blocks/results.ts';
import { benchProgram, cachedLeadsDb } from './generate.ts';
import { cannon, people, SIGNING_SECRET, submissionBuilder, TriggerPool } from './http.ts';
import { freePort, log, startChild } from './lib.ts';

const [kind = 'submit', seconds = '10', conns = '50', leadsArg = '100000', which = 'foothold'] =
  process.argv.slice(2);
const dataDir = new URL('./data', import.meta.url).pathname;
const profDir = `${dataDir}/profiles`;
mkdirSync(profDir, { recursive: true });
const program = benchProgram(300, 20_261_116);
const configPath = `${dataDir}/bench-300.config.json`;
writeFileSync(configPath, JSON.stringify(program.raw, null, 2));
const { path } = await cachedLeadsDb(dataDir, {
  seed: 20_261_116,
  leads: Number(leadsArg),
  now: Date.parse('2026-11-16T15:00:00Z'),
  program,
});
const dbPath = `${dataDir}/profile-foothold.db`;
for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
copyFileSync(path, dbPath);
const standIn = await startChild<{ apiUrl: string }>('./stand-in.ts', [configPath]);
const triggers = new TriggerPool(standIn);
const everyone = people(program);
const viewsPath = `${profDir}/bare-views.json`;
writeFileSync(
  viewsPath,
  JSON.stringify({
    modal: submissionModal({
      variant: 'partner',
      prefill: {},
      partners: [],
      privateMetadata: encodeMeta({ channelId: everyone[0]?.channelId ?? null }),
    }),
    result: resultModal('It’s an EQL', '*Bench Account* cleared all four gates.', 'We’ll message you.'),
  }),
);
const app = await startChild<{ port: number }>(
  which === 'bare' ? './bare-bolt.ts' : './serve-foothold.ts',
  [],
  {
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.ready.apiUrl,
      PORT: which === 'bare' ? '0' : String(await freePort()),
      DATABASE_PATH: dbPath,
      FOOTHOLD_CONFIG: configPath,
      BENCH_VIEWS: viewsPath,
    },
    stdout: openSync(`${profDir}/${which}.log`, 'w'),
  },
);
let i = 0;
const build =
  kind === 'eql'
    ? () => {
        const p = everyone[i++ % everyone.length]!;
        const body = new URLSearchParams(
          slashCommand({
            command: '/eql',
            userId: p.userId,
            teamId: p.teamId,
            channelId: p.channelId,
            triggerId: triggers.take(),
          }),
        ).toString();
        const ts = Math.floor(Date.now() / 1000);
        return {
          body,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-request-timestamp': String(ts),
            'x-slack-signature': signRequest(SIGNING_SECRET, ts, body),
          },
        };
      }
    : submissionBuilder(program, `prof${Date.now()}`);
await triggers.fill(60_000);
const r = await cannon(app.ready.port, Number(conns), Number(seconds), build);
log(JSON.stringify(r));
await app.stop();
await standIn.stop();
log(`profile written to ${profDir}`);
