// examples/react (Vite + React + @trpc/tanstack-react-query on @parley/sdk) in headless Chromium,
// against a server started with no passkey settings: passkeys with a CDP virtual authenticator,
// a live room across two browser contexts through a network cut, recordings with a player.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildReactExample, serveReactExample, type ReactExample } from '../examples/react/serve';
import { hasTool, speechWav } from './helpers/audio-fixtures';
import { addVirtualAuthenticator, launchChromium, setOffline } from './helpers/chromium';
import { startDropProxy, type DropProxy } from './helpers/drop-proxy';
import { freePort } from './helpers/ports';
import { ensureSdkBuilt, repoRoot } from './helpers/sdk-package';
import { describeOnce, startTestServer, uniqueEmail, type TestServer } from './helpers/server';

const PASSWORD = 'a long enough passphrase 42';

describeOnce('examples/react in headless Chromium', () => {
  let server: TestServer;
  let web: ReactExample;
  let browser: Browser;
  let appUrl: string;
  beforeAll(async () => {
    await ensureSdkBuilt();
    await buildReactExample();
    const port = await freePort();
    // What the Quick start gives plus the page's origin: no RP_ID, no WEBAUTHN_ORIGINS.
    server = await startTestServer({ env: { ALLOWED_ORIGINS: `http://localhost:${port}` } });
    web = await serveReactExample({ port });
    appUrl = `${web.url}/?server=${encodeURIComponent(server.deps.config.publicUrl)}`;
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await server?.stop();
  });

  async function openApp(serverUrl?: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(serverUrl ? `${web.url}/?server=${encodeURIComponent(serverUrl)}` : appUrl);
    return page;
  }

  async function signUp(page: Page, name: string) {
    await page.fill('#email', uniqueEmail(name.toLowerCase()));
    await page.fill('#password', PASSWORD);
    await page.fill('#name', name);
    await page.click('#sign-up');
    await page.waitForSelector(`#whoami:text("Signed in as ${name}")`);
  }

  it('derives the public origin http://localhost:PORT and the RP id localhost from the defaults', () => {
    expect(server.deps.config.publicUrl).toBe(`http://localhost:${server.port}`);
    expect(server.deps.config.rpId).toBe('localhost');
  });

  it('adds a passkey, signs out, signs in with it (discoverable), and signs up with a passkey alone', async () => {
    const page = await openApp();
    const authenticator = await addVirtualAuthenticator(page);
    await signUp(page, 'Ada');
    // A session alone can't add a passkey: the page confirms the password first (auth.reauthenticate).
    await page.fill('#reauth-password', PASSWORD);
    await page.click('#add-passkey');
    await page.waitForSelector('#passkeys li');
    expect(await authenticator.credentialCount()).toBe(1);
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in-panel');
    expect(await page.evaluate(() => localStorage.getItem('parley.token'))).toBeNull();
    await page.click('#passkey-sign-in');
    await page.waitForSelector('#whoami:text("Signed in as Ada")');

    const fresh = await openApp();
    await addVirtualAuthenticator(fresh);
    await fresh.fill('#email', uniqueEmail('grace'));
    await fresh.fill('#name', 'Grace');
    await fresh.click('#passkey-sign-up');
    await fresh.waitForSelector('#whoami:text("Signed in as Grace")');
    const me = await fresh.evaluate(() => (window as unknown as { parley: { client: { auth: { me: { query(): Promise<{ user: { displayName: string; kind: string } }> } } } } }).parley.client.auth.me.query());
    expect(me.user).toMatchObject({ displayName: 'Grace', kind: 'member' });
    expect([...(page as never as { errors: string[] }).errors, ...(fresh as never as { errors: string[] }).errors]).toEqual([]);
  }, 120_000);

  it('chats live between two contexts; a cut WebSocket resumes with no message lost or doubled', async () => {
    // Bob reaches the server through a TCP proxy the test can cut: DevTools' offline emulation stops
    // new connections but (in Chromium 156) leaves an open WebSocket up, so the proxy cuts that one.
    const proxy: DropProxy = await startDropProxy(server.port);
    const alice = await openApp();
    const bob = await openApp(`http://localhost:${proxy.port}`);
    await signUp(alice, 'Alice');
    await bob.fill('#guest-alias', 'Bob');
    await bob.click('#guest');
    await bob.waitForSelector('#whoami:text("Signed in as Bob")');

    await alice.fill('#room-name', 'Lobby');
    await alice.click('#create-room');
    const roomId = (await (await alice.waitForSelector('#current-room')).textContent())!;
    await bob.fill('#room-id', roomId);
    await bob.click('#join-room');
    await bob.waitForSelector('#subscription[data-status="pending"]');
    await alice.waitForSelector('#subscription[data-status="pending"]');

    const say = async (page: Page, text: string) => {
      await page.fill('#message', text);
      await page.click('#send');
      await page.waitForFunction(() => (document.querySelector('#message') as HTMLInputElement).value === '');
    };
    const texts = (page: Page) => page.locator('#messages li').allTextContents();

    await say(alice, 'one');
    await bob.waitForSelector('#messages li:text("Alice: one")');

    await setOffline(bob, true);
    await proxy.drop();
    await bob.waitForSelector('#connection:not([data-state="pending"])', { timeout: 60_000 });
    await say(alice, 'two');
    await say(alice, 'three');
    await setOffline(bob, false);
    await bob.waitForSelector('#messages li:text("Alice: three")', { timeout: 60_000 });
    await say(bob, 'four');
    await alice.waitForSelector('#messages li:text("Bob: four")');

    const expected = ['Alice: one', 'Alice: two', 'Alice: three', 'Bob: four'];
    await expect.poll(() => texts(bob)).toEqual(expected);
    expect(await texts(alice)).toEqual(expected);
    expect(await bob.locator('#connection').getAttribute('data-state')).toBe('pending');
    expect([...(alice as never as { errors: string[] }).errors, ...(bob as never as { errors: string[] }).errors]).toEqual([]);
    await proxy.close();
  }, 180_000);

  it.skipIf(!hasTool('espeak-ng'))('lists recordings with an audio player', async () => {
    const page = await openApp();
    await signUp(page, 'Rita');
    const token = await page.evaluate(() => localStorage.getItem('parley.token'));
    const wav = fs.readFileSync(await speechWav({ seconds: 2 }));
    const upload = await fetch(`${server.url}/api/recordings/upload?name=Standup`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' }, body: wav });
    expect(upload.ok).toBe(true);
    await page.click('#refresh-recordings');
    const item = page.locator('#recordings li[data-status="finished"]').first();
    await item.waitFor();
    expect(await item.textContent()).toContain('Standup');
    const src = await item.locator('audio').getAttribute('src', { timeout: 10_000 });
    const audio = await fetch(src!);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toContain('ogg');
    expect(path.extname(new URL(src!).pathname)).toBe('');
  }, 120_000);

  it('makes a wrong procedure input a compile error in the React app too', async () => {
    const appDir = path.join(repoRoot, 'examples/react');
    const dir = path.join(appDir, '.compile-check');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'wrong-input.tsx'),
      [
        "import { useMutation, useQuery } from '@tanstack/react-query';",
        "import { useTRPC } from '../src/parley';",
        'export function Wrong() {',
        '  const trpc = useTRPC();',
        '  useQuery(trpc.rooms.history.queryOptions({ roomId: 42 }));',
        "  useMutation(trpc.auth.login.mutationOptions()).mutate({ email: 'a@example.com' });",
        '  return null;',
        '}',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['../src', 'wrong-input.tsx'] }));
    const output = await new Promise<string>((resolve) =>
      execFile(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')], { cwd: appDir }, (error, stdout, stderr) => {
        expect(error, 'tsc should fail').not.toBeNull();
        resolve(stdout + stderr);
      }),
    );
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors.every((line) => line.includes('wrong-input.tsx')), output).toBe(true);
    expect(errors.map((line) => /wrong-input\.tsx\((\d+),/.exec(line)?.[1])).toEqual(['5', '6']);
    expect(output).toMatch(/wrong-input\.tsx\(5,[\s\S]*Type 'number' is not assignable to type 'string'/);
    expect(output, output).toMatch(/wrong-input\.tsx\(6,[\s\S]*password/);
  }, 120_000);
});
