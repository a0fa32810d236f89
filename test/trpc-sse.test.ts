// tRPC's own SSE transport against /trpc: the plain published @trpc/client's httpSubscriptionLink,
// typed with the SDK's AppRouter, authenticated by a bearer header through the eventsource
// package's fetch hook (Node 20 has no EventSource); tracked room events arrive with their ids.
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppRouter } from '../sdk/src/index';
import { dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';

describeDb(`tRPC httpSubscriptionLink on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  function sseClient(token: string) {
    const authorization = `Bearer ${token}`;
    return createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url: `${server.url}/trpc`,
            EventSource,
            eventSourceOptions: () => ({ fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization } }) }),
          }),
          false: httpBatchLink({ url: `${server.url}/trpc`, headers: { authorization } }),
        }),
      ],
    });
  }

  it('delivers room events over SSE with their ids, and resumes from a lastEventId', async () => {
    const member = await registerUser(server.url);
    const client = sseClient(member.token);
    const room = await client.rooms.create.mutate({ name: 'SSE' });
    const received: { id: string; body: string }[] = [];
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    let wake: () => void = () => {};
    const subscription = client.rooms.events.subscribe(
      { roomId: room.id },
      {
        onStarted: () => subscribed(),
        onData: (envelope) => {
          if (envelope.data.type === 'message') received.push({ id: envelope.id, body: envelope.data.body });
          wake();
        },
      },
    );
    await ready;
    await client.rooms.send.mutate({ roomId: room.id, body: 'one' });
    await client.rooms.send.mutate({ roomId: room.id, body: 'two' });
    while (received.length < 2) await new Promise<void>((resolve) => (wake = resolve));
    subscription.unsubscribe();
    expect(received.map((m) => m.body)).toEqual(['one', 'two']);

    await client.rooms.send.mutate({ roomId: room.id, body: 'three' });
    const replayed: string[] = [];
    const resumed = client.rooms.events.subscribe(
      { roomId: room.id, lastEventId: received[0]!.id },
      { onData: (envelope) => { if (envelope.data.type === 'message') replayed.push(envelope.data.body); wake(); } },
    );
    while (replayed.length < 2) await new Promise<void>((resolve) => (wake = resolve));
    resumed.unsubscribe();
    expect(replayed).toEqual(['two', 'three']);
  });
});
