import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { closeClients, dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';

describeDb(`slow room subscribers on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    server.deps.rooms.hub.limits.maxBufferedBytes = 256 * 1024;
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it('cuts off a subscriber that stops reading (close 1013) after an unbroken run of events, instead of buffering without bound', async () => {
    const a = await registerUser(server.url);
    const roomId = (await a.client.rooms.create.mutate({ name: 'firehose' })).id;
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/trpc?connectionParams=1`);
    const ids: number[] = [];
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token: a.token } }));
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'rooms.events', input: { roomId } } }));
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.result?.type === 'started') started();
      if (msg.result?.data?.data?.type === 'message') ids.push(msg.result.data.data.id);
    });
    await isStarted;
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const body = 'x'.repeat(4000);
    const createdAt = new Date().toISOString();
    for (let id = 1; id <= 4000; id++) {
      await server.deps.rooms.hub.publish(roomId, { t: 'm', m: { id, roomId, senderId: a.user.id, senderName: 'A', body, clientMessageId: null, createdAt } });
    }
    await new Promise((r) => setTimeout(r, 500));
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(1013);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(4000);
    // What did arrive is an unbroken run from the start, so lastEventId resumes exactly.
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
  });
});
