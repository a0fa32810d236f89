// TOTP secrets at rest: sealed with AES-256-GCM, so a copy of the database (a backup, a leaked dump)
// does not hand out every account's second factor. The key is TOTP_ENCRYPTION_KEY, or derived with
// HKDF from the server's signing secret (SIGNING_SECRET, or the one kept in the database — then a
// dump of that database holds the key too: set TOTP_ENCRYPTION_KEY to keep them apart).
// Sealed: version byte 1 ‖ 12-byte IV ‖ 16-byte tag ‖ ciphertext. A 20-byte plain secret from before
// still opens (and is sealed by the caller on its next use).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { AppDeps } from '../../deps';
import { loadSigningSecret } from '../../recordings/signing';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PLAIN_SECRET_BYTES = 20;

const keys = new WeakMap<AppDeps, Promise<Buffer>>();

function keyOf(deps: AppDeps): Promise<Buffer> {
  let key = keys.get(deps);
  if (!key) {
    key = deps.config.totpEncryptionKey
      ? Promise.resolve(deps.config.totpEncryptionKey)
      : loadSigningSecret(deps).then((secret) => Buffer.from(hkdfSync('sha256', secret, 'parley', 'totp-secret-box v1', 32)));
    key.catch(() => keys.delete(deps));
    keys.set(deps, key);
  }
  return key;
}

export async function sealTotpSecret(deps: AppDeps, secret: Uint8Array): Promise<Uint8Array> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', await keyOf(deps), iv);
  const sealed = Buffer.concat([cipher.update(secret), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), sealed]);
}

/** The plain secret, and whether it was stored sealed (false: a secret from before sealing). */
export async function openTotpSecret(deps: AppDeps, stored: Uint8Array): Promise<{ secret: Uint8Array; sealed: boolean }> {
  if (stored.length === PLAIN_SECRET_BYTES) return { secret: stored, sealed: false };
  const bytes = Buffer.from(stored);
  if (bytes[0] !== VERSION || bytes.length <= 1 + IV_BYTES + TAG_BYTES) throw new Error('unreadable TOTP secret');
  const decipher = createDecipheriv('aes-256-gcm', await keyOf(deps), bytes.subarray(1, 1 + IV_BYTES));
  decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
  const secret = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  return { secret: new Uint8Array(secret), sealed: true };
}
