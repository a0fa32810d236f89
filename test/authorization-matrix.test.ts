// Authorization matrix: every procedure that takes the id of something owned (a session, a
// passkey, a room, a message, a recording, an org) refuses another user, and where the contract
// says NOT_FOUND the stranger learns nothing: a foreign id gets exactly the answer a random id gets.
// Rooms are joinable by id by design, so there a non-member is told FORBIDDEN (NOT_MEMBER).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callTrpc } from './helpers/auth';
import { createSoftwareAuthenticator } from './helpers/software-authenticator';
import { closeClients, dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';
import { hasProcedure, observe, observeSubscription, randomId } from './helpers/reliability';

const WEB_ORIGIN = 'http://localhost:5173';
const notFound = (message: string) => ({ status: 404, code: 'NOT_FOUND', message });

describeDb(`authorization matrix on ${dbKind}`, () => {
  let server: TestServer;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let stranger: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    server = await startTestServer({ env: { RP_ID: 'localhost', RP_NAME: 'Parley Test', WEBAUTHN_ORIGINS: WEB_ORIGIN } });
    owner = await registerUser(server.url);
    stranger = await registerUser(server.url);
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it("sessions.revoke: another user's session is NOT_FOUND, like a random id, and stays valid", async () => {
    const ownerSessionId = owner.token.split('.')[0]!;
    const foreign = await observe(server.url, 'sessions.revoke', { sessionId: ownerSessionId }, stranger.token);
    const random = await observe(server.url, 'sessions.revoke', { sessionId: randomId() }, stranger.token);
    expect(foreign).toEqual(notFound('Session not found'));
    expect(random).toEqual(foreign);
    expect((await owner.client.auth.me.query()).user.id).toBe(owner.user.id);
    expect((await owner.client.sessions.list.query()).map((s) => s.id)).toContain(ownerSessionId);
  });

  it("auth.passkey.remove: another user's passkey is NOT_FOUND, like a random id, and is kept", async () => {
    const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
    await owner.client.auth.reauthenticate.mutate({ password: owner.password });
    const options = await owner.client.auth.passkey.registrationOptions.mutate({ nickname: 'Laptop' });
    const { passkey } = await owner.client.auth.passkey.register.mutate(authenticator.create(options));
    const foreign = await observe(server.url, 'auth.passkey.remove', { id: passkey.id }, stranger.token);
    const random = await observe(server.url, 'auth.passkey.remove', { id: randomId() }, stranger.token);
    expect(foreign).toEqual(notFound('Passkey not found'));
    expect(random).toEqual(foreign);
    expect((await owner.client.auth.passkey.list.query()).map((p) => p.id)).toEqual([passkey.id]);
    expect(await stranger.client.auth.passkey.list.query()).toEqual([]);
  });

  it.runIf(hasProcedure('rooms.send'))('rooms: a non-member cannot read, write, type in or follow a room; an unknown room is NOT_FOUND', async () => {
    const room = (await owner.client.rooms.create.mutate({ name: 'private talk' }));
    const sent = await owner.client.rooms.send.mutate({ roomId: room.id, body: 'secret plans', clientMessageId: 'c1' });
    const notMember = { status: 403, code: 'FORBIDDEN', message: 'Join the room first' };
    const unknown = notFound('Room not found');
    const missing = randomId();

    expect(await observe(server.url, 'rooms.send', { roomId: room.id, body: 'hi' }, stranger.token)).toEqual(notMember);
    expect(await observe(server.url, 'rooms.history', { roomId: room.id }, stranger.token, 'query')).toEqual(notMember);
    expect(await observe(server.url, 'rooms.typing', { roomId: room.id, state: 'start' }, stranger.token)).toEqual(notMember);
    expect(await observeSubscription(server.url, 'rooms.events', { roomId: room.id, lastEventId: '0' }, stranger.token)).toMatchObject({ code: 'FORBIDDEN' });

    expect(await observe(server.url, 'rooms.send', { roomId: missing, body: 'hi' }, stranger.token)).toEqual(unknown);
    expect(await observe(server.url, 'rooms.history', { roomId: missing }, stranger.token, 'query')).toEqual(unknown);
    expect(await observe(server.url, 'rooms.typing', { roomId: missing, state: 'start' }, stranger.token)).toEqual(unknown);
    expect(await observe(server.url, 'rooms.join', { roomId: missing }, stranger.token)).toEqual(unknown);
    expect(await observe(server.url, 'rooms.leave', { roomId: missing }, stranger.token)).toEqual(unknown);
    expect(await observeSubscription(server.url, 'rooms.events', { roomId: missing }, stranger.token)).toMatchObject({ code: 'NOT_FOUND' });

    // Leaving a room one is not in changes nothing for its members.
    expect(await observe(server.url, 'rooms.leave', { roomId: room.id }, stranger.token)).toMatchObject({ status: 200 });
    const history = await owner.client.rooms.history.query({ roomId: room.id });
    expect(history.messages.map((m) => m.id)).toEqual([sent.id]);
  });

  it.runIf(hasProcedure('rooms.send'))("messages: a member reusing another's clientMessageId gets a message of their own, never theirs", async () => {
    const room = await owner.client.rooms.create.mutate({ name: 'open room' });
    const mine = await owner.client.rooms.send.mutate({ roomId: room.id, body: 'owner only text', clientMessageId: 'same-id' });
    await stranger.client.rooms.join.mutate({ roomId: room.id });
    const theirs = await stranger.client.rooms.send.mutate({ roomId: room.id, body: 'stranger text', clientMessageId: 'same-id' });
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs).toMatchObject({ body: 'stranger text', senderId: stranger.user.id });
    // A message id from one room does not page into another room's history.
    const other = await owner.client.rooms.create.mutate({ name: 'other room' });
    await owner.client.rooms.send.mutate({ roomId: other.id, body: 'other secret' });
    const page = await stranger.client.rooms.history.query({ roomId: room.id, limit: 100 });
    expect(page.messages.map((m) => m.body).sort()).toEqual(['owner only text', 'stranger text']);
  });

  it.runIf(hasProcedure('recordings.get'))("recordings: another user's recording is NOT_FOUND everywhere, exactly like a random id", async () => {
    const started = await callTrpc(server.url, 'recordings.start', { name: 'board meeting' }, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(started.status).toBe(200);
    const id: string = started.body.result.data.recordingId;
    const missing = randomId();
    for (const [path, type] of [['recordings.get', 'query'], ['recordings.downloadUrl', 'query'], ['recordings.delete', 'mutation']] as const) {
      const foreign = await observe(server.url, path, { id }, stranger.token, type);
      expect(foreign, path).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      expect(await observe(server.url, path, { id: missing }, stranger.token, type), path).toEqual(foreign);
    }
    const foreignEvents = await observeSubscription(server.url, 'recordings.events', { id }, stranger.token);
    expect(foreignEvents).toMatchObject({ code: 'NOT_FOUND' });
    expect(await observeSubscription(server.url, 'recordings.events', { id: missing }, stranger.token)).toEqual(foreignEvents);

    const audio = async (recordingId: string, headers: Record<string, string>, query = '') => {
      const res = await fetch(`${server.url}/recordings/${recordingId}/audio${query}`, { headers });
      return { status: res.status, body: await res.text() };
    };
    const foreignAudio = await audio(id, { authorization: `Bearer ${stranger.token}` });
    expect(foreignAudio.status).toBe(404);
    expect(await audio(missing, { authorization: `Bearer ${stranger.token}` })).toEqual(foreignAudio);
    expect(await audio(id, {})).toEqual(foreignAudio);
    expect(await audio(id, {}, `?expires=9999999999&sig=${'0'.repeat(64)}`)).toEqual(foreignAudio);

    // Still there for its owner.
    expect(await observe(server.url, 'recordings.get', { id }, owner.token, 'query')).toMatchObject({ status: 200 });
  });

  it.runIf(hasProcedure('orgs.addMember'))("orgs: a stranger cannot add or remove members of another's org, and learns only NOT_FOUND", async () => {
    const created = await fetch(`${server.url}/trpc/orgs.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ name: 'Acme' }),
    });
    const org = (await created.json()).result.data as { id: string };
    const missing = randomId();
    const add = { email: stranger.email, role: 'admin' };
    const foreignAdd = await observe(server.url, 'orgs.addMember', { orgId: org.id, ...add }, stranger.token);
    expect(foreignAdd).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await observe(server.url, 'orgs.addMember', { orgId: missing, ...add }, stranger.token)).toEqual(foreignAdd);
    const foreignRemove = await observe(server.url, 'orgs.removeMember', { orgId: org.id, userId: owner.user.id }, stranger.token);
    expect(foreignRemove).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await observe(server.url, 'orgs.removeMember', { orgId: missing, userId: owner.user.id }, stranger.token)).toEqual(foreignRemove);
    // A plain member may not manage members either (FORBIDDEN: they know the org exists).
    // Membership is by invitation: the stranger accepts it and becomes a plain member.
    const invited = await callTrpc(server.url, 'orgs.addMember', { orgId: org.id, email: stranger.email }, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(invited.status).toBe(200);
    expect(await observe(server.url, 'orgs.acceptInvitation', { invitationId: invited.body.result.data.invitationId }, stranger.token)).toMatchObject({ status: 200 });
    const asMember = await observe(server.url, 'orgs.removeMember', { orgId: org.id, userId: owner.user.id }, stranger.token);
    expect(asMember).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});
