// Child process for the claim race: its own connection (the SQLite file, or a postgres:// URL), claiming when the
// parent says go.
// It loads, opens its connection, prints "ready", then waits for a line on stdin: the parent sends it to every
// contender at once, only after all of them are ready, so the race is real however slow the machine is.
import { createInterface } from 'node:readline';
import { parseProgramConfig } from '../../src/config/program-config.ts';
import { closeDb, openDatabase } from '../../src/db/connection.ts';
import { claimLead } from '../../src/services/claim-lead.ts';

const [dbPath, configJson, leadId, userId] = process.argv.slice(2);
const db = await openDatabase({
  databaseUrl: dbPath!.startsWith('postgres') ? dbPath : undefined,
  databasePath: dbPath!,
  migrate: false,
});
const config = parseProgramConfig(JSON.parse(configJson!));
const deps = { db, config, now: () => Date.now(), homeTeamIds: ['T0VENDOR'] };
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
lines.once('line', async () => {
  const startedAt = Date.now();
  try {
    const res = await claimLead(deps, {
      actor: { userId: userId!, teamId: 'T0VENDOR' },
      leadId: Number(leadId),
    });
    process.stdout.write(`${JSON.stringify({ won: true, owner: res.view.ownerUserId, startedAt })}\n`);
  } catch (err) {
    // The loser is told who owns the lead: the edge renders `data.ownerUserId` as a mention.
    const e = err as { code?: string; message: string; data?: { ownerUserId?: string } };
    const owner = e.data?.ownerUserId;
    process.stdout.write(
      `${JSON.stringify({ won: false, code: e.code, message: e.message, owner, startedAt })}\n`,
    );
  }
  await closeDb(db);
  lines.close();
});
