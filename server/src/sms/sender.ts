// Outgoing SMS behind one small interface: a signed webhook (SMS_WEBHOOK_URL) or Twilio (SMS_URL);
// without either, the message goes to the sms_outbox table and, outside production, to the log —
// as mail does. In production neither the table nor the log ever shows a code.
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { smsOutbox } from '../db/schema/index';
import { createBackgroundWork, type BackgroundWork } from '../background-work';
import { createTwilioTransport } from './twilio';
import { createWebhookTransport } from './webhook';

export type Sms = { to: string; text: string };

/** One way of delivering a text message; send rejects when the provider refuses. */
export type SmsTransport = { name: string; send(sms: Sms): Promise<void> };

/** track() takes background work that ends in a message; idle() waits for it and every sendLater (tests, shutdown). */
export type SmsSender = BackgroundWork & {
  /** 'webhook', 'twilio' or 'outbox'. */
  readonly transport: string;
  send(sms: Sms): Promise<void>;
  /** Sends in the background; failures are logged (without the text). */
  sendLater(sms: Sms): void;
};

/** Digits runs that could be a code, hidden in production logs. */
export function redactCodes(text: string): string {
  return text.replace(/\d{4,}/g, (digits) => '•'.repeat(digits.length));
}

/** A phone number shown in logs: its country code and last two digits. */
export function maskPhone(phone: string): string {
  return phone.length > 6 ? `${phone.slice(0, 3)}…${phone.slice(-2)}` : '…';
}

export function createSmsSender(deps: { config: Config; db: Database; logger: Logger }): SmsSender {
  const { config, db, logger } = deps;
  const transport: SmsTransport | null = config.sms.webhook
    ? createWebhookTransport(config.sms.webhook)
    : config.sms.twilio
      ? createTwilioTransport(config.sms.twilio)
      : null;
  const work = createBackgroundWork();

  async function send(sms: Sms): Promise<void> {
    if (transport) {
      await transport.send(sms);
      logger.info({ to: maskPhone(sms.to), transport: transport.name }, 'sms sent');
      return;
    }
    // In production a code is a secret: the table and the log keep the message without it (it is
    // then undeliverable — configure a transport); on a developer machine both show it whole.
    const production = config.env === 'production';
    await db.insert(smsOutbox).values({ to: sms.to, text: production ? redactCodes(sms.text) : sms.text });
    if (production) {
      logger.warn({ to: maskPhone(sms.to), text: redactCodes(sms.text) }, 'no SMS transport (SMS_URL or SMS_WEBHOOK_URL): message kept, code hidden, in the sms_outbox table');
    } else {
      logger.info({ to: sms.to, body: sms.text }, 'sms written to the outbox (no SMS_URL or SMS_WEBHOOK_URL)');
    }
  }

  return {
    transport: transport?.name ?? 'outbox',
    send,
    track: work.track,
    idle: work.idle,
    sendLater(sms) {
      work.track(send(sms).catch((error) => logger.error({ err: error, to: maskPhone(sms.to) }, 'sending sms failed')));
    },
  };
}
