// Signed, expiring download links: HMAC-SHA256 over "<recording id>.<expiry>" with a server secret.
// The secret is SIGNING_SECRET, or one generated once and kept in server_secrets so every
// instance on the same database accepts the links of the others.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppDeps } from '../deps';

const SECRET_NAME = 'recordings.download';
export const DOWNLOAD_LINK_TTL_SECONDS = 15 * 60;

export function loadSigningSecret(deps: Pick<AppDeps, 'config' | 'secrets'>): Promise<string> {
  return deps.secrets.get(SECRET_NAME, deps.config.signingSecret);
}

// The link also names (and signs) the account it was made for: the download route checks that this
// account may still read the recording, so a link stops working when its holder leaves the org.
function signature(secret: string, recordingId: string, expires: number, userId: string): string {
  return createHmac('sha256', secret).update(`${recordingId}.${expires}.${userId}`).digest('base64url');
}

export async function createDownloadUrl(deps: AppDeps, recordingId: string, userId: string, now = Date.now()) {
  const expires = Math.floor(now / 1000) + DOWNLOAD_LINK_TTL_SECONDS;
  const sig = signature(await loadSigningSecret(deps), recordingId, expires, userId);
  const url = `${deps.config.publicUrl}/recordings/${encodeURIComponent(recordingId)}/audio?expires=${expires}&uid=${encodeURIComponent(userId)}&sig=${sig}`;
  return { url, expiresAt: new Date(expires * 1000).toISOString() };
}

/** True when sig is ours for this recording and account and the link has not expired. */
export async function verifyDownloadSignature(
  deps: AppDeps,
  recordingId: string,
  expiresParam: string | null,
  sig: string | null,
  userId: string | null,
  now = Date.now(),
): Promise<boolean> {
  if (!sig || !expiresParam || !userId || !/^\d{1,12}$/.test(expiresParam) || sig.length > 100 || userId.length > 64) return false;
  const expires = Number(expiresParam);
  if (expires * 1000 < now) return false;
  const expected = Buffer.from(signature(await loadSigningSecret(deps), recordingId, expires, userId));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
