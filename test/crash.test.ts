// kill -9 of the server process during a burst of room messages: after a restart on the same
// database every message whose rooms.send resolved is there, in order, exactly once, and a client
// that follows rooms.events resumes from its lastEventId without gaps. (Live recordings across a
// SIGKILL are covered by test/recordings-restart.test.ts.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from './helpers/process';
import { hasProcedure } from './helpers/reliability';
import { closeClients, createClient, createTestDatabase, dbKind, describeDb, registerUser, testEnv, type TestDatabase } from './helpers/server';

const SENDERS = 8;

describeDb(`kill -9 during message bursts on ${dbKind}`, () => {
  let database: TestDatabase;
  let running: ServerProcess | null = null;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    closeClients();
    await running?.kill('SIGKILL');
    await database?.drop();
  });

  it.runIf(hasProcedure('rooms.send'))('keeps every acknowledged message and lets followers resume from their last event id', async () => {
    const env = testEnv(database, { LOG_LEVEL: 'info', ROOM_SEND_LIMIT: '1000000' });
    running = await spawnServer(env, 120_000);
    const owner = await registerUser(running.url);
    const room = await owner.client.rooms.create.mutate({ name: 'crash room' });
    const senders = [owner];
    for (let i = 1; i < SENDERS; i++) {
      const member = await registerUser(running.url);
      await member.client.rooms.join.mutate({ roomId: room.id });
      senders.push(member);
    }

    // A follower sees the stream live until the crash; it remembers the last event id it got.
    const seenBeforeCrash: number[] = [];
    let lastEventId: string | undefined;
    const follower = owner.client.rooms.events.subscribe({ roomId: room.id }, {
      onData: (event) => {
        lastEventId = event.id;
        if (event.data.type === 'message') seenBeforeCrash.push(event.data.id);
      },
      onError: () => {},
    });

    // Every sender sends as fast as it can; what resolved is what the server promised to keep.
    const acknowledged = new Map<number, string>();
    let attempts = 0;
    let stop = false;
    const bursts = senders.map(async (sender, s) => {
      for (let n = 0; !stop; n++) {
        const body = `sender ${s} message ${n}`;
        attempts++;
        try {
          const message = await sender.client.rooms.send.mutate({ roomId: room.id, body, clientMessageId: `${s}-${n}` });
          acknowledged.set(message.id, body);
        } catch {
          return; // the process died under this call: not acknowledged, may or may not be stored
        }
      }
    });
    while (acknowledged.size < 150) await new Promise((r) => setTimeout(r, 20));
    await running.kill('SIGKILL');
    running = null;
    stop = true;
    await Promise.all(bursts);
    follower.unsubscribe();
    closeClients();

    running = await spawnServer(env, 120_000);
    const reader = createClient(running.url, { token: owner.token });
    const stored = new Map<number, string>();
    let before: string | null | undefined;
    do {
      const page = await reader.rooms.history.query({ roomId: room.id, limit: 100, before });
      for (const m of page.messages) stored.set(m.id, m.body);
      before = page.nextCursor;
    } while (before);

    const lost = [...acknowledged].filter(([id, body]) => stored.get(id) !== body);
    console.log(`[crash:${dbKind}] ${attempts} sends, ${acknowledged.size} acknowledged before kill -9, ${stored.size} stored after restart, ${lost.length} acknowledged messages lost`);
    expect(lost).toEqual([]);
    // Ids are dense and each body is stored once.
    const ids = [...stored.keys()].sort((a, b) => a - b);
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
    expect(new Set(stored.values()).size).toBe(stored.size);

    // The follower resumes after its last event id: it gets every stored message after it, once.
    const resumed: number[] = [];
    const after = lastEventId ? Number(lastEventId.split(':')[0]) : 0;
    const expected = ids.filter((id) => id > after);
    await new Promise<void>((resolve, reject) => {
      const sub = reader.rooms.events.subscribe({ roomId: room.id, lastEventId }, {
        onData: (event) => {
          if (event.data.type !== 'message') return;
          resumed.push(event.data.id);
          if (resumed.length >= expected.length) {
            sub.unsubscribe();
            resolve();
          }
        },
        onError: reject,
      });
      if (expected.length === 0) {
        sub.unsubscribe();
        resolve();
      }
    });
    expect(resumed).toEqual(expected);
    expect(new Set([...seenBeforeCrash, ...resumed]).size).toBe(seenBeforeCrash.length + resumed.length);

    // Clients go on where they were: a resent clientMessageId is not doubled, new sends work.
    const [firstId, firstBody] = [...acknowledged][0]!;
    const [s, n] = /sender (\d+) message (\d+)/.exec(firstBody)!.slice(1).map(Number) as [number, number];
    const sender = createClient(running.url, { token: senders[s]!.token });
    const again = await sender.rooms.send.mutate({ roomId: room.id, body: firstBody, clientMessageId: `${s}-${n}` });
    expect(again.id).toBe(firstId);
    const fresh = await sender.rooms.send.mutate({ roomId: room.id, body: 'after the crash' });
    expect(fresh.id).toBe(ids[ids.length - 1]! + 1);
    await running.kill('SIGTERM');
    running = null;
  }, 300_000);
});
