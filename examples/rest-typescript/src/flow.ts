// The integrator's whole path over REST with a client generated from /openapi.json: an account
// with two-factor on, a sign-in that answers a challenge and finishes with a TOTP code, a room,
// messages followed over server-sent events (cut and resumed, on another instance if given, with
// no gap and no duplicate), and a recording uploaded and downloaded.
import createClient from 'openapi-fetch';
import type { paths } from './api';
import { readEvents, type StreamEvent } from './events';
import { totpCode } from './totp';

export type FlowOptions = {
  /** Base URLs of one or more instances behind the same database; the stream resumes on the last. */
  urls: string[];
  email: string;
  password: string;
  /** A WAV (or other audio) file's bytes to upload. */
  audio: Uint8Array;
  fetch?: typeof fetch;
};

export type FlowResult = { userId: string; roomId: string; messages: string[]; recordingId: string; downloadedBytes: number };

/** The error body every failure has: branch on key, show message. */
type ErrorBody = { message: string; code: string; key?: string };
function check<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.error !== undefined || result.data === undefined) {
    const body = result.error as ErrorBody | undefined;
    throw new Error(`${what}: HTTP ${result.response.status} ${body?.key ?? ''} ${body?.message ?? ''}`);
  }
  return result.data;
}

export async function runFlow(options: FlowOptions): Promise<FlowResult> {
  const clients = options.urls.map((url) => createClient<paths>({ baseUrl: `${url}/api`, fetch: options.fetch }));
  const api = clients[0]!;
  const other = clients.at(-1)!;
  const { email, password } = options;

  // An account with two-factor on (an integrator would do this once, by hand).
  const registered = check(await api.POST('/auth/register', { body: { email, password, name: 'REST example' } }), 'register');
  let auth = { Authorization: `Bearer ${registered.token}` };
  // Turning two-factor on asks for a fresh proof that it is you: the password.
  check(await api.POST('/auth/reauthenticate', { headers: auth, body: { password } }), 'reauthenticate');
  const setup = check(await api.POST('/auth/totp/setup', { headers: auth }), 'totp setup');
  check(await api.POST('/auth/totp/enable', { headers: auth, body: { code: totpCode(setup.secret) } }), 'totp enable');
  check(await api.POST('/auth/logout', { headers: auth }), 'logout');

  // Sign in: the password answers a challenge, the code from the app finishes it. Each 30 s step
  // is accepted once, and enable used the current one: take the next.
  const login = check(await api.POST('/auth/login', { body: { email, password } }), 'login');
  if (!('challenge' in login)) throw new Error('expected a two-factor challenge');
  const session = check(await api.POST('/auth/totp/verify-login', { body: { challenge: login.challenge, code: totpCode(setup.secret, 1) } }), 'verify-login');
  auth = { Authorization: `Bearer ${session.token}` };

  // A room, followed over SSE while we post.
  const room = check(await api.POST('/rooms', { headers: auth, body: { name: 'REST example room' } }), 'create room');
  const post = async (body: string) => check(await api.POST('/rooms/{roomId}/messages', { headers: auth, params: { path: { roomId: room.id } }, body: { body } }), 'send');
  const follow = async (client: typeof api, lastEventId?: string) => {
    const { response } = await client.GET('/rooms/{roomId}/events', {
      headers: auth,
      params: { path: { roomId: room.id }, header: lastEventId ? { 'Last-Event-ID': lastEventId } : {} },
      parseAs: 'stream',
    });
    if (!response.ok) throw new Error(`events: HTTP ${response.status}`);
    return { response, events: readEvents(response) };
  };
  const nextMessage = async (events: AsyncGenerator<StreamEvent>): Promise<StreamEvent> => {
    for (let next = await events.next(); !next.done; next = await events.next()) if (next.value.event === 'message') return next.value;
    throw new Error('the event stream ended');
  };
  /** Drops the connection, as a network failure would. */
  const cut = async (stream: Awaited<ReturnType<typeof follow>>) => {
    await stream.events.return(undefined);
  };

  const received: StreamEvent[] = [];
  const first = await follow(api);
  await post('first');
  received.push(await nextMessage(first.events));
  await cut(first); // the connection drops
  await post('second'); // sent while we were away
  await post('third');
  const resumed = await follow(other, received.at(-1)!.id!);
  received.push(await nextMessage(resumed.events), await nextMessage(resumed.events));
  await post('fourth');
  received.push(await nextMessage(resumed.events));
  await cut(resumed);
  const ids = received.map((e) => Number(e.id));
  if (new Set(ids).size !== ids.length || ids.some((id, i) => i > 0 && id <= ids[i - 1]!)) throw new Error(`events out of order or doubled: ${ids}`);

  // A recording: the file as the body, metadata in the query string.
  const uploaded = check(
    await api.POST('/recordings/upload', {
      headers: { ...auth, 'Content-Type': 'audio/wav' },
      params: { query: { name: 'REST example recording' } },
      // format: binary is typed as string by openapi-typescript; the bytes go as they are.
      body: options.audio as unknown as string,
      bodySerializer: (body) => body as unknown as BodyInit,
    }),
    'upload',
  );
  const link = check(await api.GET('/recordings/{id}/download-url', { headers: auth, params: { path: { id: uploaded.recording.id } } }), 'download url');
  const audio = await (options.fetch ?? fetch)(link.url);
  if (!audio.ok) throw new Error(`download: HTTP ${audio.status}`);
  const bytes = new Uint8Array(await audio.arrayBuffer());
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'OggS') throw new Error('the download is not an Ogg file');

  return { userId: session.user.id, roomId: room.id, messages: received.map((e) => e.data.body as string), recordingId: uploaded.recording.id, downloadedBytes: bytes.length };
}
