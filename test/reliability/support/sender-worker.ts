// A sender as its own process (scenario 14): its own SQLite connection and Web API client, delivering the
// outbox until nothing is pending, as a second bot process (or a later worker on PostgreSQL) would.
// argv: <database path> <Slack API url> <bot token> <lease ms> [owner id]. Prints its owner id once started.
import { WebClient } from '@slack/web-api';
import { openDb, sqliteClient } from '../../../src/db/connection.ts';
import { createOutboxSender } from '../../../src/delivery/outbox-sender.ts';

const [dbPath, apiUrl, token, leaseMs, owner] = process.argv.slice(2);
const db = openDb(dbPath!, { migrate: false });
const client = new WebClient(token, {
  slackApiUrl: apiUrl!,
  rejectRateLimitedCalls: true,
  retryConfig: { retries: 0 },
  timeout: 10_000,
});
const quiet = () => {};
const sender = createOutboxSender({
  db,
  clientFor: () => client,
  logger: {
    info: quiet,
    warn: quiet,
    error: (obj, msg) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`),
  },
  leaseMs: Number(leaseMs),
  pollMs: 50,
  ...(owner ? { owner } : {}),
});
const pending = sqliteClient(db).prepare("select count(*) as n from outbox where status = 'pending'");
sender.start();
process.stdout.write(`${JSON.stringify({ owner: sender.owner })}\n`);
for (;;) {
  await new Promise((r) => setTimeout(r, 50));
  if ((pending.get() as { n: number }).n === 0) break;
}
await sender.stop();
sqliteClient(db).close();
