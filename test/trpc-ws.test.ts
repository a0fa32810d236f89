// tRPC over WebSocket behaves the same on the lean handler (PARLEY_TRPC_WS=fast, the default) and on
// tRPC's stock adapter: the same @trpc/client wsLink suite runs over both, then a fixed script of raw
// frames (hostile ones included) is sent to both and their answers are compared byte for byte.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
// The server's own copy of @trpc/server (the test folder has none): tracked() must be the same module.
import { tracked } from '../server/node_modules/@trpc/server/dist/index.mjs';
import { WebSocket, WebSocketServer } from 'ws';
import { AppError } from '../server/src/errors';
import { createServer } from 'node:http';
import { applyWSSHandler } from '../server/node_modules/@trpc/server/dist/adapters/ws.mjs';

import { createHttpServer } from '../server/src/http/server';
import { RouteTable } from '../server/src/http/routes';
import { createTrpcHttpRoute, createTrpcWebSocket } from '../server/src/trpc/endpoints';
import { mergeRouters, publicProcedure, router } from '../server/src/trpc/init';
import { appRouter } from '../server/src/trpc/router';
import { createFastTrpcWsHandler } from '../server/src/transport/fast-ws';
import { closeClients, createClient, dbKind, describeDb, describeOnce, registerUser, startTestServer, type TestServer, trpcRejection } from './helpers/server';
import { follow, until } from './helpers/rooms';
import { byRequestId, RawSocket } from './helpers/raw-socket';

const MODES = ['stock', 'fast'] as const;
type Mode = (typeof MODES)[number];

/** Procedures that exist only to exercise the wire: every way a subscription can go. */
const probeRouter = mergeRouters(
  appRouter,
  router({
    probe: router({
      echo: publicProcedure.input((value: unknown) => value).query(({ input }) => ({ input })),
      count: publicProcedure.input((value: unknown) => value as { lastEventId?: string } | undefined).subscription(async function* ({ input }) {
        const from = Number(input?.lastEventId ?? 0);
        for (let n = from + 1; n <= from + 3; n++) yield tracked(String(n), { n });
      }),
      plain: publicProcedure.subscription(async function* () {
        yield 'a';
        yield { b: [1, 2] };
      }),
      fail: publicProcedure.subscription(async function* () {
        yield 1;
        throw new Error('boom');
      }),
      setupFails: publicProcedure.subscription(() => {
        throw new AppError('NOT_MEMBER');
      }),
      wait: publicProcedure.subscription(async function* ({ signal }) {
        yield 'waiting';
        await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
      }),
      notIterable: publicProcedure.subscription(() => 42 as never),
      iterableQuery: publicProcedure.query(async function* () {
        yield 1;
      }),
    }),
  }),
);
type ProbeRouter = typeof probeRouter;

/** A real Parley HTTP stack serving probeRouter over HTTP and WebSocket, with the given WebSocket handler. */
async function startProbeServer(server: TestServer, mode: Mode) {
  const deps = { ...server.deps, config: { ...server.deps.config, trpcWs: mode } };
  const trpcWs = createTrpcWebSocket(deps, { router: probeRouter });
  const routes = new RouteTable().add('/trpc/', createTrpcHttpRoute(deps, { router: probeRouter }));
  routes.upgrade('/trpc', trpcWs.upgrade);
  const httpServer = createHttpServer(deps, routes);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    trpcWs,
    close: () => {
      for (const client of trpcWs.wss.clients) client.terminate();
      return new Promise((r) => httpServer.close(r));
    },
  };
}

/** Every call over the WebSocket (wsLink only), authenticated by connectionParams when a token is given. */
function wsOnlyClient(url: string, token?: string) {
  const wsClient = createWSClient({ url: `${url.replace(/^http/, 'ws')}/trpc`, WebSocket: WebSocket as never, connectionParams: () => (token ? { token } : {}) });
  const client = createTRPCClient<ProbeRouter>({ links: [wsLink({ client: wsClient })] });
  return { client, close: () => wsClient.close() };
}


