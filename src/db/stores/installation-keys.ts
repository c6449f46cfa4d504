import { asc, count, eq } from 'drizzle-orm';
import { type Db, engineKind, one, postgresPool, sqliteClient, type Tx, transaction } from '../connection.ts';
import { openInstallation, sealInstallation, secretFieldStates } from '../installation-secrets.ts';
import { slackInstallations } from '../schema.ts';
import type { Keyring } from '../secret-box.ts';

// Keeping installation tokens sealed over time: the census of which key seals what, sealing rows stored in
// plain text by an older Foothold (at start-up), re-sealing everything with the current key (`secrets rotate`),
// and removing the copy of SLACK_BOT_TOKEN older versions stored for the vendor's own workspace.
//
// On SQLite, rewrites run with `secure_delete` on and end with a WAL checkpoint, so the bytes they replace are
// zeroed in the file rather than left in free pages or the write-ahead log. PostgreSQL has no such setting: a
// rewrite leaves the old row versions behind as dead tuples, so it ends with a VACUUM of the table, which
// frees them for reuse (the server's WAL and base backups keep what they kept; rotate keys accordingly).

export interface KeyCensus {
  installations: number;
  /** Secret fields still in plain text. */
  plain: number;
  /** Secret fields sealed with the current key, the previous key, or a key neither names. */
  current: number;
  previous: number;
  unknown: Array<{ installKey: string; keyId: string }>;
}

export async function installationKeyCensus(db: Db, ring: Keyring | null): Promise<KeyCensus> {
  const census: KeyCensus = { installations: 0, plain: 0, current: 0, previous: 0, unknown: [] };
  for (const row of await db.select().from(slackInstallations).orderBy(asc(slackInstallations.installKey))) {
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
async function rewriting<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (engineKind(db) === 'postgres') {
    const result = await transaction(db, fn);
    await postgresPool(db).query('VACUUM slack_installations');
    return result;
  }
  const client = sqliteClient(db);
  const before = client.pragma('secure_delete', { simple: true }) as number;
  client.pragma('secure_delete = ON');
  try {
    const result = await transaction(db, fn);
    client.pragma('wal_checkpoint(TRUNCATE)');
    return result;
  } finally {
    client.pragma(`secure_delete = ${before ? 'ON' : 'OFF'}`);
  }
}

async function rewrite(
  db: Db,
  ring: Keyring,
  pick: (fields: ReturnType<typeof secretFieldStates>) => boolean,
): Promise<number> {
  return rewriting(db, async (tx) => {
    let changed = 0;
    for (const row of await tx
      .select()
      .from(slackInstallations)
      .orderBy(asc(slackInstallations.installKey))) {
      if (!pick(secretFieldStates(row.installation))) continue;
      const open = openInstallation(row.installation, ring, row.installKey);
      await tx
        .update(slackInstallations)
        .set({ installation: sealInstallation(open, ring, row.installKey) })
        .where(eq(slackInstallations.installKey, row.installKey));
      changed++;
    }
    return changed;
  });
}

/**
 * Seals every secret still stored in plain text (rows written before encryption existed). Idempotent: a
 * second run finds nothing to do. Returns how many installations it rewrote.
 */
export async function sealPlaintextInstallations(db: Db, ring: Keyring): Promise<number> {
  const any = await db.select({ k: slackInstallations.installKey }).from(slackInstallations).limit(1);
  if (any.length === 0) return 0;
  return rewrite(db, ring, (fields) => fields.some((f) => f.keyId === null));
}

/**
 * Re-seals every installation with the current key (plain text and previous-key rows included), all or
 * nothing: a row that does not open with either key stops it (a SecretError naming the key) and changes nothing.
 */
export async function rekeyInstallations(
  db: Db,
  ring: Keyring,
): Promise<{ installations: number; rewritten: number }> {
  const installations = (await one(db.select({ n: count() }).from(slackInstallations)))?.n ?? 0;
  const rewritten = await rewrite(db, ring, (fields) => fields.some((f) => f.keyId !== ring.current.id));
  return { installations, rewritten };
}

/**
 * Removes the row older versions stored for the vendor's own workspace, holding a copy of SLACK_BOT_TOKEN
 * (the vendor workspace is served from the environment; its token never belongs in the table). A row for that
 * team holding any other token (a genuine install through OAuth) is kept. Returns whether a row was removed.
 */
export async function forgetCopiedBotToken(
  db: Db,
  ring: Keyring | null,
  teamId: string,
  envToken: string,
): Promise<boolean> {
  const copied = async (h: Db) => {
    const row = await one(
      h.select().from(slackInstallations).where(eq(slackInstallations.installKey, teamId)),
    );
    if (!row) return false;
    const bot = (openInstallation(row.installation, ring, row.installKey) as { bot?: { token?: string } })
      .bot;
    return bot?.token === envToken;
  };
  // Checked first without the rewrite's cost (start-up runs this every time), then again inside it.
  if (!(await copied(db))) return false;
  return rewriting(db, async (tx) => {
    if (!(await copied(tx))) return false;
    await tx.delete(slackInstallations).where(eq(slackInstallations.installKey, teamId));
    return true;
  });
}
