// The Parley example page: accounts and sessions (password or passkey, with recovery), a live room with a typing indicator, and a
// recorder streaming the microphone (MediaRecorder, WebM/Opus) to /ws/record. Plain DOM, no framework.
import { createParleyClient, errorCode, type RouterOutputs } from '@parley/sdk';
import { recordMicrophone, type MicrophoneRecording } from './microphone';
import { listPasskeys, setUpPasskeys } from './passkeys';

declare const __PARLEY_URL__: string;
const serverUrl = new URLSearchParams(location.search).get('server') ?? __PARLEY_URL__;
const TOKEN_KEY = 'parley.token';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);

const client = createParleyClient({
  url: serverUrl,
  token: localStorage.getItem(TOKEN_KEY),
  onTokenChange: (token) => (token ? localStorage.setItem(TOKEN_KEY, token) : localStorage.removeItem(TOKEN_KEY)),
  onSessionExpired: () => {
    showError('Your session has ended; sign in again.');
    void showSignedOut();
  },
});

function showError(error: unknown) {
  const text = typeof error === 'string' ? error : `${errorCode(error) ?? 'ERROR'}: ${(error as Error).message}`;
  $('error').textContent = text;
}

async function guarded(action: () => Promise<unknown>) {
  $('error').textContent = '';
  try {
    await action();
  } catch (error) {
    showError(error);
  }
}

// Accounts and sessions.
async function showSignedIn() {
  const { user } = await client.auth.me.query();
  $('whoami').textContent = `Signed in as ${user.displayName}`;
  $('auth-panel').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  await Promise.all([listSessions(), listRecordings(), user.kind === 'member' ? listPasskeys(client) : null]);
}

async function showSignedOut() {
  leaveRoom();
  $('whoami').textContent = 'Not signed in';
  $('auth-panel').hidden = false;
  $('app').hidden = true;
  $('sign-out').hidden = true;
}

$('auth-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const action = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'login';
  const credentials = { email: input('email').value, password: input('password').value };
  void guarded(async () => {
    if (action === 'register') await client.auth.register.mutate({ ...credentials, name: input('name').value || undefined });
    else {
      const result = await client.auth.login.mutate(credentials);
      if (!('token' in result)) throw new Error('Two-factor sign-in is not part of this example');
    }
    await showSignedIn();
  });
});

setUpPasskeys({ client, guarded, onSignedIn: showSignedIn });

$('sign-out').addEventListener('click', () => void guarded(async () => {
  await client.auth.logout.mutate();
  await showSignedOut();
}));

async function listSessions() {
  const sessions = await client.sessions.list.query();
  $('sessions').replaceChildren(
    ...sessions.map((session) => {
      const item = document.createElement('li');
      item.textContent = `${session.userAgent ?? 'unknown device'} · ${session.ip ?? '?'} · last seen ${new Date(session.lastSeenAt).toLocaleString()}${session.current ? ' (this one)' : ''} `;
      if (!session.current) {
        const revoke = document.createElement('button');
        revoke.textContent = 'Revoke';
        revoke.addEventListener('click', () => void guarded(async () => {
          await client.sessions.revoke.mutate({ sessionId: session.id });
          await listSessions();
        }));
        item.append(revoke);
      }
      return item;
    }),
  );
}

// The room: rooms.events resumes by itself after a dropped connection (tracked event ids).
type RoomEvent = RouterOutputs['rooms']['events'] extends AsyncIterable<infer E> ? E : never;
let roomSubscription: { unsubscribe(): void } | null = null;
let roomId: string | null = null;
const typingUsers = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();

function leaveRoom() {
  roomSubscription?.unsubscribe();
  roomSubscription = null;
  roomId = null;
}

function renderTyping() {
  const names = [...typingUsers.values()].map((t) => t.name);
  $('typing').textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
}

function onRoomEvent({ data }: RoomEvent) {
  if (data.type === 'message') {
    const item = document.createElement('li');
    item.textContent = `${data.senderName}: ${data.body}`;
    $('messages').append(item);
    item.scrollIntoView({ block: 'nearest' });
    const typing = data.senderId ? typingUsers.get(data.senderId) : undefined;
    if (typing) clearTimeout(typing.timer), typingUsers.delete(data.senderId!);
  } else if (data.type === 'typing') {
    clearTimeout(typingUsers.get(data.userId)?.timer);
    if (data.state === 'start') typingUsers.set(data.userId, { name: data.displayName, timer: setTimeout(() => (typingUsers.delete(data.userId), renderTyping()), 6000) });
    else typingUsers.delete(data.userId);
  }
  renderTyping();
}

