// Issue 24 in a real Chromium with CDP virtual authenticators, through examples/web: a passkey-only
// sign-up, the device lost, recovery by a code that a real HTTP sink received through the signed
// webhook (or by a link through the real SMTP sink), a new passkey that signs in — and the old
// passkey (its real key, put back into an authenticator) and the old sessions no longer work.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { startWebExample, type WebExample } from '../examples/web/serve';
import { startSmtpSink } from './helpers/auth';
import { freePort } from './helpers/ports';
import { ensureSdkBuilt } from './helpers/sdk-package';
import { startWebhookSink, uniquePhone } from './helpers/sms-sinks';
import { closeClients, createClient, dbKind, describeDb, startTestServer, trpcRejection, uniqueEmail, type TestServer } from './helpers/server';

const WEBHOOK_SECRET = 'browser-webhook-secret-0123456789abcdef';
type Credential = { credentialId: string; isResidentCredential: boolean; rpId?: string; privateKey: string; userHandle?: string; signCount: number };

/** A browser context (a device) with its own virtual platform authenticator that verifies the user. */
async function openDevice(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string; errors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await page.goto(url);
  return { context, page, cdp, authenticatorId, errors };
}

describeDb(`recovery of a passkey-only account in Chromium on ${dbKind}`, () => {
  let server: TestServer;
  let web: WebExample;
  let webUrl: string;
  let browser: Browser;
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    await ensureSdkBuilt();
    sink = await startWebhookSink(WEBHOOK_SECRET);
    smtp = await startSmtpSink();
    const port = await freePort();
    // WebAuthn needs a host name (not an IP) as relying party: the page is served as localhost.
    webUrl = `http://localhost:${port}`;
    server = await startTestServer({
      env: {
        ALLOWED_ORIGINS: webUrl,
        RP_ID: 'localhost',
        WEBAUTHN_ORIGINS: webUrl,
        // Links in mails lead to the page (it serves /recover-account).
        PUBLIC_URL: webUrl,
        SMS_WEBHOOK_URL: sink.url,
        SMS_WEBHOOK_SECRET: WEBHOOK_SECRET,
        SMTP_URL: smtp.url,
      },
    });
    web = await startWebExample({ parleyUrl: server.url, port });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 300_000);
  afterAll(async () => {
    closeClients();
    await browser?.close();
    await web?.stop();
    await server?.stop();
    await sink?.close();
    await smtp?.close();
  });

  /** Signs up on a first device with a passkey alone, opens a second session, then loses the device (keeping a copy of its key). */
  async function signUpAndLoseDevice(contact: { phone?: string; email?: string }) {
    const device = await openDevice(browser, webUrl);
    const { page } = device;
    await page.fill('#pk-name', 'Ada');
    if (contact.phone) await page.fill('#pk-phone', contact.phone);
    if (contact.email) await page.fill('#pk-email', contact.email);
    await page.click('#passkey-sign-up');
    await page.waitForSelector('text=Signed in as Ada');
    const first = (await page.evaluate(() => localStorage.getItem('parley.token')))!;
    // A second session: the same person signs in again with the passkey (as on another tab or app).
    await page.evaluate(() => localStorage.removeItem('parley.token'));
    await page.reload();
    await page.click('#passkey-sign-in');
    await page.waitForSelector('text=Signed in as Ada');
    const second = (await page.evaluate(() => localStorage.getItem('parley.token')))!;
    expect(second).not.toBe(first);
    const userId = (await createClient(server.url, { token: second }).auth.me.query()).user.id;

    const { credentials } = (await device.cdp.send('WebAuthn.getCredentials', { authenticatorId: device.authenticatorId })) as { credentials: Credential[] };
    expect(credentials).toHaveLength(1);
    // The device is lost: its authenticator is gone, and so is the page.
    await device.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: device.authenticatorId });
    expect(device.errors).toEqual([]);
    await device.context.close();
    return { tokens: [first, second], userId, oldCredential: credentials[0]! };
  }

  /** After recovery on a new device: it signs in again with its new passkey; the old key and sessions are refused. */
  async function expectOnlyTheNewPasskeyWorks(newDevice: Awaited<ReturnType<typeof openDevice>>, lost: Awaited<ReturnType<typeof signUpAndLoseDevice>>) {
    const { page } = newDevice;
    for (const token of lost.tokens) {
      const error = await trpcRejection(createClient(server.url, { token }).auth.me.query());
      expect(error.data?.code).toBe('UNAUTHORIZED');
    }
    await page.click('#sign-out');
    await page.waitForSelector('text=Not signed in');
    await page.click('#passkey-sign-in');
    await page.waitForSelector('text=Signed in as Ada');
    const token = (await page.evaluate(() => localStorage.getItem('parley.token')))!;
    expect((await createClient(server.url, { token }).auth.me.query()).user.id).toBe(lost.userId);

    // The old key, put back into an authenticator (say the lost phone turns up in a thief's hands): refused.
    const thief = await openDevice(browser, webUrl);
    await thief.cdp.send('WebAuthn.addCredential', { authenticatorId: thief.authenticatorId, credential: { ...lost.oldCredential, isResidentCredential: true } });
    await thief.page.click('#passkey-sign-in');
    await thief.page.waitForSelector('#error:text("The passkey could not be verified")');
    expect(await thief.page.textContent('#whoami')).toBe('Not signed in');
    await thief.context.close();
    expect(newDevice.errors).toEqual([]);
  }

  it('recovers by an SMS code received by a real webhook sink (signature checked), on a new device with a new passkey', async () => {
    const phone = uniquePhone();
    const lost = await signUpAndLoseDevice({ phone });

    const device = await openDevice(browser, webUrl);
    const { page } = device;
    await page.click('#lost-passkey');
    await page.fill('#recovery-phone', phone);
    await page.click('#send-code');
    await page.waitForSelector('#recovery-status:text("a code is on its way")');
    const sms = await sink.waitFor(phone, /recovery code/);
    expect(sink.rejected()).toBe(0);
    await page.fill('#recovery-code', /\b(\d{6})\b/.exec(sms.text)![1]!);
    await page.click('#verify-code');
    await page.waitForSelector('#recovery-finish:visible');
    await page.click('#new-passkey');
    await page.waitForSelector('text=Signed in as Ada');
    // The recovery panel is hidden once signed in; its last words are still there.
    expect(await page.textContent('#recovery-status')).toBe('Recovered: 2 other session(s) ended, 1 old passkey(s) removed.');
    await sink.waitFor(phone, /account was recovered/);

    await expectOnlyTheNewPasskeyWorks(device, lost);
    await device.context.close();
  }, 180_000);

  it('recovers by the link mailed through a real SMTP sink, on a new device with a new passkey', async () => {
    const email = uniqueEmail('browser');
    const lost = await signUpAndLoseDevice({ email });

    const device = await openDevice(browser, webUrl);
    await device.page.click('#lost-passkey');
    await device.page.fill('#recovery-email', email);
    await device.page.click('#send-link');
    await device.page.waitForSelector('#recovery-status:text("a link is on its way")');
    const mail = await smtp.waitFor(email, /Get back into your Parley account/);
    const link = /(http:\/\/localhost:\d+\/recover-account\?token=[A-Za-z0-9.%_-]+)/.exec(mail.text)![1]!;
    // The person follows the link from the mail on the new device.
    await device.page.goto(link);
    await device.page.waitForSelector('#recovery-finish:visible');
    await device.page.click('#new-passkey');
    await device.page.waitForSelector('text=Signed in as Ada');
    await smtp.waitFor(email, /account was recovered/);

    await expectOnlyTheNewPasskeyWorks(device, lost);
    await device.context.close();
  }, 180_000);
});
