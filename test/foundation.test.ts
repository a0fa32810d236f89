import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMemoryBus } from '../server/src/bus/memory-bus';
import { createClient, dbKind, describeDb, describeOnce, describePostgres, startTestServer, type TestServer, withTwoInstances } from './helpers/server';
import { startPostgresCluster } from './helpers/postgres-cluster';
import { WebSocket } from 'ws';
import fs from 'node:fs';
import os from 'node:os';

describeDb(`server core on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('answers /health with 200 {"status":"ok"}', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it(`answers /ready with 200 once the ${dbKind} database answers`, async () => {
    const res = await fetch(`${server.url}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', database: dbKind });
  });

  it('serves Prometheus metrics with the default process metrics', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('parley_ws_connections');
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'No such route', code: 'NOT_FOUND', key: 'ROUTE_NOT_FOUND' });
  });

  it('serves system.health over tRPC HTTP and over the /trpc WebSocket', async () => {
    const client = createClient(server.url);
    expect(await client.system.health.query()).toMatchObject({ status: 'ok' });
    const viaWs = await new Promise((resolve, reject) => {
      // A subscription-free call over WebSocket: use the raw protocol to prove the upgrade path.
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/trpc`);
      ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'system.health', input: undefined } })));
      ws.on('message', (data: Buffer) => {
        resolve(JSON.parse(String(data)));
        ws.close();
      });
      ws.on('error', reject);
    });
    expect(viaWs).toMatchObject({ id: 1, result: { type: 'data', data: { status: 'ok' } } });
  });

  it('creates every table through the committed migrations', async () => {
    const client = createClient(server.url);
    const { token } = await client.auth.register.mutate({ email: `t${Date.now()}@example.com`, password: 'migrations are applied' });
    expect(token).toMatch(/^[a-z2-7]+\.[a-z2-7]+$/);
  });
});

describeOnce('configuration', () => {
  const main = path.resolve(__dirname, '../server/src/main.ts');
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });

  it('PORT=abc stops the server with one line naming PORT and a non-zero exit', () => {
    const result = run({ PORT: 'abc' });
    expect(result.status).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
    expect(result.stderr).not.toContain('    at ');
  });

  it('names the variable for other bad values too', () => {
    expect(run({ DATABASE_URL: 'mysql://x' }).stderr).toContain('DATABASE_URL');
    expect(run({ PASSWORD_HASH_PROFILE: 'fast' }).stderr).toContain('PASSWORD_HASH_PROFILE');
    expect(run({ RECORDING_IDLE_TIMEOUT: 'soon' }).stderr).toContain('RECORDING_IDLE_TIMEOUT');
  });
});

describeOnce('in-process bus', () => {
  it('delivers a JSON copy of each payload to the subscribers of its channel only', async () => {
    const bus = createMemoryBus();
    const got: unknown[] = [];
    bus.subscribe('a', (p) => got.push(p));
    bus.subscribe('b', () => got.push('wrong channel'));
    await bus.publish('a', { at: new Date(0) });
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual([{ at: '1970-01-01T00:00:00.000Z' }]);
  });
});

describePostgres('two instances on one Postgres', () => {
  let a: TestServer;
  let b: TestServer;
  withTwoInstances((servers) => ([a, b] = servers));

  it('carries an event published on one bus to a subscriber on the other (LISTEN/NOTIFY)', async () => {
    const received = new Promise((resolve) => b.deps.bus.subscribe('test.channel', resolve));
    await new Promise((r) => setTimeout(r, 100));
    await a.deps.bus.publish('test.channel', { hello: 'from a' });
    expect(await received).toEqual({ hello: 'from a' });
  });

  it('carries payloads larger than a NOTIFY can hold', async () => {
    const big = 'x'.repeat(20_000);
    const received = new Promise((resolve) => b.deps.bus.subscribe('test.big', resolve));
    await a.deps.bus.publish('test.big', { big });
    expect(await received).toEqual({ big });
  });
});

describePostgres('readiness through a Postgres outage', () => {
  it('/ready turns 503 within seconds while /health stays 200, and recovers without a restart', async () => {
    const cluster = await startPostgresCluster();
    if (!cluster) return;
    const server = await startTestServer({ database: { databaseUrl: cluster.url, dataDir: createTempDirSync(), drop: async () => {} } });
    try {
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      cluster.stop();
      const started = Date.now();
      const down = await fetch(`${server.url}/ready`);
      expect(down.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await down.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', key: 'DATABASE_UNAVAILABLE', message: expect.stringMatching(/database/) });
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      cluster.start();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await fetch(`${server.url}/ready`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(200);
    } finally {
      await server.close();
      cluster.destroy();
    }
  });
});

function createTempDirSync() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'parley-'));
}
