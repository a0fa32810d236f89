import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { closeClients, createClient, dbKind, describeDb, describePostgres, registerUser, startTestServer, type TestServer, withTwoInstances } from './helpers/server';
import { follow, until } from './helpers/rooms';

type ClientError = { message: string; data?: { code?: string; retryAfter?: number } };

async function errorOf(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    return error as ClientError;
  }
  throw new Error('expected the call to fail');
}

describeDb(`rooms on ${dbKind}`, () => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof registerUser>>;
  let b: Awaited<ReturnType<typeof registerUser>>;
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { ALLOWED_ORIGINS: 'https://app.example.com' } });
    a = await registerUser(server.url, { name: 'Ada' });
    b = await registerUser(server.url, { name: 'Bob' });
    roomId = (await a.client.rooms.create.mutate({ name: 'general' })).id;
    await b.client.rooms.join.mutate({ roomId });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it('lists the rooms a user is in, with the creator already a member', async () => {
    const mine = await a.client.rooms.list.query();
    expect(mine.map((r) => r.id)).toContain(roomId);
    expect(mine.find((r) => r.id === roomId)).toMatchObject({ name: 'general', createdBy: a.user.id });
    const stranger = await registerUser(server.url);
    expect(await stranger.client.rooms.list.query()).toEqual([]);
  });

  it('A sends 50 messages and B, subscribed, receives all 50 in order with sender and name', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'fifty' })).id;
    await b.client.rooms.join.mutate({ roomId: room });
    const sub = await follow(b.client, { roomId: room });
    for (let i = 1; i <= 50; i++) await a.client.rooms.send.mutate({ roomId: room, body: `message ${i}` });
    await until('50 messages at B', () => sub.messages().length === 50);
    const got = sub.messages().map((e) => e.data);
    expect(got.map((m) => (m.type === 'message' ? m.body : ''))).toEqual(Array.from({ length: 50 }, (_, i) => `message ${i + 1}`));
    expect(sub.messages().map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    expect(got[0]).toMatchObject({ type: 'message', id: 1, roomId: room, senderId: a.user.id, senderName: 'Ada' });
    sub.unsubscribe();

    // History pages through the same 50, newest first, with no duplicate.
    const seen: number[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const page: { messages: { id: number }[]; nextCursor: string | null } = await b.client.rooms.history.query({ roomId: room, limit: 20, before });
      seen.push(...page.messages.map((m) => m.id));
      before = page.nextCursor;
      pages++;
    } while (before);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i));
    expect((await b.client.rooms.history.query({ roomId: room })).messages).toHaveLength(50);
  });

  it('typing reaches the other member, not the typist, and never appears in history', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'typing' })).id;
    await b.client.rooms.join.mutate({ roomId: room });
    const atB = await follow(b.client, { roomId: room });
    const atA = await follow(a.client, { roomId: room });
    await a.client.rooms.typing.mutate({ roomId: room, state: 'start' });
    await a.client.rooms.send.mutate({ roomId: room, body: 'after typing' });
    await until('the message at A and B', () => atB.messages().length === 1 && atA.messages().length === 1);
    const typing = atB.events.filter((e) => e.data.type === 'typing');
    expect(typing.map((e) => e.data)).toEqual([{ type: 'typing', roomId: room, userId: a.user.id, displayName: 'Ada', state: 'start' }]);
    expect(atA.events.some((e) => e.data.type === 'typing')).toBe(false);
    const history = await a.client.rooms.history.query({ roomId: room });
    expect(history.messages.map((m) => m.body)).toEqual(['after typing']);
    atA.unsubscribe();
    atB.unsubscribe();
  });

  it('B disconnects, A sends 10, B resubscribes with lastEventId and gets exactly those 10, then live ones', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'resume' })).id;
    await b.client.rooms.join.mutate({ roomId: room });
    const first = await follow(b.client, { roomId: room });
    for (let i = 1; i <= 5; i++) await a.client.rooms.send.mutate({ roomId: room, body: `before ${i}` });
    await until('5 messages', () => first.messages().length === 5);
    // Typing and presence ids also resume correctly: take the id of whatever came last.
    await a.client.rooms.typing.mutate({ roomId: room, state: 'start' });
    await until('typing', () => first.events.at(-1)?.data.type === 'typing');
    const lastEventId = first.events.at(-1)!.id;
    first.unsubscribe();
    closeClients(); // B's WebSocket really closes

    for (let i = 1; i <= 10; i++) await a.client.rooms.send.mutate({ roomId: room, body: `missed ${i}` });
    const again = await follow(createClient(server.url, { token: b.token }), { roomId: room, lastEventId });
    await until('10 replayed', () => again.messages().length === 10);
    await a.client.rooms.send.mutate({ roomId: room, body: 'live' });
    await until('the live one', () => again.messages().length === 11);
    expect(again.messages().map((e) => (e.data.type === 'message' ? e.data.body : ''))).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `missed ${i + 1}`),
      'live',
    ]);
    again.unsubscribe();
  });

  it('replays with no gap and no duplicate while messages keep arriving during the replay', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'race' })).id;
    await b.client.rooms.join.mutate({ roomId: room });
    for (let i = 1; i <= 40; i++) await a.client.rooms.send.mutate({ roomId: room, body: `old ${i}` });
    const sending = (async () => {
      for (let i = 1; i <= 40; i++) await a.client.rooms.send.mutate({ roomId: room, body: `new ${i}` });
    })();
    const sub = await follow(b.client, { roomId: room, lastEventId: '0' });
    await sending;
    await until('all 80', () => sub.messages().length >= 80);
    await new Promise((r) => setTimeout(r, 100)); // a duplicate would arrive now
    expect(sub.messages().map((e) => Number(e.id))).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    sub.unsubscribe();
  });

  it('concurrent senders get distinct consecutive ids, delivered in id order', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'concurrent' })).id;
    await b.client.rooms.join.mutate({ roomId: room });
    const sub = await follow(b.client, { roomId: room });
    const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).client.rooms.send.mutate({ roomId: room, body: `c${i}` })));
    expect(new Set(sent.map((m) => m.id)).size).toBe(30);
    await until('30 delivered', () => sub.messages().length === 30);
    expect(sub.messages().map((e) => Number(e.id))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    sub.unsubscribe();
  });

  it('sends arriving together across rooms are stored together: ids in order per room, and a bad one fails alone', async () => {
    const one = (await a.client.rooms.create.mutate({ name: 'together 1' })).id;
    const two = (await a.client.rooms.create.mutate({ name: 'together 2' })).id;
    const notMine = (await b.client.rooms.create.mutate({ name: 'not for a' })).id;
    const sub = await follow(a.client, { roomId: two });
    // Each round is one HTTP batch (httpBatchLink): its calls reach the server in one turn, so one
    // insert statement. The first holds only text the database takes, the second one it refuses (NUL).
    const send = (round: { roomId: string; body: string }[]) => Promise.allSettled(round.map((input) => a.client.rooms.send.mutate(input)));
    const code = (o: PromiseSettledResult<unknown>) => (o.status === 'fulfilled' ? 'ok' : (o.reason as ClientError).data?.code);
    const calls: { roomId: string; body: string }[] = [];
    for (let i = 1; i <= 3; i++) calls.push({ roomId: one, body: `one ${i}` }, { roomId: two, body: `two ${i}` });
    calls.splice(3, 0, { roomId: notMine, body: 'not a member' }, { roomId: 'no-such-room', body: 'nowhere' });
    const outcomes = await send(calls);
    expect(outcomes.map(code)).toEqual(['ok', 'ok', 'ok', 'FORBIDDEN', 'NOT_FOUND', 'ok', 'ok', 'ok']);
    const second: { roomId: string; body: string }[] = [];
    for (let i = 4; i <= 6; i++) second.push({ roomId: one, body: `one ${i}` }, { roomId: two, body: `two ${i}` });
    second.splice(2, 0, { roomId: one, body: 'nul \u0000 body' });
    const secondOutcomes = await send(second);
    expect(secondOutcomes.map(code)).toEqual(['ok', 'ok', 'BAD_REQUEST', 'ok', 'ok', 'ok', 'ok']);
    calls.push(...second);
    outcomes.push(...secondOutcomes);
    const stored = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [{ ...o.value, sent: calls[i]!.body }] : []));
    expect(stored.map((m) => m.body)).toEqual(stored.map((m) => m.sent));
    for (const [room, prefix] of [[one, 'one'], [two, 'two']] as const) {
      const mine = stored.filter((m) => m.roomId === room);
      expect(mine.map((m) => [m.id, m.body])).toEqual(Array.from({ length: 6 }, (_, i) => [i + 1, `${prefix} ${i + 1}`]));
      expect(mine.every((m) => m.senderId === a.user.id && m.senderName === 'Ada' && m.clientMessageId === null)).toBe(true);
      const history = await a.client.rooms.history.query({ roomId: room });
      expect(history.messages.map((m) => [m.id, m.body, m.createdAt])).toEqual(mine.map((m) => [m.id, m.body, m.createdAt]).reverse());
    }
    await until('6 delivered in room two', () => sub.messages().length === 6);
    expect(sub.messages().map((e) => e.data)).toEqual(stored.filter((m) => m.roomId === two).map(({ sent: _sent, ...m }) => ({ type: 'message', ...m })));
    expect((await b.client.rooms.history.query({ roomId: notMine })).messages).toEqual([]);
    sub.unsubscribe();
  });

  it('is idempotent per clientMessageId: the same message comes back and is stored once', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'idempotent' })).id;
    const first = await a.client.rooms.send.mutate({ roomId: room, body: 'once', clientMessageId: 'c-1' });
    const again = await a.client.rooms.send.mutate({ roomId: room, body: 'once', clientMessageId: 'c-1' });
    const racing = await Promise.all([1, 2, 3].map(() => a.client.rooms.send.mutate({ roomId: room, body: 'twice', clientMessageId: 'c-2' })));
    expect(again).toEqual(first);
    expect(new Set(racing.map((m) => m.id)).size).toBe(1);
    const history = await a.client.rooms.history.query({ roomId: room });
    expect(history.messages.map((m) => m.id)).toEqual([2, 1]);
  });

  it('refuses non-members (FORBIDDEN) and unknown rooms (NOT_FOUND) for history, send, typing and events', async () => {
    const outsider = await registerUser(server.url);
    const refusals = await Promise.all([
      errorOf(outsider.client.rooms.history.query({ roomId })),
      errorOf(outsider.client.rooms.send.mutate({ roomId, body: 'let me in' })),
      errorOf(outsider.client.rooms.typing.mutate({ roomId, state: 'start' })),
    ]);
    expect(refusals.map((e) => e.data?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    const sub = await follow(outsider.client, { roomId });
    expect((sub.error() as ClientError).data?.code).toBe('FORBIDDEN');
    expect((await errorOf(outsider.client.rooms.history.query({ roomId: 'no-such-room' }))).data?.code).toBe('NOT_FOUND');
    expect((await errorOf(outsider.client.rooms.join.mutate({ roomId: 'no-such-room' }))).data?.code).toBe('NOT_FOUND');
    // Joining by id is how one gets in.
    await outsider.client.rooms.join.mutate({ roomId });
    expect((await outsider.client.rooms.history.query({ roomId })).messages).toBeDefined();
  });

  it('answers each of a burst of subscriptions on its own (membership checks batched): members start, others are refused', async () => {
    const other = (await b.client.rooms.create.mutate({ name: 'burst' })).id;
    const outsider = await registerUser(server.url);
    // Subscriptions arriving in one loop turn share one membership query: a mix of users, rooms and outcomes.
    const subs = await Promise.all([
      follow(a.client, { roomId }),
      follow(outsider.client, { roomId }),
      follow(b.client, { roomId: other }),
      follow(a.client, { roomId: other }),
      follow(outsider.client, { roomId: 'no-such-room' }),
      follow(b.client, { roomId }),
    ]);
    const outcome = (sub: (typeof subs)[number]) => (sub.error() as ClientError | null)?.data?.code ?? 'started';
    expect(subs.map(outcome)).toEqual(['started', 'FORBIDDEN', 'started', 'FORBIDDEN', 'NOT_FOUND', 'started']);
    await a.client.rooms.send.mutate({ roomId, body: 'to the burst' });
    await until('the message at both members', () => [subs[0]!, subs[5]!].every((s) => s.messages().some((e) => e.data.type === 'message' && e.data.body === 'to the burst')));
    for (const sub of subs) sub.unsubscribe();
  });

  it('answers UNAUTHORIZED to a subscription on an unauthenticated connection', async () => {
    const sub = await follow(createClient(server.url), { roomId });
    expect((sub.error() as ClientError).data?.code).toBe('UNAUTHORIZED');
  });

  it('ends a subscription when its user leaves the room', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'leaving' })).id;
    const c = await registerUser(server.url);
    await c.client.rooms.join.mutate({ roomId: room });
    const sub = await follow(c.client, { roomId: room });
    await c.client.rooms.leave.mutate({ roomId: room });
    await until('the subscription to end', () => sub.error() !== null);
    expect((sub.error() as ClientError).data?.code).toBe('FORBIDDEN');
    expect((await c.client.rooms.list.query()).map((r) => r.id)).not.toContain(room);
  });

  it('tells members who came online and who went offline', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'presence' })).id;
    await b.client.rooms.join.mutate({ roomId: room });
    const atA = await follow(a.client, { roomId: room });
    const bClient = createClient(server.url, { token: b.token });
    const atB = await follow(bClient, { roomId: room });
    const presence = () => atA.events.filter((e) => e.data.type === 'presence').map((e) => e.data);
    await until('B online', () => presence().some((p) => p.type === 'presence' && p.userId === b.user.id && p.status === 'online'));
    atB.unsubscribe();
    await until('B offline', () => presence().some((p) => p.type === 'presence' && p.userId === b.user.id && p.status === 'offline'));
    expect(presence().find((p) => p.type === 'presence' && p.userId === b.user.id)).toMatchObject({ displayName: 'Bob', roomId: room });
    atA.unsubscribe();
  });

  it('goes offline for the others when a subscriber’s connection drops (its subscription leaves the hub)', async () => {
    const room = (await a.client.rooms.create.mutate({ name: 'dropped' })).id;
    await b.client.rooms.join.mutate({ roomId: room });
    const atA = await follow(a.client, { roomId: room });
    const presenceOfB = (status: string) => atA.events.some((e) => e.data.type === 'presence' && e.data.userId === b.user.id && e.data.status === status);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/trpc?connectionParams=1`);
    const started = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        if (String(data).includes('"type":"started"')) resolve();
      });
      ws.on('error', reject);
    });
    ws.on('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token: b.token } }));
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'rooms.events', input: { roomId: room } } }));
    });
    await started;
    await until('B online', () => presenceOfB('online'));
    ws.terminate();
    await until('B offline', () => presenceOfB('offline'));
    atA.unsubscribe();
  });

  it('validates input: bodies up to 4,000 characters, history limit 1..100, well-formed cursors', async () => {
    await a.client.rooms.send.mutate({ roomId, body: 'x'.repeat(4000) });
    expect((await errorOf(a.client.rooms.send.mutate({ roomId, body: 'x'.repeat(4001) }))).data?.code).toBe('BAD_REQUEST');
    expect((await errorOf(a.client.rooms.send.mutate({ roomId, body: '   ' }))).data?.code).toBe('BAD_REQUEST');
    expect((await errorOf(a.client.rooms.history.query({ roomId, limit: 101 }))).data?.code).toBe('BAD_REQUEST');
    expect((await errorOf(a.client.rooms.history.query({ roomId, before: 'garbage' }))).data?.code).toBe('BAD_REQUEST');
  });

  it('answers BAD_REQUEST (not a server error) to text the database cannot store, and stores nothing', async () => {
    const before = (await a.client.rooms.history.query({ roomId, limit: 1 })).messages[0]?.id;
    for (const attempt of [a.client.rooms.create.mutate({ name: 'nul \u0000 room' }), a.client.rooms.send.mutate({ roomId, body: 'nul \u0000 body' })]) {
      const error = await errorOf(attempt);
      expect(error.data?.code).toBe('BAD_REQUEST');
      expect(error.message).toBe('Text must not contain NUL characters');
    }
    expect((await a.client.rooms.history.query({ roomId, limit: 1 })).messages[0]?.id).toBe(before);
    expect((await a.client.rooms.list.query()).some((room) => room.name.includes('nul'))).toBe(false);
  });

  it('refuses the WebSocket upgrade for a foreign Origin and accepts an allowed one', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/trpc`, { headers: { origin: 'https://evil.example.com' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('opened')));
      ws.on('error', () => {});
    });
    expect(status).toBe(403);
    const opened = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/trpc`, { headers: { origin: 'https://app.example.com' } });
      ws.on('open', () => {
        ws.close();
        resolve(true);
      });
      ws.on('error', () => resolve(false));
    });
    expect(opened).toBe(true);
  });

  it('closes a connection that floods messages (1008) or sends one too large (1009)', async () => {
    const url = `${server.url.replace('http', 'ws')}/trpc`;
    const closeCode = (send: (ws: WebSocket) => void) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('open', () => send(ws));
        ws.on('close', (code) => resolve(code));
        ws.on('error', () => {});
      });
    expect(await closeCode((ws) => { for (let i = 0; i < 400; i++) ws.send('PONG'); })).toBe(1008);
    expect(await closeCode((ws) => ws.send('x'.repeat(300 * 1024)))).toBe(1009);
  });

  it('counts messages and active rooms in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/parley_room_messages_total \d+/);
    expect(Number(/parley_room_messages_total (\d+)/.exec(text)![1])).toBeGreaterThan(50);
    expect(text).toContain('parley_fanout_latency_seconds_count');
    expect(text).toContain('parley_rooms_active');
  });
});

describeDb(`rooms.send throttling on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ROOM_SEND_LIMIT: '3' } });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it('answers TOO_MANY_REQUESTS with a retry delay past the per-user send limit', async () => {
    const a = await registerUser(server.url);
    const roomId = (await a.client.rooms.create.mutate({ name: 'busy' })).id;
    for (let i = 0; i < 3; i++) await a.client.rooms.send.mutate({ roomId, body: `m${i}` });
    const error = await errorOf(a.client.rooms.send.mutate({ roomId, body: 'one too many' }));
    expect(error.data?.code).toBe('TOO_MANY_REQUESTS');
    expect((error.data as { retryAfter?: number }).retryAfter).toBeGreaterThan(0);
  });
});

