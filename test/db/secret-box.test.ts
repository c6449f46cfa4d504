import { describe, expect, it } from 'vitest';
import { decodeKey } from '../../src/config/encryption-key.ts';
import {
  type Keyring,
  keyringFromText,
  openSealed,
  SecretError,
  seal,
  sealedKeyId,
  secretKey,
} from '../../src/db/secret-box.ts';

// AES-256-GCM envelopes for secrets at rest: what opens, and everything that must not.

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);
const ringA: Keyring = { current: secretKey(KEY_A), previous: null };
const ringB: Keyring = { current: secretKey(KEY_B), previous: null };
const rotating: Keyring = { current: secretKey(KEY_B), previous: secretKey(KEY_A) };
const CONTEXT = 'slack_installations/T1/bot.token';

describe('decodeKey', () => {
  const b64 = KEY_A.toString('base64');
  it.each([
    ['base64 as openssl prints it', b64, true],
    ['base64 without padding', b64.replace(/=$/, ''), true],
    ['base64url', Buffer.alloc(32, 0xfb).toString('base64url'), true],
    ['64 hex digits', KEY_A.toString('hex'), true],
    ['with surrounding whitespace', ` ${b64}\n`, true],
    ['16 bytes of base64', Buffer.alloc(16, 1).toString('base64'), false],
    ['48 bytes of base64', Buffer.alloc(48, 1).toString('base64'), false],
    ['63 hex digits', KEY_A.toString('hex').slice(1), false],
    ['a passphrase', 'correct horse battery staple', false],
  ])('%s', (_name, text, ok) => {
    const bytes = decodeKey(text);
    expect(bytes !== null).toBe(ok);
    if (bytes) expect(bytes.length).toBe(32);
  });
});

describe('seal / openSealed', () => {
  it('round-trips, with a fresh nonce each time, naming the key but not holding the text', () => {
    const token = 'xoxb-1234-5678-abcdefghijkl';
    const a = seal(token, ringA, CONTEXT);
    const b = seal(token, ringA, CONTEXT);
    expect(a).not.toBe(b);
    expect(a).not.toContain(token);
    expect(a.startsWith(`fhenc:1:${ringA.current.id}:`)).toBe(true);
    expect(sealedKeyId(a)).toBe(ringA.current.id);
    expect(openSealed(a, ringA, CONTEXT)).toBe(token);
    expect(openSealed(seal('', ringA, CONTEXT), ringA, CONTEXT)).toBe('');
    expect(openSealed(seal('ünïcødé ✓', ringA, CONTEXT), ringA, CONTEXT)).toBe('ünïcødé ✓');
  });

  it('detects tampering with any part of the envelope', () => {
    const sealed = seal('xoxb-secret-token', ringA, CONTEXT);
    const parts = sealed.split(':');
    const flip = (i: number) => {
      const bytes = Buffer.from(parts[i] as string, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      const copy = [...parts];
      copy[i] = bytes.toString('base64url');
      return copy.join(':');
    };
    for (const i of [3, 4, 5]) {
      expect(() => openSealed(flip(i), ringA, CONTEXT), `part ${i}`).toThrow(SecretError);
    }
    // Longer ciphertext, truncated ciphertext, a missing part, another format version.
    expect(() => openSealed(`${sealed}AA`, ringA, CONTEXT)).toThrow(SecretError);
    expect(() => openSealed(sealed.slice(0, -2), ringA, CONTEXT)).toThrow(SecretError);
    expect(() => openSealed(parts.slice(0, 5).join(':'), ringA, CONTEXT)).toThrow(/not a sealed value/);
    expect(() => openSealed(sealed.replace('fhenc:1:', 'fhenc:9:'), ringA, CONTEXT)).toThrow(/version 9/);
  });

  it('does not open in another place (row or field) than it was sealed for', () => {
    const sealed = seal('xoxb-team-one', ringA, CONTEXT);
    expect(() => openSealed(sealed, ringA, 'slack_installations/T2/bot.token')).toThrow(/another place/);
    expect(() => openSealed(sealed, ringA, 'slack_installations/T1/user.token')).toThrow(SecretError);
  });

  it('refuses a wrong key, naming the key the value needs', () => {
    const sealed = seal('xoxb-under-a', ringA, CONTEXT);
    expect(() => openSealed(sealed, ringB, CONTEXT)).toThrow(
      new RegExp(
        `key ${ringA.current.id}, which is neither FOOTHOLD_ENCRYPTION_KEY \\(${ringB.current.id}\\)`,
      ),
    );
    expect(() => openSealed(sealed, null, CONTEXT)).toThrow(/FOOTHOLD_ENCRYPTION_KEY is not set/);
    // A forged key id that matches the ring still fails: the tag was made with another key.
    const relabelled = sealed.replace(ringA.current.id, ringB.current.id);
    expect(() => openSealed(relabelled, ringB, CONTEXT)).toThrow(SecretError);
  });

  it('opens values sealed with the previous key during a rotation, and seals only with the current one', () => {
    const old = seal('xoxb-old', ringA, CONTEXT);
    expect(openSealed(old, rotating, CONTEXT)).toBe('xoxb-old');
    expect(sealedKeyId(seal('xoxb-new', rotating, CONTEXT))).toBe(ringB.current.id);
  });

  it('builds the keyring from the settings’ texts', () => {
    expect(keyringFromText(undefined)).toBeNull();
    const ring = keyringFromText(KEY_B.toString('base64'), KEY_A.toString('hex'));
    expect(ring?.current.id).toBe(ringB.current.id);
    expect(ring?.previous?.id).toBe(ringA.current.id);
    expect(() => keyringFromText('short')).toThrow(/FOOTHOLD_ENCRYPTION_KEY is not 32 bytes/);
    expect(() => keyringFromText(KEY_A.toString('hex'), 'short')).toThrow(/_PREVIOUS is not 32 bytes/);
  });
});
