// Graceful shutdown of a real server process: SIGTERM stops new connections, tells WebSocket
// clients to reconnect elsewhere (tRPC reconnect notice, then close code 1012), and exits 0.
// main.ts exits 1 if draining takes longer than 10 s, so exit code 0 means it finished in time.
// (The live-recording part of SIGTERM — the file finalized as valid Ogg, resumable after a
// restart — is tested with the recordings feature.)
import { WebSocket } from 'ws';
import { expect, it } from 'vitest';
import { spawnServer } from './helpers/process';
import { createClient, createTestDatabase, dbKind, describeDb, testEnv, uniqueEmail } from './helpers/server';

describeDb(`graceful shutdown on ${dbKind}`, () => {
  it('on SIGTERM tells tRPC WebSocket clients to reconnect (1012), refuses new connections and exits 0', { timeout: 180_000 }, async () => {
    const database = await createTestDatabase();
    // A cold PGlite start in a fresh process (WASM + migrations) is slow on a busy machine.
    const server = await spawnServer({ ...testEnv(database), LOG_LEVEL: 'info' }, 100_000);
    try {
      const { token } = await createClient(server.url).auth.register.mutate({ email: uniqueEmail('sigterm'), password: 'shutdown gracefully 1' });
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
      const messages: unknown[] = [];
      ws.on('message', (data: Buffer) => messages.push(JSON.parse(String(data))));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => {
          ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
          ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me', input: undefined } }));
        });
        ws.on('message', () => messages.some((m) => (m as { id?: number }).id === 1) && resolve());
        ws.once('error', reject);
      });
      const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));

      const exited = server.kill('SIGTERM');
      expect(await closed).toMatchObject({ code: 1012 });
      expect(messages).toContainEqual(expect.objectContaining({ method: 'reconnect' }));
      expect(await exited).toBe(0);
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();
      expect(server.output()).toContain('shutting down');
      expect(server.output()).not.toContain('shutdown took too long');
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await database.drop();
    }
  });
});
