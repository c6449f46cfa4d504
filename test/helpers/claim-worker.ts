// Child process for the claim race: its own SQLite connection, claiming at an agreed instant.
import { parseProgramConfig } from '../../src/config/program-config.ts';
import { openDb } from '../../src/db/connection.ts';
import { claimLead } from '../../src/services/claim-lead.ts';

const [dbPath, configJson, leadId, userId, goAt] = process.argv.slice(2);
const db = openDb(dbPath!, { migrate: false });
const config = parseProgramConfig(JSON.parse(configJson!));
const deps = { db, config, now: () => Date.now(), homeTeamIds: ['T0VENDOR'] };
while (Date.now() < Number(goAt)) {
  // Spin rather than sleep so every contender fires within the same millisecond.
}
const startedAt = Date.now();
try {
  const res = claimLead(deps, { actor: { userId: userId!, teamId: 'T0VENDOR' }, leadId: Number(leadId) });
  process.stdout.write(JSON.stringify({ won: true, owner: res.view.ownerUserId, startedAt }));
} catch (err) {
  const e = err as { code?: string; message: string };
  process.stdout.write(JSON.stringify({ won: false, code: e.code, message: e.message, startedAt }));
}
db.$client.close();
