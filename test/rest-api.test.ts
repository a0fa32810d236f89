// Issue 20: the whole API over REST and server-sent events, as an integrator without a tRPC client
// meets it — every resource, the one error body with its key, hostile bodies on every route, SSE
// that resumes with no gap and no duplicate (on two instances over Postgres), and every answer
// checked against /openapi.json at the end of each block.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createParleyClient, errorKey, hasErrorKey, type ParleyErrorKey } from '../sdk/src/index';
import { findLinkToken, startSmtpSink } from './helpers/auth';
import { expectAnswersMatchDocument, RestRecorder, restClient, type RestAnswer, type RestInit } from './helpers/rest-contract';
import { dbKind, describeDb, describePostgres, startTestServer, uniqueEmail, withTwoInstances, type TestServer } from './helpers/server';
import { openEventStream, toneWav } from './helpers/sse';

const PASSWORD = 'correct horse battery staple';
type Api = (path: string, init?: RestInit) => Promise<RestAnswer>;

/** A TOTP code as an authenticator app shows it; offset in steps (the server refuses a step twice). */
function totpCode(secret: string, offsetSteps = 0): string {
  return execFileSync('oathtool', ['--totp', '-b', '-N', `now + ${offsetSteps * 30} seconds`, secret], { encoding: 'utf8' }).trim();
}

async function signUp(api: Api, name = 'Rest User') {
  const email = uniqueEmail('rest');
  const res = await api('/auth/register', { method: 'POST', json: { email, password: PASSWORD, name } });
  expect(res.status).toBe(200);
  return { email, token: res.body.token as string, user: res.body.user };
}

