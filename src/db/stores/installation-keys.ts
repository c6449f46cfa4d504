import { eq } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { openInstallation, sealInstallation, secretFieldStates } from '../installation-secrets.ts';
import { slackInstallations } from '../schema.ts';
import type { Keyring } from '../secret-box.ts';

// Keeping installation tokens sealed over time: the census of which key seals what, sealing rows stored in
// plain text by an older Foothold (at start-up), re-sealing everything with the current key (`secrets rotate`),
// and removing the copy of SLACK_BOT_TOKEN older versions stored for the vendor's own workspace.
//
// Rewrites run with `secure_delete` on and end with a WAL checkpoint, so the bytes they replace are zeroed in
// the file rather than left in free pages or the write-ahead log.

export interface KeyCensus {
  installations: number;
  /** Secret fields still in plain text. */
  plain: number;
  /** Secret fields sealed with the current key, the previous key, or a key neither names. */
  current: number;
  previous: number;
  unknown: Array<{ installKey: string; keyId: string }>;
}

export function installationKeyCensus(db: Db, ring: Keyring | null): KeyCensus {
  const census: KeyCensus = { installations: 0, plain: 0, current: 0, previous: 0, unknown: [] };
  for (const row of db.select().from(slackInstallations).all()) {
    census.installations++;
    for (const field of secretFieldStates(row.installation)) {
      if (field.keyId === null) census.plain++;
      else if (field.keyId === ring?.current.id) census.current++;
      else if (field.keyId === ring?.previous?.id) census.previous++;
      else census.unknown.push({ installKey: row.installKey, keyId: field.keyId });
    }
  }
  return census;
}

/** Runs `fn` in one transaction with deleted content overwritten, then empties the write-ahead log. */
function rewriting<T>(db: Db, fn: () => T): T {
  const client = db.$client;
  const before = client.pragma('secure_delete', { simple: true }) as number;
  client.pragma('secure_delete = ON');
  try {
    const result = db.transaction(fn, { behavior: 'immediate' });
    client.pragma('wal_checkpoint(TRUNCATE)');
    return result;
  } finally {
    client.pragma(`secure_delete = ${before ? 'ON' : 'OFF'}`);
  }
}

function rewrite(
  db: Db,
  ring: Keyring,
  pick: (fields: ReturnType<typeof secretFieldStates>) => boolean,
): number {
  return rewriting(db, () => {
    let changed = 0;
    for (const row of db.select().from(slackInstallations).all()) {
      if (!pick(secretFieldStates(row.installation))) continue;
      const open = openInstallation(row.installation, ring, row.installKey);
      db.update(slackInstallations)
        .set({ installation: sealInstallation(open, ring, row.installKey) })
        .where(eq(slackInstallations.installKey, row.installKey))
        .run();
      changed++;
    }
    return changed;
  });
}

/**
 * Seals every secret still stored in plain text (rows written before encryption existed). Idempotent: a
 * second run finds nothing to do. Returns how many installations it rewrote.
 */
export function sealPlaintextInstallations(db: Db, ring: Keyring): number {
  const any = db.select({ k: slackInstallations.installKey }).from(slackInstallations).limit(1).all();
  if (any.length === 0) return 0;
  return rewrite(db, ring, (fields) => fields.some((f) => f.keyId === null));
}

/**
 * Re-seals every installation with the current key (plain text and previous-key rows included), all or
 * nothing: a row that does not open with either key stops it (a SecretError naming the key) and changes nothing.
 */
export function rekeyInstallations(db: Db, ring: Keyring): { installations: number; rewritten: number } {
  const installations = db.select({ k: slackInstallations.installKey }).from(slackInstallations).all().length;
  const rewritten = rewrite(db, ring, (fields) => fields.some((f) => f.keyId !== ring.current.id));
  return { installations, rewritten };
}

/**
 * Removes the row older versions stored for the vendor's own workspace, holding a copy of SLACK_BOT_TOKEN
 * (the vendor workspace is served from the environment; its token never belongs in the table). A row for that
 * team holding any other token (a genuine install through OAuth) is kept. Returns whether a row was removed.
 */
export function forgetCopiedBotToken(
  db: Db,
  ring: Keyring | null,
  teamId: string,
  envToken: string,
): boolean {
  const row = db.select().from(slackInstallations).where(eq(slackInstallations.installKey, teamId)).get();
  if (!row) return false;
  const bot = (openInstallation(row.installation, ring, row.installKey) as { bot?: { token?: string } }).bot;
  if (bot?.token !== envToken) return false;
  rewriting(db, () => db.delete(slackInstallations).where(eq(slackInstallations.installKey, teamId)).run());
  return true;
}
