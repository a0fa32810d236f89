// Load: 200 clients at once register, sign in, look at their sessions, chat in rooms and a few
// record live audio, for a bounded time. No call may fail, and once the clients are gone the
// server's heap returns near where it started (nothing retained per client or per message).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hasProcedure, recordLive, settledHeapBytes, sleep } from './helpers/reliability';
import { closeClients, createClient, describeOnce, registerUser, signedIn, startTestServer, type Client, type TestServer } from './helpers/server';

const CLIENTS = 200;
const ROOMS = 10;
const CHAT_MS = 5_000;
const RECORDERS = 3;

describeOnce('load: 200 concurrent clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        // Every client comes from 127.0.0.1: lift the per-IP limits that would otherwise (rightly) bite.
        RATE_LIMIT_REGISTER_IP: '100000/1h',
        RATE_LIMIT_LOGIN_IP: '100000/1h',
        ROOM_SEND_LIMIT: '100000',
      },
    });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it('serves them all without an unexpected error and gives the memory back afterwards', async () => {
    const errors: string[] = [];
    const counted = async <T>(what: string, call: () => Promise<T>): Promise<T | null> => {
      try {
        return await call();
      } catch (error) {
        errors.push(`${what}: ${(error as Error).message}`);
        return null;
      }
    };
    // Warm up every code path once so the baseline includes compiled code and pools.
    const warm = await registerUser(server.url);
    await warm.client.auth.me.query();
    closeClients();
    const baseline = await settledHeapBytes();
    const started = Date.now();
    let calls = 0;

    const users = (await Promise.all(Array.from({ length: CLIENTS }, (_, i) => counted('register', () => registerUser(server.url, { name: `Load ${i}` }))))).filter((u) => u !== null);
    calls += CLIENTS;
    const sessions = await Promise.all(
      users.map((u) =>
        counted('login', async () => {
          const login = signedIn(await createClient(server.url).auth.login.mutate({ email: u.email, password: u.password }));
          const client = createClient(server.url, { token: login.token });
          await client.auth.me.query();
          const list = await client.sessions.list.query();
          if (list.length !== 2) throw new Error(`expected 2 sessions, got ${list.length}`);
          return { ...u, client };
        }),
      ),
    );
    calls += CLIENTS * 3;
    const signedInUsers = sessions.filter((s) => s !== null);

    let messagesSent = 0;
    let messagesReceived = 0;
    let framesAcked = 0;
    if (hasProcedure('rooms.send')) {
      const rooms = await Promise.all(Array.from({ length: ROOMS }, (_, i) => signedInUsers[i]!.client.rooms.create.mutate({ name: `load ${i}` })));
      const subscriptions: { unsubscribe(): void }[] = [];
      await Promise.all(
        signedInUsers.map(async (u, i) => {
          const roomId = rooms[i % ROOMS]!.id;
          await counted('join', () => u.client.rooms.join.mutate({ roomId }));
          await new Promise<void>((started) => {
            subscriptions.push(u.client.rooms.events.subscribe({ roomId }, {
              onStarted: () => started(),
              onData: (event) => void (event.data.type === 'message' && messagesReceived++),
              onError: (e) => (errors.push(`events: ${e.message}`), started()),
            }));
          });
        }),
      );
      calls += CLIENTS * 2;
      const until = Date.now() + CHAT_MS;
      const recordings = hasProcedure('recordings.start')
        ? signedInUsers.slice(0, RECORDERS).map((u) => counted('record', () => recordLive(server.url, u.token, 50)))
        : [];
      await Promise.all(
        signedInUsers.map(async (u: { client: Client }, i) => {
          for (let n = 0; Date.now() < until; n++) {
            if (await counted('send', () => u.client.rooms.send.mutate({ roomId: rooms[i % ROOMS]!.id, body: `hello ${n} from ${i}` }))) messagesSent++;
            calls++;
            await sleep(100 + Math.random() * 200);
          }
        }),
      );
      for (const r of await Promise.all(recordings)) framesAcked += r?.acked ?? 0;
      // Let the fan-out drain before counting what arrived.
      for (let seen = -1; seen !== messagesReceived; ) {
        seen = messagesReceived;
        await sleep(1000);
      }
      for (const s of subscriptions) s.unsubscribe();
    }
    const loadMs = Date.now() - started;

    closeClients();
    await sleep(1000);
    const after = await settledHeapBytes();
    const mb = (n: number) => (n / 1048576).toFixed(1);
    console.log(
      `[load] ${signedInUsers.length}/${CLIENTS} clients, ${calls} calls in ${loadMs} ms; ${messagesSent} messages sent, ${messagesReceived} delivered; ` +
        `${framesAcked} audio frames acknowledged; ${errors.length} errors; heap ${mb(baseline)} MB before, ${mb(after)} MB after`,
    );
    expect(errors).toEqual([]);
    expect(signedInUsers).toHaveLength(CLIENTS);
    // Fan-out: every message reaches each of the room's ~20 followers while they listen.
    if (messagesSent > 0) expect(messagesReceived).toBeGreaterThan(messagesSent);
    expect(after).toBeLessThan(baseline * 1.5 + 32 * 1048576);
  }, 120_000);
});
