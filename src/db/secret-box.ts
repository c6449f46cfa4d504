import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { decodeKey } from '../config/encryption-key.ts';

// Secrets at rest (PRODUCT.md section 10): AES-256-GCM with a key from the environment. A sealed value is one
// string, versioned and naming the key that sealed it, so a key can be rotated while old values still open:
//
//   fhenc:1:<key id>:<nonce>:<tag>:<ciphertext>        (nonce, tag and ciphertext in base64url)
//
// The key id is a fingerprint of the key (never the key); the nonce is 12 random bytes; the tag is GCM's 16.
// The associated data binds each value to where it is stored (e.g. `slack_installations/T123/bot.token`), so
// a sealed token copied into another row or field does not open there.

const PREFIX = 'fhenc';
const VERSION = '1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretKey {
  /** Fingerprint naming the key in each value it seals. */
  id: string;
  bytes: Buffer;
}

/** The key that seals (current) and, during a rotation, the one older values may still be sealed with. */
export interface Keyring {
  current: SecretKey;
  previous: SecretKey | null;
}

/** A value that does not open: altered, sealed for another place, with an unknown key, or not an envelope. */
export class SecretError extends Error {
  override name = 'SecretError';
}

export function secretKey(bytes: Buffer): SecretKey {
  const id = createHash('sha256').update('foothold key id\0').update(bytes).digest('hex').slice(0, 12);
  return { id, bytes };
}

/** The keyring from the two settings' texts, or null when no current key is set. Texts must be valid keys. */
export function keyringFromText(current: string | undefined, previous?: string | undefined): Keyring | null {
  if (!current) return null;
  const cur = decodeKey(current);
  if (!cur) throw new SecretError('FOOTHOLD_ENCRYPTION_KEY is not 32 bytes of base64 or hex');
  const prev = previous ? decodeKey(previous) : null;
  if (previous && !prev)
    throw new SecretError('FOOTHOLD_ENCRYPTION_KEY_PREVIOUS is not 32 bytes of base64 or hex');
  return { current: secretKey(cur), previous: prev ? secretKey(prev) : null };
}

const aad = (keyId: string, context: string) =>
  Buffer.from(`${PREFIX}:${VERSION}:${keyId}:${context}`, 'utf8');

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${PREFIX}:`);
}

/** The id of the key a sealed value names, or null for anything else. */
export function sealedKeyId(value: unknown): string | null {
  if (!isSealed(value)) return null;
  return value.split(':')[2] ?? null;
}

export function seal(plaintext: string, ring: Keyring, context: string): string {
  const { id, bytes } = ring.current;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', bytes, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(id, context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    PREFIX,
    VERSION,
    id,
    nonce.toString('base64url'),
    tag.toString('base64url'),
    body.toString('base64url'),
  ].join(':');
}

export function openSealed(envelope: string, ring: Keyring | null, context: string): string {
  const parts = envelope.split(':');
  if (parts.length !== 6 || parts[0] !== PREFIX) throw new SecretError('not a sealed value');
  const [, version, keyId, nonceText, tagText, bodyText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (version !== VERSION)
    throw new SecretError(`sealed with format version ${version}, which this Foothold does not know`);
  if (!ring) throw new SecretError(`sealed with key ${keyId}, but FOOTHOLD_ENCRYPTION_KEY is not set`);
  const key = [ring.current, ring.previous].find((k) => k?.id === keyId);
  if (!key) {
    throw new SecretError(
      `sealed with key ${keyId}, which is neither FOOTHOLD_ENCRYPTION_KEY (${ring.current.id}) nor FOOTHOLD_ENCRYPTION_KEY_PREVIOUS${ring.previous ? ` (${ring.previous.id})` : ' (not set)'}`,
    );
  }
  const nonce = Buffer.from(nonceText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES)
    throw new SecretError('sealed value is damaged');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(keyId, context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new SecretError('sealed value does not open: it was altered, or belongs to another place');
  }
}
