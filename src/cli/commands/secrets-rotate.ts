import { EnvError, parseEncryptionEnv } from '../../config/env.ts';
import { keyringFromText, SecretError } from '../../db/secret-box.ts';
import { installationKeyCensus, rekeyInstallations } from '../../db/stores/installation-keys.ts';
import { hasDatabase, withDb } from '../db.ts';
import { type Command, EXIT } from '../types.ts';

export const secretsRotate: Command = {
  name: 'secrets rotate',
  usage: '',
  summary: 'Re-encrypt every stored installation token with FOOTHOLD_ENCRYPTION_KEY',
  description: [
    'Rotating the encryption key: (1) set FOOTHOLD_ENCRYPTION_KEY_PREVIOUS to the key in use and',
    'FOOTHOLD_ENCRYPTION_KEY to a new one (`openssl rand -base64 32`) and restart the bot: it reads tokens',
    'sealed with either; (2) run this command with the same two settings: every token (and any still in plain',
    'text) is re-encrypted with the new key in one transaction, safe while the bot runs; (3) remove',
    'FOOTHOLD_ENCRYPTION_KEY_PREVIOUS and restart. A token sealed with neither key stops the command and',
    'changes nothing. Old backups stay sealed with the key of their day: keep that key as long as the backups.',
  ].join('\n'),
  async run(_args, ctx) {
    let settings: ReturnType<typeof parseEncryptionEnv>;
    try {
      settings = parseEncryptionEnv(ctx.env);
    } catch (err) {
      if (err instanceof EnvError) {
        ctx.err(err.message);
        return EXIT.failed;
      }
      throw err;
    }
    const ring = keyringFromText(settings.FOOTHOLD_ENCRYPTION_KEY, settings.FOOTHOLD_ENCRYPTION_KEY_PREVIOUS);
    if (!ring) {
      ctx.err('FOOTHOLD_ENCRYPTION_KEY is not set: set it to the new key (`openssl rand -base64 32`).');
      return EXIT.failed;
    }
    if (!hasDatabase(ctx)) {
      ctx.err(`Nothing to rotate: no database at ${ctx.settings.databasePath} (set DATABASE_PATH).`);
      return EXIT.failed;
    }
    return withDb(ctx, async (db) => {
      const before = await installationKeyCensus(db, ring);
      if (before.unknown.length > 0) {
        const keys = [...new Set(before.unknown.map((u) => u.keyId))].join(', ');
        ctx.err(
          `Nothing changed: tokens of ${[...new Set(before.unknown.map((u) => u.installKey))].join(', ')} are encrypted with key ${keys}, which is neither FOOTHOLD_ENCRYPTION_KEY (${ring.current.id}) nor FOOTHOLD_ENCRYPTION_KEY_PREVIOUS${ring.previous ? ` (${ring.previous.id})` : ''}.`,
        );
        return EXIT.failed;
      }
      let result: Awaited<ReturnType<typeof rekeyInstallations>>;
      try {
        result = await rekeyInstallations(db, ring);
      } catch (err) {
        if (err instanceof SecretError) {
          ctx.err(`Nothing changed: ${err.message}.`);
          return EXIT.failed;
        }
        throw err;
      }
      const after = await installationKeyCensus(db, ring);
      ctx.out(
        `ok: ${result.rewritten} of ${result.installations} installation${result.installations === 1 ? '' : 's'} re-encrypted with key ${ring.current.id} (${before.previous} token${before.previous === 1 ? '' : 's'} were under the previous key, ${before.plain} in plain text); ${after.current} token${after.current === 1 ? '' : 's'} now under key ${ring.current.id}, none under any other.`,
      );
      if (ring.previous) ctx.out('You can now remove FOOTHOLD_ENCRYPTION_KEY_PREVIOUS and restart the bot.');
      return EXIT.ok;
    });
  },
};