async function enterRoom(id: string) {
  leaveRoom();
  roomId = id;
  $('current-room').textContent = id;
  $('messages').replaceChildren();
  const { messages } = await client.rooms.history.query({ roomId: id, limit: 50 });
  for (const message of [...messages].reverse()) onRoomEvent({ id: String(message.id), data: { type: 'message', ...message } } as RoomEvent);
  const lastEventId = messages[0] ? String(messages[0].id) : undefined;
  roomSubscription = client.rooms.events.subscribe({ roomId: id, lastEventId }, { onData: onRoomEvent, onError: showError });
}

$('room-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const action = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value;
  void guarded(async () => {
    const room = action === 'create'
      ? await client.rooms.create.mutate({ name: input('room-name').value || 'Lobby' })
      : await client.rooms.join.mutate({ roomId: input('room-id').value.trim() });
    await enterRoom(room.id);
  });
});

let typingSince = 0;
input('message').addEventListener('input', () => {
  if (!roomId || Date.now() - typingSince < 3000) return;
  typingSince = Date.now();
  void client.rooms.typing.mutate({ roomId, state: 'start' }).catch(() => {});
});

$('message-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const body = input('message').value;
  if (!roomId || !body.trim()) return;
  const target = roomId;
  void guarded(async () => {
    // clientMessageId makes a retried send idempotent.
    await client.rooms.send.mutate({ roomId: target, body, clientMessageId: crypto.randomUUID() });
    input('message').value = '';
    typingSince = 0;
  });
});

// Recordings.
let recording: MicrophoneRecording | null = null;
let finishing = false;

$('record').addEventListener('click', () => void guarded(async () => {
  if (recording) {
    $('record-status').textContent = 'finishing…';
    finishing = true;
    const result = await recording.stop().finally(() => (finishing = false));
    recording = null;
    $('record').textContent = '● Record';
    $('record').classList.remove('recording');
    $('record-status').textContent = `saved ${(result.durationMs / 1000).toFixed(1)} s`;
    await listRecordings();
    return;
  }
  $('record-progress').textContent = '';
  recording = await recordMicrophone(client, `Recording ${new Date().toLocaleTimeString()}`, (p) => {
    if (p.recordingId) followRecording(p.recordingId);
    if (finishing) return;
    $('record-status').textContent = `${(p.elapsedMs / 1000).toFixed(1)} s · sent ${p.bytesSent} B · acked ${p.bytesAcked} B${p.reconnects ? ` · ${p.reconnects} reconnects` : ''}`;
  });
  $('record').textContent = '■ Stop';
  $('record').classList.add('recording');
}));

// What the server has stored so far, from recordings.events (progress while live, then finished).
let followed: { id: string; subscription: { unsubscribe(): void } } | null = null;
function followRecording(id: string) {
  if (followed?.id === id) return;
  followed?.subscription.unsubscribe();
  const show = (text: string) => ($('record-progress').textContent = text);
  const subscription = client.recordings.events.subscribe({ id }, {
    onData: (event) => {
      if (event.type === 'progress') show(`server stored ${(event.durationMs / 1000).toFixed(1)} s · ${event.bytes} B`);
      else if (event.type === 'finished') show(`server finished ${(event.durationMs / 1000).toFixed(1)} s · ${event.bytes} B`);
      else if (event.type === 'failed') show(`server failed: ${event.error}`);
    },
    onError: showError,
  });
  followed = { id, subscription };
}

async function listRecordings() {
  const page = await client.recordings.list.query({});
  const items = await Promise.all(
    page.recordings.map(async (rec) => {
      const item = document.createElement('li');
      item.dataset.status = rec.status;
      item.textContent = `${rec.name} · ${rec.status} · ${(rec.durationMs / 1000).toFixed(1)} s `;
      if (rec.status === 'finished') {
        const audio = document.createElement('audio');
        audio.controls = true;
        audio.preload = 'none';
        audio.src = (await client.recordings.downloadUrl.query({ id: rec.id })).url;
        item.append(audio);
      }
      return item;
    }),
  );
  $('recordings').replaceChildren(...items);
}

/** A hook for tests and experiments (e.g. passkey tests driving the page): the page's own client. */
Object.assign(window, { parley: { client, serverUrl, showSignedIn, enterRoom, listSessions, listRecordings } });

if (client.token) void guarded(showSignedIn);
