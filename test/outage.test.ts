// A PostgreSQL outage under a running server: requests fail fast with a clear 503, /ready says
// why, and everything recovers without a restart once the database is back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { hasProcedure, sleep } from './helpers/reliability';
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

describePostgres('PostgreSQL outage during a live recording', () => {
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

  /** A raw /ws/record connection: authenticated, started (or resumed), collecting what the server says. */
  async function recorder(token: string, start: Record<string, unknown>) {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/record`);
    const inbox: Record<string, any>[] = [];
    ws.on('message', (data, binary) => void (!binary && inbox.push(JSON.parse(String(data)))));
    ws.on('error', () => {});
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const waitFor = async (check: () => boolean, what: string, ms = 30_000) => {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline || ws.readyState === WebSocket.CLOSED) throw new Error(`waiting for ${what}: ${JSON.stringify(inbox.slice(-3))}`);
        await sleep(50);
      }
    };
    ws.send(JSON.stringify({ token }));
    ws.send(JSON.stringify(start));
    await waitFor(() => inbox.some((m) => m.status === 'recording_started'), 'recording_started');
    const started = inbox.find((m) => m.status === 'recording_started')!;
    const send = (seq: number) => {
      const frame = Buffer.alloc(4 + 3200);
      frame.writeUInt32BE(seq, 0);
      for (let i = 0; i < 1600; i++) frame.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 330 * (seq * 1600 + i)) / 16000)), 4 + i * 2);
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    };
    const acked = () => new Set(inbox.filter((m) => m.status === 'ack').map((m) => Number(m.seq)));
    return { ws, inbox, closed, waitFor, send, acked, id: String(started.recording_id), nextSeq: Number(started.next_seq) };
  }

  it.runIf(hasProcedure('recordings.start'))('keeps every acknowledged frame through the outage; the recording resumes and finishes once the database is back', async () => {
    const { token } = await registerUser(server.url);
    const first = await recorder(token, { name: 'through an outage', format: 'pcm_s16le_16000_mono' });
    for (let seq = 0; seq < 20; seq++) first.send(seq);
    await first.waitFor(() => first.acked().size === 20, '20 acks');

    cluster.stop();
    let back = 0;
    let ackedBeforeRecovery = 0;
    try {
      for (let seq = 20; seq < 50; seq++) {
        first.send(seq);
        await sleep(20);
      }
      await sleep(1000);
      ackedBeforeRecovery = Math.max(...first.acked());
    } finally {
      cluster.start();
      back = Date.now();
    }
    // The socket may have been closed while the database was gone; either way, resume where the
    // server says and resend the rest: nothing acknowledged is lost, nothing is doubled.
    let nextSeq: number;
    let resumed = first;
    if (first.ws.readyState === WebSocket.OPEN) {
      await first.waitFor(() => first.acked().size === 50, '50 acks', 60_000);
      nextSeq = 50;
    } else {
      console.log(`[outage] live recording socket closed with ${await first.closed} while PostgreSQL was down`);
      for (;;) {
        try {
          resumed = await recorder(token, { resume: first.id });
          break;
        } catch {
          await sleep(250);
        }
      }
      nextSeq = resumed.nextSeq;
      expect(nextSeq).toBeGreaterThan(ackedBeforeRecovery);
      for (let seq = nextSeq; seq < 50; seq++) resumed.send(seq);
      await resumed.waitFor(() => resumed.acked().size >= 50 - nextSeq, 'acks after resume', 60_000);
    }
    console.log(`[outage] live recording: acknowledged up to frame ${ackedBeforeRecovery} before recovery, next_seq ${nextSeq}; all 50 frames acknowledged ${Date.now() - back} ms after PostgreSQL came back`);
    resumed.ws.send(JSON.stringify({ type: 'stop' }));
    await resumed.waitFor(() => resumed.inbox.some((m) => m.status === 'recording_finished'), 'recording_finished', 60_000);
    expect(resumed.inbox.find((m) => m.status === 'recording_finished')!.duration_ms).toBe(5000);
  }, 180_000);
});
