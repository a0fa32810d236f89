// examples/cli-recorder: parley-record records a file end to end against a real server.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../server/src/trpc/router';
import { freePort } from './helpers/ports';
import { ensureSdkBuilt, repoRoot } from './helpers/sdk-package';
import { describeOnce, registerUser, startTestServer, tempDir, type TestServer } from './helpers/server';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'examples/cli-recorder/bin/parley-record.js');
const hasRecordings = 'recordings' in (appRouter._def.record as Record<string, unknown>);

describeOnce('parley-record (examples/cli-recorder)', () => {
  beforeAll(() => ensureSdkBuilt(), 300_000);

  it('explains itself with --help', async () => {
    const { stdout } = await run(process.execPath, [cli, '--help']);
    expect(stdout).toContain('Usage:');
    expect(stdout).toContain('PARLEY_TOKEN');
    expect(stdout).toContain('arecord');
  });

  it('refuses to start without a way to sign in, with exit code 2', async () => {
    const error = await run(process.execPath, [cli, '--url', 'http://127.0.0.1:9', '-'], { env: { ...process.env, PARLEY_TOKEN: '' } }).catch((e) => e);
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('--email');
  });

  (hasRecordings ? describe : describe.skip)('against a server', () => {
    let server: TestServer;
    beforeAll(async () => {
      // Signed download links are built on PUBLIC_URL: give the server its own address.
      const port = await freePort();
      server = await startTestServer({ env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, RP_ID: 'localhost' } });
    });
    afterAll(() => server?.stop());

    it('records a WAV file end to end and prints the recording id and a download link that serves Ogg/Opus', async () => {
      const dir = tempDir('parley-cli-');
      const wav = path.join(dir, 'hello.wav');
      await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', wav, 'synth', '3', 'sine', '440']);
      const user = await registerUser(server.url);
      const { stdout, stderr } = await run(process.execPath, [cli, '--url', server.url, '--name', 'CLI test', wav], {
        env: { ...process.env, PARLEY_TOKEN: user.token },
      });
      expect(stderr).toMatch(/acked/);
      const id = /recording (\S+) finished: 00:0[23]\.\d/.exec(stdout)?.[1];
      expect(id, stdout).toBeTruthy();
      const link = /download: (\S+)/.exec(stdout)?.[1];
      expect(link).toBeTruthy();
      const audio = await fetch(link!, { headers: { authorization: `Bearer ${user.token}` } });
      expect(audio.status).toBe(200);
      expect(Buffer.from(await audio.arrayBuffer()).subarray(0, 4).toString()).toBe('OggS');
    });

    it('signs in with --email/--password and records PCM from stdin', async () => {
      const user = await registerUser(server.url);
      const child = run(process.execPath, [cli, '--url', server.url, '--email', user.email, '--password', user.password, '--rate', '16000', '-'], {
        env: { ...process.env, PARLEY_TOKEN: '' },
      });
      const pcm = Buffer.alloc(16_000 * 2 * 2);
      for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 300 * i) / 16_000)), i * 2);
      child.child.stdin!.end(pcm);
      const { stdout } = await child;
      expect(stdout).toMatch(/recording \S+ finished: 00:02\.0/);
    });
  });
});
