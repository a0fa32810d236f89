// examples/web in a real headless Chromium with its fake microphone: sign up, chat between two
// browser contexts (with the typing indicator), record 5 s and find it in the list.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { appRouter } from '../server/src/trpc/router';
import { startWebExample, type WebExample } from '../examples/web/serve';
import { addVirtualAuthenticator } from './helpers/chromium';
import { freePort } from './helpers/ports';
import { ensureSdkBuilt, repoRoot } from './helpers/sdk-package';
import { describeOnce, startTestServer, uniqueEmail, type TestServer } from './helpers/server';

const record = appRouter._def.record as Record<string, unknown>;
const hasFeatures = ['rooms', 'recordings', 'sessions'].every((name) => name in record);
const artifacts = path.join(repoRoot, 'test-artifacts');
const PASSWORD = 'a long enough passphrase 42';

async function signUp(page: Page, name: string) {
  await page.fill('#email', uniqueEmail(name.toLowerCase()));
  await page.fill('#password', PASSWORD);
  await page.fill('#name', name);
  await page.click('#sign-up');
  await page.waitForSelector(`text=Signed in as ${name}`);
}

(hasFeatures ? describeOnce : describe.skip)('examples/web in headless Chromium', () => {
  let server: TestServer;
  let web: WebExample;
  let browser: Browser;
  beforeAll(async () => {
    await ensureSdkBuilt();
    fs.mkdirSync(artifacts, { recursive: true });
    const port = await freePort();
    // What the Quick start gives plus the page's origin: no RP_ID, no WEBAUTHN_ORIGINS. The page is
    // opened as localhost, the server's own zero-config origin, where passkeys work.
    server = await startTestServer({ env: { ALLOWED_ORIGINS: `http://localhost:${port}` } });
    const served = await startWebExample({ parleyUrl: server.deps.config.publicUrl, port });
    web = { ...served, url: served.url.replace('127.0.0.1', 'localhost') };
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      ],
      // Playwright gives each launch a fresh, empty profile (user-data-dir) of its own.
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await server?.stop();
  });

  it('signs up two people who chat live in a room, see each other typing, and record 5 s into the list', async () => {
    const alice = await (await browser.newContext({ permissions: ['microphone'] })).newPage();
    // Note what the page asks MediaRecorder for (bitrate) and the channels its encoder writes.
    await alice.addInitScript(() => {
      const Original = MediaRecorder;
      const seen = { recorderOptions: [] as unknown[], recorderChannels: [] as unknown[] };
      Object.assign(window, seen);
      (window as unknown as { MediaRecorder: unknown }).MediaRecorder = class extends Original {
        constructor(stream: MediaStream, options?: MediaRecorderOptions) {
          super(stream, options);
          seen.recorderOptions.push(options);
          // The channel count the encoder wrote: byte 9 of the OpusHead in the first WebM chunk.
          const onFirstChunk = async (event: BlobEvent) => {
            this.removeEventListener('dataavailable', onFirstChunk);
            const bytes = new Uint8Array(await event.data.arrayBuffer());
            const at = new TextDecoder('latin1').decode(bytes).indexOf('OpusHead');
            seen.recorderChannels.push(at >= 0 ? bytes[at + 9] : 'no OpusHead');
          };
          this.addEventListener('dataavailable', onFirstChunk);
        }
      };
    });
    const bob = await (await browser.newContext({ permissions: ['microphone'] })).newPage();
    const pageErrors: string[] = [];
    for (const page of [alice, bob]) page.on('pageerror', (e) => pageErrors.push(e.message));
    await alice.goto(web.url);
    await bob.goto(web.url);
    await signUp(alice, 'Alice');
    await signUp(bob, 'Bob');
    await expect.poll(() => alice.locator('#sessions li').count()).toBeGreaterThanOrEqual(1);

    await alice.fill('#room-name', 'Lobby');
    await alice.click('#create-room');
    await alice.waitForFunction(() => document.querySelector('#current-room')?.textContent !== '');
    const roomId = (await alice.textContent('#current-room'))!;
    await bob.fill('#room-id', roomId);
    await bob.click('#join-room');
    await bob.waitForSelector(`#current-room:text("${roomId}")`);

    await bob.type('#message', 'Hi Al');
    await alice.waitForSelector('#typing:text("Bob is typing")');
    await bob.click('#send');
    await alice.waitForSelector('#messages li:text("Bob: Hi Al")');
    await alice.fill('#message', 'Hello Bob!');
    await alice.click('#send');
    await bob.waitForSelector('#messages li:text("Alice: Hello Bob!")');
    await alice.screenshot({ path: path.join(artifacts, 'web-alice-chat.png'), fullPage: true });
    await bob.screenshot({ path: path.join(artifacts, 'web-bob-chat.png'), fullPage: true });

    await alice.click('#record');
    await alice.waitForSelector('#record-status:text("acked")');
    expect(await alice.evaluate(() => (window as unknown as { recorderOptions: MediaRecorderOptions[] }).recorderOptions)).toEqual([
      expect.objectContaining({ mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: 24_000 }),
    ]);
    await expect.poll(() => alice.evaluate(() => (window as unknown as { recorderChannels: number[] }).recorderChannels)).toEqual([1]);
    // Progress from recordings.events, as the server stores it.
    await alice.waitForSelector('#record-progress:text("server stored")');
    await alice.waitForTimeout(5000);
    await alice.click('#record');
    await alice.waitForSelector('#record-status:text("saved")', { timeout: 30_000 });
    await alice.waitForSelector('#record-progress:text("server finished")');
    const item = alice.locator('#recordings li[data-status="finished"]').first();
    await item.waitFor();
    const seconds = Number(/· ([\d.]+) s/.exec((await item.textContent())!)?.[1]);
    expect(seconds).toBeGreaterThan(4);
    expect(await item.locator('audio').count()).toBe(1);
    await alice.screenshot({ path: path.join(artifacts, 'web-alice-recording.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('adds a passkey, signs out, signs in with it (discoverable), and signs up with a passkey alone', async () => {
    expect(server.deps.config.rpId).toBe('localhost');
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const authenticator = await addVirtualAuthenticator(page);
    await page.goto(web.url);
    await signUp(page, 'Ada');
    // A session alone can't add a passkey: the page confirms the password first (auth.reauthenticate).
    await page.fill('#reauth-password', PASSWORD);
    await page.click('#add-passkey');
    await page.waitForSelector('#passkeys li');
    expect(await authenticator.credentialCount()).toBe(1);
    await page.click('#sign-out');
    await page.waitForSelector('#auth-panel:not([hidden])');
    await page.click('#passkey-sign-in');
    await page.waitForSelector('text=Signed in as Ada');

    const fresh = await browser.newPage();
    fresh.on('pageerror', (e) => pageErrors.push(e.message));
    await addVirtualAuthenticator(fresh);
    await fresh.goto(web.url);
    await fresh.fill('#pk-name', 'Grace');
    await fresh.fill('#pk-email', uniqueEmail('grace'));
    await fresh.click('#passkey-sign-up');
    await fresh.waitForSelector('text=Signed in as Grace');
    const me = await fresh.evaluate(() => (window as unknown as { parley: { client: { auth: { me: { query(): Promise<{ user: { displayName: string } }> } } } } }).parley.client.auth.me.query());
    expect(me.user.displayName).toBe('Grace');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
