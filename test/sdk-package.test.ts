// The published @parley/sdk, installed from its tarball in a project with only typescript: its
// types stand alone, it holds no server code, and a plain Node script can chat and record with it
// through dropped connections.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../server/src/trpc/router';
import { startDropProxy, type DropProxy } from './helpers/drop-proxy';
import { listTarball, packAndInstallSdk, typecheck, type InstalledSdk } from './helpers/sdk-package';
import { describeOnce, startTestServer, type TestServer } from './helpers/server';

const record = appRouter._def.record as Record<string, unknown>;
const hasRoomsAndRecordings = 'rooms' in record && 'recordings' in record;

describeOnce('@parley/sdk installed from its tarball', () => {
  let sdk: InstalledSdk;
  beforeAll(async () => {
    sdk = await packAndInstallSdk();
  }, 600_000);
  afterAll(() => {
    if (sdk) fs.rmSync(sdk.dir, { recursive: true, force: true });
  });

  it('holds only the built client: package.json and dist/, no server code', async () => {
    const files = await listTarball(sdk.tarball);
    expect(files.every((f) => f === 'package/package.json' || f === 'package/README.md' || f.startsWith('package/dist/'))).toBe(true);
    const installed = path.join(sdk.dir, 'node_modules/@parley/sdk');
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@trpc/client', '@trpc/server', 'ws']);
    expect(manifest.sideEffects).toBe(false);
    for (const file of fs.readdirSync(path.join(installed, 'dist'))) {
      const text = fs.readFileSync(path.join(installed, 'dist', file), 'utf8');
      expect(text, file).not.toMatch(/@parley\/server|drizzle|argon2|@discordjs\/opus|prism-media|pglite|from ['"]postgres['"]|server\/src/);
    }
  });

  it('type-checks a consumer under --strict, with every input and output typed', async () => {
    fs.writeFileSync(
      path.join(sdk.dir, 'consumer.ts'),
      `import { createParleyClient, errorCode, type RouterInputs, type RouterOutputs } from '@parley/sdk';
import { createParleyClient as createNodeClient } from '@parley/sdk/node';

const client = createParleyClient({ url: 'http://localhost:3000', onSessionExpired: (event) => console.log(event.reason) });
export async function main(): Promise<string> {
  const signedIn = await client.auth.login.mutate({ email: 'a@example.com', password: 'secret' });
  // With two-factor on, login answers a challenge for auth.totp.verifyLogin instead of a session.
  const session = 'twoFactorRequired' in signedIn
    ? await client.auth.totp.verifyLogin.mutate({ challenge: signedIn.challenge, code: '123456' })
    : signedIn;
  const { user, token } = session;
  const email: string | null = user.email;
  const me: RouterOutputs['auth']['me'] = await client.auth.me.query();
  const input: RouterInputs['auth']['register'] = { email: 'b@example.com', password: 'long enough', name: 'B' };
  const node = createNodeClient({ url: 'http://localhost:3000', token });
  await node.auth.register.mutate(input);
  try {
    await client.auth.logout.mutate();
  } catch (error) {
    const code: 'UNAUTHORIZED' | string | undefined = errorCode(error);
    console.log(code);
  }
  return [email, me.session.expiresAt.toUpperCase(), client.token].join();
}
`,
    );
    const result = await typecheck(sdk.dir, 'consumer.ts');
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses a wrong input at compile time: auth.login({ email: 42 })', async () => {
    fs.writeFileSync(
      path.join(sdk.dir, 'wrong-input.ts'),
      `import { createParleyClient } from '@parley/sdk';
const client = createParleyClient({ url: 'http://localhost:3000' });
export const result = client.auth.login.mutate({ email: 42, password: 'secret' });
`,
    );
    const result = await typecheck(sdk.dir, 'wrong-input.ts');
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/wrong-input\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });

  it('loads in Node from ESM and from CommonJS, with the Node entry too', async () => {
    const { execFileSync } = await import('node:child_process');
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import * as sdk from '@parley/sdk'; import * as node from '@parley/sdk/node'; console.log(typeof sdk.createParleyClient, typeof node.createParleyClient)"], { cwd: sdk.dir, encoding: 'utf8' });
    expect(esm.trim()).toBe('function function');
    const cjs = execFileSync(process.execPath, ['-e', "const sdk = require('@parley/sdk'); const node = require('@parley/sdk/node'); console.log(typeof sdk.createParleyClient, typeof node.createParleyClient)"], { cwd: sdk.dir, encoding: 'utf8' });
    expect(cjs.trim()).toBe('function function');
  });

  (hasRoomsAndRecordings ? describe : describe.skip)('a Node script using only the tarball', () => {
    let server: TestServer;
    let proxy: DropProxy;
    beforeAll(async () => {
      server = await startTestServer();
      proxy = await startDropProxy(server.port);
    });
    afterAll(async () => {
      await proxy?.close();
      await server?.stop();
    });

    it('registers, chats, resumes after a dropped connection without missing a message, and records 20 s across a forced disconnect', async () => {
      fs.copyFileSync(path.join(__dirname, 'fixtures/sdk-scenario.mjs'), path.join(sdk.dir, 'scenario.mjs'));
      const child = spawn(process.execPath, ['scenario.mjs'], {
        cwd: sdk.dir,
        env: { ...process.env, PARLEY_URL: proxy.url, PARLEY_DIRECT_URL: server.url },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const steps: Record<string, Record<string, unknown>> = {};
      for await (const line of createInterface({ input: child.stdout })) {
        const message = JSON.parse(line) as { step: string } & Record<string, unknown>;
        steps[message.step] = message;
        if (message.step === 'drop-chat' || message.step === 'drop-recording') {
          await proxy.drop({ blockMs: 1000 });
          child.stdin.write('dropped\n');
        }
      }
      const code = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(proxy.drops).toBe(2);
      expect(steps.chat?.bodies).toEqual(['one', 'two', 'three', 'four', 'back online']);
      const result = steps.recorded?.result as { recordingId: string; durationMs: number; reconnects: number };
      expect(result.reconnects).toBeGreaterThanOrEqual(1);
      expect(result.durationMs).toBeGreaterThan(19_900);
      expect(result.durationMs).toBeLessThan(20_100);
      const progress = steps.recorded?.progress as { bytesAcked: number; audioMs: number };
      expect(progress.bytesAcked).toBe(20 * 16_000 * 2);
      expect(progress.audioMs).toBe(20_000);
      expect(JSON.stringify(steps.done?.recording)).toContain(result.recordingId);
    }, 180_000);
  });
});