describePostgres('rooms across two instances on one Postgres', () => {
  let one: TestServer;
  let two: TestServer;
  withTwoInstances((servers) => ([one, two] = servers));

  it('a subscriber on one instance receives, in order, what is sent on the other, and presence crosses too', async () => {
    const sender = await registerUser(one.url, { name: 'Sender' });
    const reader = await registerUser(two.url, { name: 'Reader' });
    const roomId = (await sender.client.rooms.create.mutate({ name: 'scaled' })).id;
    await createClient(two.url, { token: reader.token }).rooms.join.mutate({ roomId });
    const atTwo = await follow(createClient(two.url, { token: reader.token }), { roomId });
    const atOne = await follow(createClient(one.url, { token: sender.token }), { roomId });
    for (let i = 1; i <= 20; i++) await sender.client.rooms.send.mutate({ roomId, body: `across ${i}` });
    await createClient(one.url, { token: sender.token }).rooms.typing.mutate({ roomId, state: 'start' });
    await until('20 messages on instance two', () => atTwo.messages().length === 20);
    expect(atTwo.messages().map((e) => Number(e.id))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await until('typing on instance two', () => atTwo.events.some((e) => e.data.type === 'typing'));
    await until('the reader online at instance one', () =>
      atOne.events.some((e) => e.data.type === 'presence' && e.data.userId === reader.user.id && e.data.status === 'online'));

    // Resume on the other instance: replay from the shared database.
    atTwo.unsubscribe();
    const resumed = await follow(createClient(one.url, { token: reader.token }), { roomId, lastEventId: '15' });
    await until('5 replayed', () => resumed.messages().length === 5);
    expect(resumed.messages().map((e) => e.id)).toEqual(['16', '17', '18', '19', '20']);
    resumed.unsubscribe();
    atOne.unsubscribe();
  });

  it('batches sent at once on both instances into the same rooms all get stored, with gapless ids per room', async () => {
    const ann = await registerUser(one.url, { name: 'Ann' });
    const ben = await registerUser(two.url, { name: 'Ben' });
    const rooms = await Promise.all([1, 2, 3].map((i) => ann.client.rooms.create.mutate({ name: `both ${i}` }).then((r) => r.id)));
    for (const roomId of rooms) await ben.client.rooms.join.mutate({ roomId });
    // Each client's calls travel as one HTTP batch, so each instance stores them with one statement
    // locking the three rooms' rows; the two statements run at the same time on the one database.
    const burst = (client: typeof ann.client, order: string[]) =>
      Promise.all(Array.from({ length: 24 }, (_, i) => client.rooms.send.mutate({ roomId: order[i % 3]!, body: `m${i}` })));
    const sent = (await Promise.all([burst(ann.client, rooms), burst(ben.client, [...rooms].reverse())])).flat();
    expect(sent).toHaveLength(48);
    for (const roomId of rooms) {
      const history = await ann.client.rooms.history.query({ roomId, limit: 100 });
      expect(history.messages.map((m) => m.id)).toEqual(Array.from({ length: 16 }, (_, i) => 16 - i));
    }
  });
});