for (const mode of MODES) {
  describeDb(`tRPC over WebSocket, ${mode} handler, on ${dbKind}`, () => {
    let server: TestServer;
    let probe: Awaited<ReturnType<typeof startProbeServer>>;
    const opened: { close(): void }[] = [];
    const wsOnly = (token?: string) => {
      const made = wsOnlyClient(probe.url, token);
      opened.push(made);
      return made.client;
    };
    beforeAll(async () => {
      server = await startTestServer({ env: { PARLEY_TRPC_WS: mode } });
      probe = await startProbeServer(server, mode);
    });
    afterAll(async () => {
      for (const client of opened) client.close();
      closeClients();
      await probe?.close();
      await server?.stop();
    });

    it('answers queries and mutations over the WebSocket, one by one and batched, authenticated by connectionParams', async () => {
      const anonymous = wsOnly();
      const { token, user } = await anonymous.auth.register.mutate({ email: `ws-${mode}-${Date.now()}@example.com`, password: 'over the socket 42' });
      const signedIn = wsOnly(token);
      expect((await signedIn.auth.me.query()).user.id).toBe(user.id);
      // Requests of one tick go out as one batched frame.
      const batch = await Promise.all([signedIn.auth.me.query(), signedIn.probe.echo.query({ x: 1 }), signedIn.probe.echo.query('two')]);
      expect(batch[0].user.id).toBe(user.id);
      expect(batch.slice(1)).toEqual([{ input: { x: 1 } }, { input: 'two' }]);
      expect((await trpcRejection<ProbeRouter>(wsOnly('not-a-real-token').auth.me.query())).data?.code).toBe('UNAUTHORIZED');
    });

    it('answers errors in the formatted shape: zod issues, UNAUTHORIZED, NOT_FOUND', async () => {
      const client = wsOnly();
      const invalid = await trpcRejection<ProbeRouter>(client.auth.register.mutate({ email: 'not an email', password: 'long enough password 1' }));
      expect(invalid.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400, issues: [{ path: ['email'] }] });
      expect(invalid.message).toMatch(/^Invalid input: email/);
      expect((await trpcRejection<ProbeRouter>(client.auth.me.query())).data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401, path: 'auth.me' });
      const raw = await RawSocket.open(probe.url);
      const [notFound] = await raw.exchange('{"id":1,"method":"query","params":{"path":"nope.nothing"}}', 1);
      expect(JSON.parse(notFound!)).toMatchObject({ id: 1, error: { data: { code: 'NOT_FOUND', path: 'nope.nothing' } } });
      raw.close();
    });

    it('streams a subscription (started, tracked data, stopped) and resumes after lastEventId', async () => {
      const client = wsOnly();
      const run = (lastEventId?: string) =>
        new Promise<{ started: boolean; ids: string[]; data: unknown[] }>((resolve, reject) => {
          const got = { started: false, ids: [] as string[], data: [] as unknown[] };
          client.probe.count.subscribe(lastEventId ? { lastEventId } : undefined, {
            onStarted: () => (got.started = true),
            onData: (value) => {
              const event = value as unknown as { id: string; data: unknown };
              got.ids.push(event.id);
              got.data.push(event.data);
            },
            onStopped: () => resolve(got),
            onComplete: () => resolve(got),
            onError: reject,
          });
        });
      expect(await run()).toEqual({ started: true, ids: ['1', '2', '3'], data: [{ n: 1 }, { n: 2 }, { n: 3 }] });
      expect((await run('5')).ids).toEqual(['6', '7', '8']);
    });

    it('delivers room messages live, and after a resubscription exactly those sent since lastEventId', async () => {
      const a = await registerUser(probe.url);
      const b = await registerUser(probe.url);
      const roomId = (await a.client.rooms.create.mutate({ name: `ws ${mode}` })).id;
      await b.client.rooms.join.mutate({ roomId });
      const first = await follow(b.client, { roomId });
      await a.client.rooms.send.mutate({ roomId, body: 'one' });
      await until('message one', () => first.messages().length === 1);
      first.unsubscribe();
      await a.client.rooms.send.mutate({ roomId, body: 'two' });
      await a.client.rooms.send.mutate({ roomId, body: 'three' });
      const resumed = await follow(b.client, { roomId, lastEventId: first.messages()[0]!.id });
      await until('two and three', () => resumed.messages().length === 2);
      expect(resumed.messages().map((e) => (e.data.type === 'message' ? e.data.body : ''))).toEqual(['two', 'three']);
      resumed.unsubscribe();
    });

    it('ends a subscription on subscription.stop with `stopped`, frees its id, refuses a duplicate id', async () => {
      const raw = await RawSocket.open(probe.url);
      const subscribe = '{"id":7,"method":"subscription","params":{"path":"probe.wait"}}';
      expect(await raw.exchange(subscribe, 2)).toEqual(['{"id":7,"result":{"type":"started"}}', '{"id":7,"result":{"type":"data","data":"waiting"}}']);
      const [duplicate] = await raw.exchange(subscribe, 1);
      expect(JSON.parse(duplicate!)).toMatchObject({ id: 7, error: { message: 'Duplicate id 7', data: { code: 'BAD_REQUEST' } } });
      expect(await raw.exchange('{"id":7,"method":"subscription.stop"}', 1)).toEqual(['{"id":7,"result":{"type":"stopped"}}']);
      expect(await raw.exchange(subscribe, 2)).toHaveLength(2);
      raw.close();
    });

    it('tells clients to reconnect; a wsLink subscription carries on over a new connection without a gap', async () => {
      const a = await registerUser(probe.url);
      const roomId = (await a.client.rooms.create.mutate({ name: `reconnect ${mode}` })).id;
      const raw = await RawSocket.open(probe.url);
      let connections = 0;
      probe.trpcWs.wss.on('connection', () => connections++);
      const sub = await follow(a.client, { roomId });
      await a.client.rooms.send.mutate({ roomId, body: 'before' });
      await until('before', () => sub.messages().length === 1);
      const before = connections;
      probe.trpcWs.broadcastReconnect();
      await raw.until(() => raw.frames.includes('{"id":null,"method":"reconnect"}'), 'the reconnect notification');
      await until('a new connection', () => connections > before);
      await a.client.rooms.send.mutate({ roomId, body: 'after' });
      await until('after', () => sub.messages().length === 2);
      expect(sub.messages().map((e) => e.id)).toEqual(['1', '2']);
      sub.unsubscribe();
      raw.close();
    });
  });
}

