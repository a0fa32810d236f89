// A PostgreSQL outage under a running server: requests fail fast with a clear 503, /ready says
// why, and everything recovers without a restart once the database is back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster';
import { createClient, describePostgres, registerUser, startTestServer, tempDir, type TestServer } from './helpers/server';

describePostgres('PostgreSQL outage', () => {
  let cluster: PostgresCluster;
  let server: TestServer;
  beforeAll(async () => {
    cluster = (await startPostgresCluster())!;
    server = await startTestServer({ database: { databaseUrl: cluster.url, dataDir: tempDir(), drop: async () => {} } });
  });
  afterAll(async () => {
    await server?.close();
    cluster?.destroy();
  });

  it('fails requests fast with SERVICE_UNAVAILABLE while down and recovers when the database is back', async () => {
    const { token, email, password } = await registerUser(server.url);
    cluster.stop();
    const recoveryStarted = { at: 0 };
    try {
      const started = Date.now();
      const me = await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(503);
      const body = await me.json();
      expect(body.error.data.code).toBe('SERVICE_UNAVAILABLE');
      expect(body.error.message).toMatch(/temporarily unavailable/);
      const login = await fetch(`${server.url}/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      expect(login.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await fetch(`${server.url}/ready`)).status).toBe(503);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      cluster.start();
      recoveryStarted.at = Date.now();
    }
    let status = 0;
    while (status !== 200 && Date.now() - recoveryStarted.at < 20_000) {
      status = (await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    console.log(`[outage] requests recovered ${Date.now() - recoveryStarted.at} ms after PostgreSQL came back`);
    const client = createClient(server.url, { token });
    expect((await client.auth.me.query()).user.email).toBe(email);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });
});
