// Outgoing mail. With SMTP_URL it goes out through nodemailer; without it (a developer machine) it
// is written to the log and the outbox table, where a developer reads the links it carries.
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { outbox } from '../db/schema/index';
import { createBackgroundWork, type BackgroundWork } from '../background-work';

export type Mail = { to: string; subject: string; text: string; html: string };

/** track() takes background work that ends in a mail; idle() waits for it and every sendLater (tests, shutdown). */
export type Mailer = BackgroundWork & {
  /** Sends now; rejects when the SMTP server refuses. */
  send(mail: Mail): Promise<void>;
  /** Sends in the background (the caller's answer must not wait or depend on it); failures are logged. */
  sendLater(mail: Mail): void;
  close(): Promise<void>;
};

const TOKEN_PARAMETER = /([?&]token=)[^\s"&<]+/g;

/** The mail with the token of every link replaced, so a reader of the outbox cannot use it. */
export function redactLinks(mail: Mail): Mail {
  const redact = (text: string) => text.replace(TOKEN_PARAMETER, '$1[redacted]');
  return { ...mail, text: redact(mail.text), html: redact(mail.html) };
}

export function createMailer(deps: { config: Config; db: Database; logger: Logger }): Mailer {
  const { config, db, logger } = deps;
  // nodemailer is loaded with the first mail: importing it cost ≈ 80 ms of CPU on every start.
  let transport: Promise<Transporter> | undefined;
  const smtp = (url: string) => (transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(url)));
  const work = createBackgroundWork();

  async function send(mail: Mail): Promise<void> {
    if (config.smtpUrl) {
      await (await smtp(config.smtpUrl)).sendMail({ from: config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
      logger.info({ to: mail.to, subject: mail.subject }, 'mail sent');
      return;
    }
    // The links in a mail are secrets (a reset link resets the password): the outbox and the log keep
    // them only when MAIL_OUTBOX_KEEP_LINKS says so (the default on a development machine).
    const kept = config.mailOutboxKeepLinks ? mail : redactLinks(mail);
    await db.insert(outbox).values({ to: kept.to, subject: kept.subject, text: kept.text, html: kept.html });
    if (config.env === 'production') logger.warn({ to: mail.to, subject: mail.subject }, 'SMTP_URL is not set: mail kept in the outbox table');
    else logger.info({ to: mail.to, subject: mail.subject, body: kept.text }, 'mail written to the outbox (no SMTP_URL)');
  }

  return {
    send,
    track: work.track,
    idle: work.idle,
    sendLater(mail) {
      work.track(send(mail).catch((error) => logger.error({ err: error, to: mail.to, subject: mail.subject }, 'sending mail failed')));
    },
    async close() {
      await work.idle();
      if (transport) (await transport).close();
    },
  };
}