/** The script: [what, frame, number of frames the server answers with]. */
const huge = 'x'.repeat(100_000);
const q = (id: unknown, path: string, input?: unknown, extra: object = {}) => JSON.stringify({ id, ...extra, method: 'query', params: { path, input } });
const sub = (id: unknown, path: string, params: object = {}) => JSON.stringify({ id, method: 'subscription', params: { path, ...params } });
const SCRIPT: [string, string | Buffer, number][] = [
  ['connectionParams', '{"method":"connectionParams","data":{}}', 0],
  ['a query', q(1, 'probe.echo', { a: [1, 'x', null], u: 'ü' }), 1],
  ['a JSON-RPC 2.0 query with a string id', q('two', 'probe.echo', 1, { jsonrpc: '2.0' }), 1],
  ['a batch of a query, an unauthorized query and a mutation with invalid input', `[${q(3, 'probe.echo', 3)},${q(4, 'auth.me')},${JSON.stringify({ id: 5, method: 'mutation', params: { path: 'auth.login', input: { email: 'x' } } })}]`, 3],
  ['zod issues', JSON.stringify({ id: 6, method: 'mutation', params: { path: 'auth.register', input: { email: 'not an email', password: 'x' } } }), 1],
  ['an unknown procedure', q(7, 'nope.nothing'), 1],
  ['a query to a mutation', q(8, 'auth.login'), 1],
  ['a tracked subscription resumed after lastEventId', sub(9, 'probe.count', { lastEventId: '5' }), 5],
  ['a plain subscription', sub(10, 'probe.plain'), 4],
  ['a subscription failing while streaming', sub(11, 'probe.fail'), 4],
  ['a subscription failing at setup', sub(12, 'probe.setupFails'), 1],
  ['a protected subscription without a session', sub(13, 'rooms.events', { input: { roomId: 'x' } }), 1],
  ['a subscription returning no iterable', sub(14, 'probe.notIterable'), 1],
  ['a query returning an iterable', q(15, 'probe.iterableQuery'), 1],
  ['a waiting subscription', sub(16, 'probe.wait'), 2],
  ['a duplicate subscription id', sub(16, 'probe.wait'), 1],
  ['subscription.stop', '{"id":16,"method":"subscription.stop"}', 1],
  ['subscription.stop for an unknown id', '{"id":999,"method":"subscription.stop"}', 0],
  ['non-JSON', '{"id":', 1],
  ['a number', '42', 1],
  ['a string', '"hello"', 1],
  ['no method', '{"id":17}', 1],
  ['an unknown method', '{"id":18,"method":"subscription.start","params":{"path":"probe.echo"}}', 1],
  ['an object id', q({}, 'probe.echo'), 1],
  ['a null id', q(null, 'probe.echo'), 1],
  ['a path that is not a string', '{"id":19,"method":"query","params":{"path":5}}', 1],
  ['no params', '{"id":20,"method":"query"}', 1],
  ['a lastEventId that is not a string', '{"id":21,"method":"subscription","params":{"path":"probe.count","lastEventId":5}}', 1],
  ['jsonrpc 1.0', q(22, 'probe.echo', 0, { jsonrpc: '1.0' }), 1],
  ['a huge numeric id', '{"id":1e308,"method":"query","params":{"path":"probe.echo","input":0}}', 1],
  ['a huge string id', q(huge, 'probe.echo', 0), 1],
  ['an empty batch', '[]', 0],
  ['a batch with one malformed message', `[${q(23, 'probe.echo')},{"id":24}]`, 1],
  ['a binary frame', Buffer.from(q(25, 'probe.echo')), 1],
  ['a PONG', 'PONG', 0],
  ['a query after all that', q(26, 'probe.echo', 'still here'), 1],
];
/** Connections whose first message (the connectionParams) is bad: an error, then the server closes. */
const BAD_HANDSHAKES: [string, string | Buffer][] = [
  ['non-JSON connectionParams', 'hello'],
  ['connectionParams with a number value', '{"method":"connectionParams","data":{"token":5}}'],
  ['binary connectionParams', Buffer.from('{"method":"connectionParams","data":{}}')],
];

