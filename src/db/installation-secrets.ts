import { isSealed, type Keyring, openSealed, SecretError, seal, sealedKeyId } from './secret-box.ts';

// Which fields of a stored Slack installation (Bolt's `Installation`, kept as JSON) are secrets, and sealing /
// opening them. Everything else (team, scopes, ids, expiry) stays readable for support and queries.

/** Every credential Bolt's `Installation` can hold: tokens, refresh tokens, an incoming webhook's URL. */
export const INSTALLATION_SECRET_FIELDS = [
  ['bot', 'token'],
  ['bot', 'refreshToken'],
  ['user', 'token'],
  ['user', 'refreshToken'],
  ['incomingWebhook', 'url'],
] as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const contextOf = (installKey: string, path: readonly string[]) =>
  `slack_installations/${installKey}/${path.join('.')}`;

/** A copy of the installation with `fn` applied to each secret field that holds a string. */
function mapSecrets(
  installation: Json,
  fn: (value: string, path: readonly [string, string]) => string,
): Json {
  const copy: Json = { ...installation };
  for (const path of INSTALLATION_SECRET_FIELDS) {
    const [outer, inner] = path;
    const holder = copy[outer];
    if (!isObject(holder) || typeof holder[inner] !== 'string') continue;
    if (copy[outer] === installation[outer]) copy[outer] = { ...holder };
    (copy[outer] as Json)[inner] = fn(holder[inner] as string, path);
  }
  return copy;
}

/** The installation as stored: every secret sealed with the current key (already sealed ones are re-sealed). */
export function sealInstallation(installation: Json, ring: Keyring | null, installKey: string): Json {
  return mapSecrets(installation, (value, path) => {
    if (!ring) {
      throw new SecretError(
        `FOOTHOLD_ENCRYPTION_KEY is not set, so the ${path.join('.')} of ${installKey} cannot be stored`,
      );
    }
    const plain = isSealed(value) ? openSealed(value, ring, contextOf(installKey, path)) : value;
    return seal(plain, ring, contextOf(installKey, path));
  });
}

/** The installation as Bolt uses it. A field still in plain text (stored before encryption) is returned as is. */
export function openInstallation(stored: Json, ring: Keyring | null, installKey: string): Json {
  return mapSecrets(stored, (value, path) =>
    isSealed(value) ? openSealed(value, ring, contextOf(installKey, path)) : value,
  );
}

export interface SecretFieldState {
  path: string;
  /** null: plain text. */
  keyId: string | null;
}

/** How each secret field of a stored installation is kept: plain text, or sealed with which key. */
export function secretFieldStates(stored: Json): SecretFieldState[] {
  const out: SecretFieldState[] = [];
  mapSecrets(stored, (value, path) => {
    out.push({ path: path.join('.'), keyId: sealedKeyId(value) });
    return value;
  });
  return out;
}
