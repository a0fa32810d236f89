// SMS through an HTTP webhook: POST {to, text} as JSON to SMS_WEBHOOK_URL, signed so the receiver
// (a provider's adapter or an in-house gateway) can tell it came from this server and is fresh.
// Header: X-Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Sms, SmsTransport } from './sender';

export const SIGNATURE_HEADER = 'x-parley-signature';
const SEND_TIMEOUT_MS = 10_000;

export function signWebhookBody(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * What a receiver runs: true when header signs body with secret and its time is within
 * toleranceSeconds of now (a replayed old request fails). Constant-time comparison.
 */
export function verifyWebhookSignature(secret: string, header: string | null | undefined, body: string, nowMs = Date.now(), toleranceSeconds = 300): boolean {
  if (!header || header.length > 512) return false;
  const parts = new Map(header.split(',').map((kv) => kv.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

export function createWebhookTransport(options: { url: string; secret: string; fetch?: typeof fetch }): SmsTransport {
  const doFetch = options.fetch ?? fetch;
  return {
    name: 'webhook',
    async send(sms: Sms) {
      const body = JSON.stringify({ to: sms.to, text: sms.text });
      const res = await doFetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhookBody(options.secret, Math.floor(Date.now() / 1000), body) },
        body,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await res.body?.cancel().catch(() => {});
      if (!res.ok) throw new Error(`SMS webhook answered HTTP ${res.status}`);
    },
  };
}
