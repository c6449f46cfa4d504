// The format of FOOTHOLD_ENCRYPTION_KEY (and _PREVIOUS): 32 random bytes, as `openssl rand -base64 32` prints
// them (base64, standard or URL-safe) or as 64 hex digits.

export const KEY_BYTES = 32;

/** The key's bytes, or null when the text is not 32 bytes of base64 or hex. */
export function decodeKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return null;
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === KEY_BYTES ? bytes : null;
}
