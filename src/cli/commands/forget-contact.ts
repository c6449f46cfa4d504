import { loadProgramConfig } from '../../config/program-config.ts';
import { forgetContact } from '../../services/forget-contact.ts';
import { hasDatabase, withDb } from '../db.ts';
import { type Command, EXIT } from '../types.ts';

export const forgetContactCommand: Command = {
  name: 'forget contact',
  usage: '<email> [--by <Slack user id>]',
  summary: "Remove a partner contact's personal data (name, title, email) everywhere; keep the numbers",
  description: [
    "Clears the contact's name, title and email from every warmth attestation that gives <email>, and removes",
    'their name and email from those leads’ need, notes and reason details, gate reasons, audit event details',
    'and the Slack messages Foothold keeps (queued messages go out without them). The email is also removed',
    'from any other lead that mentions it. Routing posts are updated in place by the running bot. Strength,',
    'dates, outcomes and every count stay, so reports do not change. The deletion is recorded as an audit',
    'event holding a SHA-256 of the address, never the address. --by records who asked for it.',
    'Messages already delivered to people’s DMs stay in Slack: delete those in Slack if you must.',
  ].join('\n'),
  options: { by: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(args, ctx) {
    if (!hasDatabase(ctx)) {
      ctx.err(`Nothing to forget: no database at ${ctx.settings.databasePath} (set DATABASE_PATH).`);
      return EXIT.failed;
    }
    const config = loadProgramConfig(ctx.settings.configPath);
    const by = typeof args.values.by === 'string' ? args.values.by : null;
    const res = await withDb(ctx, (db) =>
      forgetContact({ db, config, now: ctx.now }, { email: args.positionals[0] ?? '', byUserId: by }),
    );
    if (res.attestations === 0 && res.leads.length === 0) {
      ctx.out(
        `No personal data found for that address. Recorded the request as audit event #${res.auditEventId}.`,
      );
      return EXIT.ok;
    }
    ctx.out(
      [
        `Forgot the contact on ${res.attestations} attestation${res.attestations === 1 ? '' : 's'} and ${res.leads.length} lead${res.leads.length === 1 ? '' : 's'} (${res.leads.join(', ')}):`,
        `${res.gateResults} gate reason${res.gateResults === 1 ? '' : 's'}, ${res.events} audit event detail${res.events === 1 ? '' : 's'} and ${res.messages} Slack message${res.messages === 1 ? '' : 's'} cleaned;`,
        `${res.routingPostsRefreshed} routing post${res.routingPostsRefreshed === 1 ? '' : 's'} queued for an update. Audit event #${res.auditEventId}.`,
      ].join(' '),
    );
    return EXIT.ok;
  },
};