describeDb(`the lean WebSocket handler answers byte for byte like the stock adapter on ${dbKind}`, () => {
  let server: TestServer;
  const answers: Record<Mode, { script: string[][]; reconnect: string[]; handshakes: { frames: string[]; code: number }[]; noParams: string[] }> = {} as never;
  const probes: Awaited<ReturnType<typeof startProbeServer>>[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    for (const mode of MODES) {
      const probe = await startProbeServer(server, mode);
      probes.push(probe);
      const raw = await RawSocket.open(probe.url, '?connectionParams=1');
      const script: string[][] = [];
      for (const [, frame, count] of SCRIPT) script.push(byRequestId(await raw.exchange(frame, count)));
      probe.trpcWs.broadcastReconnect();
      await raw.until(() => raw.frames.at(-1) !== 'PONG', 'the reconnect notification');
      const reconnect = raw.frames.slice(-1);
      expect(raw.closed).toBeNull();
      raw.close();
      const handshakes = [];
      for (const [, frame] of BAD_HANDSHAKES) {
        const bad = await RawSocket.open(probe.url, '?connectionParams=1');
        bad.send(frame);
        await bad.until(() => bad.closed !== null, 'the server to close');
        handshakes.push({ frames: bad.frames, code: bad.closed!.code });
      }
      const plain = await RawSocket.open(probe.url);
      const noParams = await plain.exchange(q(1, 'auth.me'), 1);
      plain.close();
      answers[mode] = { script, reconnect, handshakes, noParams };
    }
  }, 60_000);
  afterAll(async () => {
    for (const probe of probes) await probe.close();
    await server?.stop();
  });

  SCRIPT.forEach(([name], i) => {
    it(`answers ${name} with the same frames`, () => {
      expect(answers.fast.script[i]).toEqual(answers.stock.script[i]);
      expect(answers.stock.script[i]).toHaveLength(SCRIPT[i]![2]);
    });
  });
  BAD_HANDSHAKES.forEach(([name], i) => {
    it(`answers ${name} with the same error and closes`, () => {
      expect(answers.fast.handshakes[i]).toEqual(answers.stock.handshakes[i]);
      expect(JSON.parse(answers.stock.handshakes[i]!.frames[0]!)).toMatchObject({ id: null, error: { data: { code: 'PARSE_ERROR' } } });
    });
  });
  it('sends the same reconnect notification, and builds the context at once without ?connectionParams=1', () => {
    expect(answers.fast.reconnect).toEqual(['{"id":null,"method":"reconnect"}']);
    expect(answers.stock.reconnect).toEqual(answers.fast.reconnect);
    expect(answers.fast.noParams).toEqual(answers.stock.noParams);
  });
});