describeDb(`REST for every resource on ${dbKind}`, () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let api: Api;
  const recorder = new RestRecorder();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    server = await startTestServer({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Parley <no-reply@parley.test>' } });
    api = restClient(server.url, recorder);
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  it('signs in with two-factor over REST: setup, enable, login answers a challenge, verify-login finishes it, disable', async () => {
    const { email, token } = await signUp(api);
    // Turning two-factor on needs a fresh proof of a credential first.
    expect((await api('/auth/reauthenticate', { method: 'POST', token, json: { password: PASSWORD } })).status).toBe(200);
    expect((await api('/auth/reauthenticate', { method: 'POST', token, json: { password: PASSWORD } })).status).toBe(200);
    const setup = await api('/auth/totp/setup', { method: 'POST', token });
    expect(setup.status).toBe(200);
    expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\//);
    const enabled = await api('/auth/totp/enable', { method: 'POST', token, json: { code: totpCode(setup.body.secret) } });
    expect(enabled.status).toBe(200);
    expect(enabled.body.recoveryCodes.length).toBeGreaterThan(0);

    const login = await api('/auth/login', { method: 'POST', json: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ twoFactorRequired: true, challenge: expect.any(String) });
    const wrong = await api('/auth/totp/verify-login', { method: 'POST', json: { challenge: login.body.challenge, code: '000000' } });
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.body.key).toBeDefined();
    const again = await api('/auth/login', { method: 'POST', json: { email, password: PASSWORD } });
    const verified = await api('/auth/totp/verify-login', { method: 'POST', json: { challenge: again.body.challenge, code: totpCode(setup.body.secret, 1) } });
    expect(verified.status).toBe(200);
    expect(verified.body.user.email).toBe(email);
    expect((await api('/auth/me', { token: verified.body.token })).status).toBe(200);

    const disabled = await api('/auth/totp/disable', { method: 'POST', token, json: { code: enabled.body.recoveryCodes[0] } });
    expect(disabled.body).toEqual({ ok: true });
  });

  it('changes, resets and verifies over REST: password change, reset by mailed token, e-mail verification', async () => {
    const { email, token } = await signUp(api);
    const changed = await api('/auth/password/change', { method: 'POST', token, json: { currentPassword: PASSWORD, newPassword: 'another long passphrase 9' } });
    expect(changed.body).toMatchObject({ ok: true, endedSessions: 0 });
    const wrong = await api('/auth/password/change', { method: 'POST', token, json: { currentPassword: 'nope nope nope', newPassword: 'another long passphrase 10' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.key).toBe('WRONG_PASSWORD');

    expect((await api('/auth/password/reset-request', { method: 'POST', json: { email } })).body).toEqual({ ok: true });
    const resetToken = findLinkToken((await smtp.waitFor(email, /Reset your Parley password/)).text, '/reset-password');
    expect((await api('/auth/password/reset', { method: 'POST', json: { token: resetToken, newPassword: 'the reset passphrase 11' } })).body).toEqual({ ok: true });
    const reused = await api('/auth/password/reset', { method: 'POST', json: { token: resetToken, newPassword: 'the reset passphrase 12' } });
    expect(reused.body.key).toBe('INVALID_TOKEN');
    const signedIn = await api('/auth/login', { method: 'POST', json: { email, password: 'the reset passphrase 11' } });
    expect(signedIn.status).toBe(200);

    const requested = await api('/auth/email/verification-request', { method: 'POST', token: signedIn.body.token });
    expect(requested.body).toEqual({ ok: true, alreadyVerified: false });
    const verifyToken = findLinkToken((await smtp.waitFor(email, /[Vv]erify/)).text, '/verify-email');
    expect((await api('/auth/email/verify', { method: 'POST', json: { token: verifyToken } })).body).toEqual({ ok: true });
    expect((await api('/auth/me', { token: signedIn.body.token })).body.user.emailVerified).toBe(true);
  });

  it('signs in a guest and upgrades it to a full account, keeping the user id', async () => {
    const guest = await api('/auth/guest', { method: 'POST', json: { alias: 'Visitor' } });
    expect(guest.status).toBe(200);
    expect(guest.body.user.kind).toBe('guest');
    const refused = await api('/orgs', { method: 'POST', token: guest.body.token, json: { name: 'Nope' } });
    expect(refused.status).toBe(403);
    expect(refused.body.key).toBe('GUEST_NOT_ALLOWED');
    const upgraded = await api('/auth/guest/upgrade', { method: 'POST', token: guest.body.token, json: { email: uniqueEmail('up'), password: PASSWORD } });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body.user).toMatchObject({ id: guest.body.user.id, kind: 'member' });
  });

  it('starts passkey ceremonies and lists passkeys over REST', async () => {
    const { token } = await signUp(api);
    const refused = await api('/auth/passkeys/registration-options', { method: 'POST', token, json: { nickname: 'Laptop' } });
    expect(refused.body.key).toBe('REAUTHENTICATION_REQUIRED');
    expect((await api('/auth/reauthenticate', { method: 'POST', token, json: { password: PASSWORD } })).status).toBe(200);
    const options = await api('/auth/passkeys/registration-options', { method: 'POST', token, json: { nickname: 'Laptop' } });
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ challenge: expect.any(String), rp: { name: expect.any(String) }, user: { id: expect.any(String) } });
    const signIn = await api('/auth/passkeys/authentication-options', { method: 'POST', json: {} });
    expect(signIn.body.challenge).toEqual(expect.any(String));
    expect((await api('/auth/passkeys', { token })).body).toEqual([]);
    const bogus = await api('/auth/passkeys/authenticate', { method: 'POST', json: { id: 'abc', rawId: 'abc', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' } } });
    expect(bogus.status).toBeGreaterThanOrEqual(400);
    expect(bogus.status).toBeLessThan(500);
    const missing = await api('/auth/passkeys/nope', { method: 'DELETE', token });
    expect(missing.status).toBe(404);
    expect(missing.body.key).toBe('PASSKEY_NOT_FOUND');
  });

  it('manages organizations and members over REST', async () => {
    const admin = await signUp(api, 'Admin');
    const member = await signUp(api, 'Member');
    const org = await api('/orgs', { method: 'POST', token: admin.token, json: { name: 'Acme' } });
    expect(org.body).toMatchObject({ name: 'Acme', role: 'admin' });
    const added = await api(`/orgs/${org.body.id}/members`, { method: 'POST', token: admin.token, json: { email: member.email, role: 'member' } });
    // Membership is by invitation: the member sees it and accepts.
    expect(added.body).toMatchObject({ orgId: org.body.id, orgName: 'Acme', email: member.email, role: 'member' });
    expect((await api('/orgs/invitations', { token: member.token })).body.map((i: { invitationId: string }) => i.invitationId)).toEqual([added.body.invitationId]);
    const accepted = await api(`/orgs/invitations/${added.body.invitationId}/accept`, { method: 'POST', token: member.token });
    expect(accepted.body).toMatchObject({ id: org.body.id, role: 'member' });
    expect((await api('/orgs', { token: member.token })).body.map((o: { id: string }) => o.id)).toEqual([org.body.id]);
    const notAdmin = await api(`/orgs/${org.body.id}/members`, { method: 'POST', token: member.token, json: { email: admin.email } });
    expect(notAdmin.body.key).toBe('NOT_ADMIN');
    const removed = await api(`/orgs/${org.body.id}/members/${member.user.id}`, { method: 'DELETE', token: admin.token });
    expect(removed.body).toEqual({ removed: true });
  });

  it('runs a room over REST: create, list, join, send (idempotent), history, typing, leave; unknown rooms answer ROOM_NOT_FOUND', async () => {
    const owner = await signUp(api, 'Owner');
    const guest = await signUp(api, 'Second');
    const room = await api('/rooms', { method: 'POST', token: owner.token, json: { name: 'Standup' } });
    expect(room.body).toMatchObject({ name: 'Standup', createdBy: owner.user.id });
    const notMember = await api(`/rooms/${room.body.id}/messages`, { method: 'POST', token: guest.token, json: { body: 'hi' } });
    expect(notMember.status).toBe(403);
    expect(notMember.body).toMatchObject({ code: 'FORBIDDEN', key: 'NOT_MEMBER' });
    expect((await api(`/rooms/${room.body.id}/join`, { method: 'POST', token: guest.token })).body.id).toBe(room.body.id);
    expect((await api('/rooms', { token: guest.token })).body.map((r: { id: string }) => r.id)).toContain(room.body.id);
    const first = await api(`/rooms/${room.body.id}/messages`, { method: 'POST', token: owner.token, json: { body: 'hello', clientMessageId: 'c1' } });
    const retry = await api(`/rooms/${room.body.id}/messages`, { method: 'POST', token: owner.token, json: { body: 'hello', clientMessageId: 'c1' } });
    expect(retry.body.id).toBe(first.body.id);
    await api(`/rooms/${room.body.id}/messages`, { method: 'POST', token: guest.token, json: { body: 'hi back' } });
    const history = await api(`/rooms/${room.body.id}/messages?limit=1`, { token: owner.token });
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual(['hi back']);
    const older = await api(`/rooms/${room.body.id}/messages?limit=5&before=${encodeURIComponent(history.body.nextCursor)}`, { token: owner.token });
    expect(older.body.messages.map((m: { body: string }) => m.body)).toEqual(['hello']);
    expect((await api(`/rooms/${room.body.id}/typing`, { method: 'POST', token: owner.token, json: { state: 'start' } })).body).toEqual({ ok: true });
    expect((await api(`/rooms/${room.body.id}/leave`, { method: 'POST', token: guest.token })).body).toEqual({ ok: true });
    const unknown = await api('/rooms/no-such-room/messages', { token: owner.token });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ message: 'Room not found', code: 'NOT_FOUND', key: 'ROOM_NOT_FOUND' });
    const badLimit = await api(`/rooms/${room.body.id}/messages?limit=ten`, { token: owner.token });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.key).toBe('INVALID_INPUT');
    expect(badLimit.body.issues[0].path).toEqual(['limit']);
  });

  it('follows room events over SSE with ids, and resumes after a cut with Last-Event-ID or ?lastEventId= with no gap and no duplicate', async () => {
    const { token } = await signUp(api);
    const room = (await api('/rooms', { method: 'POST', token, json: { name: 'Events' } })).body;
    const send = (body: string) => api(`/rooms/${room.id}/messages`, { method: 'POST', token, json: { body } });
    const url = `${server.url}/api/rooms/${room.id}/events`;
    const stream = await openEventStream(url, { authorization: `Bearer ${token}` }, recorder.fetch);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await send('one');
    await send('two');
    const live = (await stream.until((e) => e.event === 'message' && e.data.body === 'two')).filter((e) => e.event === 'message');
    expect(live.map((e) => e.data.body)).toEqual(['one', 'two']);
    expect(live.every((e) => e.id === String(e.data.id))).toBe(true);
    expect(stream.comments).toContain('connected');
    stream.cut();

    for (let i = 3; i <= 6; i++) await send(`m${i}`);
    const resumed = await openEventStream(url, { authorization: `Bearer ${token}`, 'last-event-id': live[1]!.id! }, recorder.fetch);
    const replay = (await resumed.until((e) => e.event === 'message' && e.data.body === 'm6')).filter((e) => e.event === 'message');
    expect(replay.map((e) => e.data.body)).toEqual(['m3', 'm4', 'm5', 'm6']);
    resumed.cut();
    const byQuery = await openEventStream(`${url}?lastEventId=${replay[2]!.id}`, { authorization: `Bearer ${token}` }, recorder.fetch);
    expect((await byQuery.next())!.data.body).toBe('m6');
    byQuery.cut();
  });

  it('answers an event stream it cannot open with the JSON error body, not a stream', async () => {
    const { token } = await signUp(api);
    expect((await api('/rooms/nowhere/events', { token })).body).toMatchObject({ key: 'ROOM_NOT_FOUND' });
    expect((await api('/rooms/nowhere/events')).body).toMatchObject({ key: 'UNAUTHENTICATED' });
    expect((await api('/rooms/x/events?lastEventId=not-an-id', { token })).status).toBe(400);
    expect((await api('/recordings/nothing/events', { token })).body).toMatchObject({ key: 'RECORDING_NOT_FOUND' });
  });

  it('ends an open event stream with event: end and key SESSION_REVOKED when its session is revoked (the WebSocket 4401)', async () => {
    const { email, token } = await signUp(api);
    const other = (await api('/auth/login', { method: 'POST', json: { email, password: PASSWORD } })).body.token as string;
    const room = (await api('/rooms', { method: 'POST', token: other, json: { name: 'Revoked' } })).body;
    const stream = await openEventStream(`${server.url}/api/rooms/${room.id}/events`, { authorization: `Bearer ${other}` }, recorder.fetch);
    expect(stream.status).toBe(200);
    await api('/sessions/revoke-others', { method: 'POST', token });
    const events = await stream.until((e) => e.event === 'end');
    expect(events.at(-1)!.data).toMatchObject({ code: 4401, key: 'SESSION_REVOKED' });
    expect(await stream.next()).toBeNull();
  });

  it('uploads a recording, follows it over SSE to finished, lists, gets, links, downloads and deletes it', async () => {
    const { token } = await signUp(api);
    const upload = await recorder.fetch(`${server.url}/api/recordings/upload?name=${encodeURIComponent('Tone ♪')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' },
      body: new Uint8Array(toneWav()),
    });
    expect(upload.status).toBe(201);
    const { recording } = (await upload.json()) as { recording: { id: string; name: string; status: string; durationMs: number } };
    expect(recording).toMatchObject({ name: 'Tone ♪', status: 'finished' });
    expect(recording.durationMs).toBeGreaterThan(900);

    const stream = await openEventStream(`${server.url}/api/recordings/${recording.id}/events`, { authorization: `Bearer ${token}` }, recorder.fetch);
    const events = await stream.until((e) => e.event === 'end');
    expect(events.map((e) => e.event)).toEqual(['finished', 'end']);

    expect((await api('/recordings', { token })).body.recordings.map((r: { id: string }) => r.id)).toEqual([recording.id]);
    expect((await api(`/recordings/${recording.id}`, { token })).body).toMatchObject({ id: recording.id, format: expect.any(String) });
    const link = await api(`/recordings/${recording.id}/download-url`, { token });
    const audio = await fetch(link.body.url);
    expect(audio.status).toBe(200);
    expect(Buffer.from(await audio.arrayBuffer()).subarray(0, 4).toString()).toBe('OggS');
    expect((await api(`/recordings/${recording.id}`, { method: 'DELETE', token })).body).toEqual({ deleted: true });
    const gone = await api(`/recordings/${recording.id}`, { token });
    expect(gone.status).toBe(404);
    expect(gone.body.key).toBe('RECORDING_NOT_FOUND');
    const download = await fetch(link.body.url);
    expect(download.status).toBe(404);
    expect(await download.json()).toEqual({ message: 'Recording not found', code: 'NOT_FOUND', key: 'RECORDING_NOT_FOUND' });
    const started = await api('/recordings', { method: 'POST', token, json: { name: 'Live one', format: 'pcm_s16le_16000_mono' } });
    expect(started.body).toMatchObject({ recordingId: expect.any(String) });
  });

  it('answers the upload route with the one error body: 401, 415, 405', async () => {
    const anonymous = await recorder.fetch(`${server.url}/api/recordings/upload`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: new Uint8Array(toneWav()) });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: 'Sign in to continue', code: 'UNAUTHORIZED', key: 'UNAUTHENTICATED' });
    const { token } = await signUp(api);
    const text = await recorder.fetch(`${server.url}/api/recordings/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { key: string }).key).toBe('UNSUPPORTED_MEDIA');
  });

  it('throttles with 429, Retry-After and key RATE_LIMITED (reset requests per address)', async () => {
    const email = uniqueEmail('flood');
    const answers: RestAnswer[] = [];
    for (let i = 0; i < 6; i++) answers.push(await api('/auth/password/reset-request', { method: 'POST', json: { email } }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers[5]!.body).toEqual({ message: expect.any(String), code: 'TOO_MANY_REQUESTS', key: 'RATE_LIMITED' });
    expect(Number(answers[5]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('lets SDK users branch on the key: errorKey / hasErrorKey on a procedure error', async () => {
    const client = createParleyClient({ url: server.url });
    const error = await client.auth.login.mutate({ email: uniqueEmail('nobody'), password: PASSWORD }).catch((e: unknown) => e);
    expect(errorKey(error)).toBe('INVALID_CREDENTIALS');
    expect(hasErrorKey(error, 'INVALID_CREDENTIALS')).toBe(true);
    const key: ParleyErrorKey | undefined = errorKey(error);
    expect(key).toBe('INVALID_CREDENTIALS');
    await client.close();
  });

  it('carries the catalogue key on /trpc errors too (data.key) and on /ready', async () => {
    const res = await fetch(`${server.url}/trpc/auth.me`);
    expect(((await res.json()) as { error: { data: { key: string } } }).error.data.key).toBe('UNAUTHENTICATED');
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });

  it('answers deep, huge and malformed JSON on every REST route with a 4xx, never a 5xx', async () => {
    const { token } = await signUp(api);
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const deepObject = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    const bodies = [deep, deepObject, huge, '{"name":', '\u0000\u0001', 'null', '[]', '"text"'];
    const failures: string[] = [];
    for (const [template, item] of Object.entries(document.paths)) {
      if (template === '/recordings/upload') continue;
      const path = template.replace(/\{\w+\}/g, 'abc');
      for (const method of Object.keys(item)) {
        for (const body of method === 'get' || method === 'delete' ? [null] : bodies) {
          const res = await fetch(`${server.url}/api${path}${body === null ? `?q=${encodeURIComponent('{"a":'.repeat(500))}` : ''}`, {
            method: method.toUpperCase(),
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            ...(body === null ? {} : { body }),
          });
          await res.arrayBuffer().catch(() => {});
          if (res.status >= 500) failures.push(`${method.toUpperCase()} ${path} ${body?.slice(0, 20)} → ${res.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answered every REST request above as /openapi.json describes (status, body schema, Retry-After)', async () => {
    await expectAnswersMatchDocument(server.url, recorder);
  });
});

describeDb(`REST event streams at shutdown on ${dbKind}`, () => {
  it('ends open event streams with reason restarting (1012) when the server shuts down', async () => {
    const own = await startTestServer();
    try {
      const ownApi = restClient(own.url, new RestRecorder());
      const { token } = await signUp(ownApi);
      const room = (await ownApi('/rooms', { method: 'POST', token, json: { name: 'Going down' } })).body;
      const stream = await openEventStream(`${own.url}/api/rooms/${room.id}/events`, { authorization: `Bearer ${token}` });
      expect(stream.status).toBe(200);
      const closing = own.close();
      const events = await stream.until((e) => e.event === 'end');
      expect(events.at(-1)!.data).toMatchObject({ reason: 'restarting', code: 1012 });
      await closing;
    } finally {
      await own.stop();
    }
  });
});

describePostgres('REST event streams on two instances', () => {
  let one: TestServer;
  let two: TestServer;
  withTwoInstances((servers) => ([one, two] = servers));
  const recorder = new RestRecorder();

  it('resumes a room stream on the other instance after a cut, with no gap and no duplicate', async () => {
    const apiOne = restClient(one.url, recorder);
    const apiTwo = restClient(two.url, recorder);
    const { token } = await signUp(apiOne);
    const room = (await apiOne('/rooms', { method: 'POST', token, json: { name: 'Scale' } })).body;
    const stream = await openEventStream(`${one.url}/api/rooms/${room.id}/events`, { authorization: `Bearer ${token}` }, recorder.fetch);
    await apiTwo(`/rooms/${room.id}/messages`, { method: 'POST', token, json: { body: 'a' } });
    const seen = (await stream.until((e) => e.event === 'message' && e.data.body === 'a')).filter((e) => e.event === 'message');
    stream.cut();
    for (const body of ['b', 'c']) await apiOne(`/rooms/${room.id}/messages`, { method: 'POST', token, json: { body } });
    const resumed = await openEventStream(`${two.url}/api/rooms/${room.id}/events`, { authorization: `Bearer ${token}`, 'last-event-id': seen.at(-1)!.id! }, recorder.fetch);
    const replayed = (await resumed.until((e) => e.event === 'message' && e.data.body === 'c')).filter((e) => e.event === 'message');
    await apiOne(`/rooms/${room.id}/messages`, { method: 'POST', token, json: { body: 'd' } });
    const live = (await resumed.until((e) => e.event === 'message' && e.data.body === 'd')).filter((e) => e.event === 'message');
    expect([...seen, ...replayed, ...live].map((e) => e.data.body)).toEqual(['a', 'b', 'c', 'd']);
    resumed.cut();
  });

  it('answered every REST request as /openapi.json describes', async () => {
    await expectAnswersMatchDocument(one.url, recorder);
  });
});
