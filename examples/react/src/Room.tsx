// A room: history once, then live messages from rooms.events via useSubscription. The subscription
// starts after the newest message of the history; when the WebSocket drops, the SDK's link
// reconnects and resumes from the last event id it saw, so nothing is missed or repeated.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import type { RouterOutputs } from '@parley/sdk';
import { useState } from 'react';
import { ErrorLine } from './App';
import { useTRPC } from './parley';

type Message = RouterOutputs['rooms']['history']['messages'][number];

export function Room() {
  const trpc = useTRPC();
  const [roomId, setRoomId] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [joinId, setJoinId] = useState('');
  const create = useMutation(trpc.rooms.create.mutationOptions({ onSuccess: (room) => setRoomId(room.id) }));
  const join = useMutation(trpc.rooms.join.mutationOptions({ onSuccess: (room) => setRoomId(room.id) }));
  return (
    <section id="room">
      <h2>Room</h2>
      <form onSubmit={(event) => event.preventDefault()}>
        <input id="room-name" placeholder="new room name" value={name} onChange={(e) => setName(e.target.value)} />
        <button id="create-room" onClick={() => create.mutate({ name: name || 'Lobby' })}>Create</button>
        <input id="room-id" placeholder="room id to join" value={joinId} onChange={(e) => setJoinId(e.target.value)} />
        <button id="join-room" onClick={() => join.mutate({ roomId: joinId.trim() })}>Join</button>
      </form>
      <ErrorLine error={create.error ?? join.error} />
      {roomId && <LiveRoom key={roomId} roomId={roomId} />}
    </section>
  );
}

function LiveRoom({ roomId }: { roomId: string }) {
  const trpc = useTRPC();
  // Fetched once: a refetch would move the subscription's starting point under it.
  const history = useQuery(trpc.rooms.history.queryOptions({ roomId, limit: 50 }, { staleTime: Infinity, refetchOnReconnect: false }));
  const [live, setLive] = useState<Message[]>([]);
  const newest = history.data?.messages[0];
  const events = useSubscription(
    trpc.rooms.events.subscriptionOptions(
      { roomId, lastEventId: newest ? String(newest.id) : null },
      {
        enabled: history.isSuccess,
        onData: (event) => {
          if (event.data.type === 'message') {
            const { type: _type, ...message } = event.data;
            setLive((messages) => [...messages, message]);
          }
        },
      },
    ),
  );
  const [body, setBody] = useState('');
  const send = useMutation(trpc.rooms.send.mutationOptions({ onSuccess: () => setBody('') }));
  const messages = [...(history.data?.messages ?? [])].reverse().concat(live);

  return (
    <div>
      <p>
        Room: <code id="current-room">{roomId}</code> <small id="subscription" data-status={events.status}>{events.status}</small>
      </p>
      <ol id="messages">
        {messages.map((message) => (
          <li key={message.id} data-id={message.id}>
            {message.senderName}: {message.body}
          </li>
        ))}
      </ol>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          // clientMessageId makes a retried send idempotent.
          if (body.trim()) send.mutate({ roomId, body, clientMessageId: crypto.randomUUID() });
        }}
      >
        <input id="message" placeholder="message" autoComplete="off" value={body} onChange={(e) => setBody(e.target.value)} />
        <button id="send">Send</button>
      </form>
      <ErrorLine error={history.error ?? events.error ?? send.error} />
    </div>
  );
}
