import { describe, expect, it } from 'vitest';
import { parseTwilioUrl } from '../config';
import { maskPhone, redactCodes } from './sender';
import { signWebhookBody, verifyWebhookSignature } from './webhook';

const secret = 'a-webhook-secret-of-at-least-32-chars!';
const body = JSON.stringify({ to: '+442079460958', text: 'Your Parley recovery code is 123456.' });

describe('webhook signature', () => {
  it('verifies a body signed with the secret at the current time', () => {
    const now = Date.now();
    expect(verifyWebhookSignature(secret, signWebhookBody(secret, Math.floor(now / 1000), body), body, now)).toBe(true);
  });

  it('refuses another body, another secret, an old timestamp, and malformed headers', () => {
    const now = Date.now();
    const header = signWebhookBody(secret, Math.floor(now / 1000), body);
    expect(verifyWebhookSignature(secret, header, body.replace('123456', '654321'), now)).toBe(false);
    expect(verifyWebhookSignature(`${secret}x`, header, body, now)).toBe(false);
    expect(verifyWebhookSignature(secret, signWebhookBody(secret, Math.floor(now / 1000) - 600, body), body, now)).toBe(false);
    for (const bad of [undefined, '', 't=1', 'v1=00', 't=abc,v1=zz', 'x'.repeat(1000)]) expect(verifyWebhookSignature(secret, bad, body, now)).toBe(false);
  });
});

describe('SMS_URL for Twilio', () => {
  it('reads twilio://ACCOUNT_SID:AUTH_TOKEN@FROM_NUMBER', () => {
    expect(parseTwilioUrl('twilio://AC123:tok%2Fen@+15005550006')).toEqual({ accountSid: 'AC123', authToken: 'tok/en', from: '+15005550006' });
    expect(parseTwilioUrl('twilio://AC123:token@15005550006')?.from).toBe('+15005550006');
    expect(parseTwilioUrl(`twilio://AC123:token@MG${'a'.repeat(32)}`)?.from).toBe(`MG${'a'.repeat(32)}`);
  });

  it('refuses other shapes', () => {
    for (const bad of ['https://AC1:t@+1500', 'twilio://AC1@+15005550006', 'twilio://AC1:t@not-a-number', 'twilio://:t@+15005550006']) expect(parseTwilioUrl(bad)).toBeNull();
  });
});

describe('SMS in logs', () => {
  it('hides codes and most of the number', () => {
    expect(redactCodes('Your Parley recovery code is 123456. It works once, for 10 minutes.')).toBe('Your Parley recovery code is ••••••. It works once, for 10 minutes.');
    expect(maskPhone('+442079460958')).toBe('+44…58');
  });
});

describe('SMS configuration', () => {
  it('needs a secret with the webhook, one transport at most, and a Twilio URL of the right shape', async () => {
    const { loadConfig } = await import('../config');
    expect(loadConfig({}).sms).toEqual({ webhook: null, twilio: null });
    expect(() => loadConfig({ SMS_WEBHOOK_URL: 'https://gw.example/sms' })).toThrow(/SMS_WEBHOOK_SECRET/);
    expect(() => loadConfig({ SMS_WEBHOOK_URL: 'https://gw.example/sms', SMS_WEBHOOK_SECRET: 'short' })).toThrow(/SMS_WEBHOOK_SECRET: expected at least 32/);
    expect(() => loadConfig({ SMS_URL: 'twilio://AC1:t@nope' })).toThrow(/SMS_URL: expected twilio:\/\//);
    expect(() => loadConfig({ SMS_URL: 'twilio://AC1:t@+15005550006', SMS_WEBHOOK_URL: 'https://gw.example/sms', SMS_WEBHOOK_SECRET: secret })).toThrow(/SMS_URL/);
    expect(loadConfig({ SMS_URL: 'twilio://AC1:t@+15005550006' }).sms.twilio).toEqual({ accountSid: 'AC1', authToken: 't', from: '+15005550006', apiUrl: 'https://api.twilio.com' });
  });
});
