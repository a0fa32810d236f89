// Two instances on one Postgres: a recording written through one is watched (recordings.events)
// and downloaded through the other; progress travels over LISTEN/NOTIFY.
import { expect, it } from 'vitest';
import { RecordClient } from './helpers/record-client';
import { speechPcm16k } from './helpers/recording-fixtures';
import { createClient, describePostgres, registerUser, type TestServer, withTwoInstances } from './helpers/server';

describePostgres('recordings across two instances', () => {
  let a: TestServer;
  let b: TestServer;
  withTwoInstances((servers) => ([a, b] = servers));

  it('shows progress of a recording written on instance A to a watcher on instance B, then finished', async () => {
    const user = await registerUser(a.url);
    const onB = createClient(b.url, { token: user.token });
    const recorder = await RecordClient.connect(a.url);
    await recorder.authenticate(user.token);
    const { recordingId } = await recorder.start({ name: 'Scale-out', format: 'pcm_s16le_16000_mono' });
    const events: { type: string }[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      const sub = onB.recordings.events.subscribe({ id: recordingId }, {
        onData: (event) => {
          events.push(event);
          if (event.type === 'finished') {
            sub.unsubscribe();
            resolve();
          }
        },
        onError: reject,
      });
    });
    await recorder.until(() => events.length > 0, 'the first event on B');
    const speech = speechPcm16k(60);
    // Two batches more than a second apart, so at least one progress event is published.
    await recorder.stream(speech, { frameBytes: 3200, fromSeq: 0, toSeq: 20 });
    await new Promise((r) => setTimeout(r, 1100));
    await recorder.stream(speech, { frameBytes: 3200, fromSeq: 20, toSeq: 40 });
    await recorder.stop();
    await finished;
    expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)).toMatchObject({ type: 'finished', durationMs: 4000 });

    const { url } = await onB.recordings.downloadUrl.query({ id: recordingId });
    const viaA = await fetch(url.replace(/^https?:\/\/[^/]+/, a.url));
    expect(viaA.status).toBe(200); // both instances share the signing secret (server_secrets)
  });
});
