// Who sees which recording: the creator, members of its org; admins and the creator delete;
// everyone else is told it does not exist. Runs on PGlite and on Postgres.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { joinOrg } from './helpers/orgs';
import { closeClients, createClient, dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';

type Registered = Awaited<ReturnType<typeof registerUser>>;

describeDb(`recordings and orgs authorization on ${dbKind}`, () => {
  let server: TestServer;
  let alice: Registered;
  let bob: Registered;
  let carol: Registered;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob, carol] = await Promise.all([registerUser(server.url), registerUser(server.url), registerUser(server.url)]);
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it('makes the creator of an org its admin and lists it with the role', async () => {
    const org = await alice.client.orgs.create.mutate({ name: 'Acme' });
    expect(org).toMatchObject({ name: 'Acme', role: 'admin' });
    const orgs = await alice.client.orgs.list.query();
    expect(orgs.map((o) => o.id)).toContain(org.id);
    expect(await bob.client.orgs.list.query()).toEqual([]);
  });

  it('lets only admins invite or remove members; to outsiders the org does not exist', async () => {
    const org = await alice.client.orgs.create.mutate({ name: 'Admins only' });
    await expect(bob.client.orgs.addMember.mutate({ orgId: org.id, email: carol.email, role: 'member' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await joinOrg(alice, bob, org.id, 'member');
    await expect(bob.client.orgs.addMember.mutate({ orgId: org.id, email: carol.email, role: 'member' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(bob.client.orgs.removeMember.mutate({ orgId: org.id, userId: alice.user.id })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    // An address without an account gets an invitation too: the answer does not tell them apart.
    expect(await alice.client.orgs.addMember.mutate({ orgId: org.id, email: 'nobody@example.com', role: 'member' })).toMatchObject({ orgId: org.id, email: 'nobody@example.com', role: 'member' });
    expect((await bob.client.orgs.list.query()).find((o) => o.id === org.id)?.role).toBe('member');
    await alice.client.orgs.removeMember.mutate({ orgId: org.id, userId: bob.user.id });
    expect((await bob.client.orgs.list.query()).find((o) => o.id === org.id)).toBeUndefined();
  });

  it('never lets an org lose its last admin', async () => {
    const org = await alice.client.orgs.create.mutate({ name: 'One admin' });
    await expect(alice.client.orgs.removeMember.mutate({ orgId: org.id, userId: alice.user.id })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
  });

  it("answers NOT_FOUND for another user's recording on get, delete and downloadUrl, and 404 on download", async () => {
    const { recordingId } = await alice.client.recordings.start.mutate({ name: 'Private standup', format: 'pcm_s16le_16000_mono' });
    await expect(bob.client.recordings.get.query({ id: recordingId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(bob.client.recordings.delete.mutate({ id: recordingId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(bob.client.recordings.downloadUrl.query({ id: recordingId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    const download = await fetch(`${server.url}/recordings/${recordingId}/audio`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(download.status).toBe(404);
    expect((await fetch(`${server.url}/recordings/${recordingId}/audio`)).status).toBe(404);
    expect((await bob.client.recordings.list.query({})).recordings.map((r) => r.id)).not.toContain(recordingId);
    await expect(bob.client.recordings.get.query({ id: 'doesnotexist' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  });

  it('lets members of the org read and list its recordings; admins and the creator delete them', async () => {
    const org = await alice.client.orgs.create.mutate({ name: 'Team' });
    await joinOrg(alice, bob, org.id, 'member');
    await joinOrg(alice, carol, org.id, 'member');
    const { recordingId } = await bob.client.recordings.start.mutate({ name: 'Team sync', meetingLink: 'https://meet.example.com/abc', orgId: org.id, format: 'pcm_s16le_16000_mono' });

    const seen = await carol.client.recordings.get.query({ id: recordingId });
    expect(seen).toMatchObject({ id: recordingId, name: 'Team sync', meetingLink: 'https://meet.example.com/abc', orgId: org.id, status: 'live', durationMs: 0, bytes: 0 });
    expect(new Date(seen.createdAt).toISOString()).toBe(seen.createdAt);
    expect((await carol.client.recordings.list.query({ orgId: org.id })).recordings.map((r) => r.id)).toEqual([recordingId]);
    expect((await carol.client.recordings.list.query({})).recordings.map((r) => r.id)).toContain(recordingId);

    await expect(carol.client.recordings.delete.mutate({ id: recordingId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await alice.client.recordings.delete.mutate({ id: recordingId });
    await expect(bob.client.recordings.get.query({ id: recordingId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });

    const own = await bob.client.recordings.start.mutate({ name: 'Mine', orgId: org.id, format: 'webm' });
    await bob.client.recordings.delete.mutate({ id: own.recordingId });
    await alice.client.orgs.removeMember.mutate({ orgId: org.id, userId: carol.user.id });
    await expect(carol.client.recordings.list.query({ orgId: org.id })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  });

  it("refuses to file a recording under an org the creator doesn't belong to", async () => {
    const org = await alice.client.orgs.create.mutate({ name: 'Closed' });
    await expect(bob.client.recordings.start.mutate({ name: 'Sneaky', orgId: org.id, format: 'pcm_s16le_16000_mono' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  });

  it('pages through recordings newest first with a cursor', async () => {
    const dave = await registerUser(server.url);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await dave.client.recordings.start.mutate({ name: `Call ${i}`, format: 'pcm_s16le_16000_mono' })).recordingId);
    const first = await dave.client.recordings.list.query({ limit: 2 });
    const second = await dave.client.recordings.list.query({ limit: 2, cursor: first.nextCursor });
    const third = await dave.client.recordings.list.query({ limit: 2, cursor: second.nextCursor });
    expect([...first.recordings, ...second.recordings, ...third.recordings].map((r) => r.id)).toEqual([...ids].reverse());
    expect(third.nextCursor).toBeNull();
    await expect(dave.client.recordings.list.query({ cursor: 'garbage' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
  });

  it('validates inputs: unknown formats, long names and bad links are BAD_REQUEST', async () => {
    await expect(alice.client.recordings.start.mutate({ name: 'x', format: 'mp3' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    await expect(alice.client.recordings.start.mutate({ name: 'x'.repeat(500), format: 'webm' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    await expect(alice.client.recordings.start.mutate({ name: 'x', meetingLink: 'not a url', format: 'webm' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    await expect(createClient(server.url).recordings.list.query({})).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });
});
