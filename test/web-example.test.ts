// examples/web in a real headless Chromium with its fake microphone: sign up, chat between two
// browser contexts (with the typing indicator), record 5 s and find it in the list.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { appRouter } from '../server/src/trpc/router';
import { startWebExample, type WebExample } from '../examples/web/serve';
import { freePort } from './helpers/drop-proxy';
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
    server = await startTestServer({ env: { ALLOWED_ORIGINS: `http://127.0.0.1:${port}` } });
    web = await startWebExample({ parleyUrl: server.url, port });
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
    await alice.waitForTimeout(5000);
    await alice.click('#record');
    await alice.waitForSelector('#record-status:text("saved")', { timeout: 30_000 });
    const item = alice.locator('#recordings li[data-status="finished"]').first();
    await item.waitFor();
    const seconds = Number(/· ([\d.]+) s/.exec((await item.textContent())!)?.[1]);
    expect(seconds).toBeGreaterThan(4);
    expect(await item.locator('audio').count()).toBe(1);
    await alice.screenshot({ path: path.join(artifacts, 'web-alice-recording.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
