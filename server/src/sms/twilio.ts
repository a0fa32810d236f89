// SMS through Twilio's Messages API: the documented form-encoded POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json with To, From (or MessagingServiceSid) and Body,
// HTTP basic auth with the account SID and auth token.
import type { TwilioSmsConfig } from '../config';
import type { Sms, SmsTransport } from './sender';

const SEND_TIMEOUT_MS = 10_000;

export function createTwilioTransport(options: TwilioSmsConfig & { apiUrl: string; fetch?: typeof fetch }): SmsTransport {
  const doFetch = options.fetch ?? fetch;
  const endpoint = `${options.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  return {
    name: 'twilio',
    async send(sms: Sms) {
      const form = new URLSearchParams({ To: sms.to, Body: sms.text });
      form.set(/^MG/i.test(options.from) ? 'MessagingServiceSid' : 'From', options.from);
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      if (!res.ok) {
        // Twilio's error body ({ code, message, more_info }) names the problem; it carries no secret.
        const detail = (await res.json().catch(() => null)) as { code?: number; message?: string } | null;
        throw new Error(`Twilio answered HTTP ${res.status}${detail?.code ? ` (error ${detail.code}: ${String(detail.message ?? '').slice(0, 200)})` : ''}`);
      }
      await res.body?.cancel().catch(() => {});
    },
  };
}