/** A bare WebSocket server with either handler and a short keep-alive (no database, no Parley stack). */
async function startKeepAliveServer(mode: Mode, keepAlive: { pingMs: number; pongWaitMs: number }) {
  const bare = router({ ping: publicProcedure.query(() => 'pong') });
  const httpServer = createServer();
  const wss = new WebSocketServer({ server: httpServer });
  if (mode === 'stock') {
    applyWSSHandler({ wss, router: bare, keepAlive: { enabled: true, ...keepAlive }, createContext: () => ({}) as never });
  } else {
    createFastTrpcWsHandler({
      wss,
      router: bare,
      encoder: { encode: (m) => JSON.stringify(m), decode: (d) => JSON.parse(String(d)) },
      keepAlive,
      messageRate: { burst: 1000, perSecond: 1000 },
      limits: { maxBatchCalls: 50, maxBufferedBytes: 4 * 1024 * 1024 },
      onCutOff: () => {},
      createContext: async () => ({}),
      onError: () => {},
      onOpen: () => 'test',
      onClose: () => {},
    });
  }
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    close: () => {
      for (const client of wss.clients) client.terminate();
      return new Promise((r) => httpServer.close(r));
    },
  };
}

for (const mode of MODES) {
  describeOnce(`keep-alive of the ${mode} WebSocket handler`, () => {
    it('sends PING after a quiet spell, keeps a client that answers PONG and drops one that does not', async () => {
      const server = await startKeepAliveServer(mode, { pingMs: 100, pongWaitMs: 150 });
      try {
        const answering = await RawSocket.open(server.url);
        answering.ws.on('message', (data) => String(data) === 'PING' && answering.send('PONG'));
        const silent = await RawSocket.open(server.url);
        await silent.until(() => silent.closed !== null, 'the silent client to be dropped');
        expect(silent.frames).toEqual(['PING']);
        expect(silent.closed!.code).toBe(1006);
        await answering.until(() => answering.frames.filter((f) => f === 'PING').length >= 3, 'three PINGs');
        expect(answering.closed).toBeNull();
        answering.send('{"id":1,"method":"query","params":{"path":"ping"}}');
        await answering.until(() => answering.frames.includes('{"id":1,"result":{"type":"data","data":"pong"}}'), 'the answer');
        answering.close();
      } finally {
        await server.close();
      }
    });
  });
}
