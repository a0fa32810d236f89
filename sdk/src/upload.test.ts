// uploadRecording against a plain node:http listener that records what it was sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyError } from './errors';
import { uploadRecording } from './upload';

type Seen = { url: string; headers: http.IncomingHttpHeaders; body: Buffer };

describe('uploadRecording', () => {
  let server: http.Server;
  let url: string;
  const seen: Seen[] = [];
  let reply: { status: number; body: unknown } = { status: 200, body: {} };
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts the bytes with the bearer token, the format as content type and the metadata in the query', async () => {
    reply = { status: 200, body: { recording: { id: 'r1', name: 'Ünïcode talk', status: 'finished', durationMs: 1000, bytes: 3 } } };
    const result = await uploadRecording({ url, getToken: async () => 'sid.secret' }, new Uint8Array([1, 2, 3]), { name: 'Ünïcode talk', format: 'wav', orgId: 'o1' });
    expect(result.recording.id).toBe('r1');
    const request = seen.at(-1)!;
    expect(new URL(request.url, url).pathname).toBe('/api/recordings/upload');
    expect(Object.fromEntries(new URL(request.url, url).searchParams)).toEqual({ name: 'Ünïcode talk', orgId: 'o1' });
    expect(request.headers.authorization).toBe('Bearer sid.secret');
    expect(request.headers['content-type']).toBe('audio/wav');
    expect([...request.body]).toEqual([1, 2, 3]);
  });

  it('takes the content type of a Blob when no format is given', async () => {
    reply = { status: 200, body: { recording: { id: 'r2' } } };
    await uploadRecording({ url, getToken: async () => 't' }, new Blob([new Uint8Array([5])], { type: 'audio/webm' }), { name: 'b' });
    expect(seen.at(-1)!.headers['content-type']).toBe('audio/webm');
  });

  it('refuses to upload without a session, and turns an error body into a ParleyError with its code', async () => {
    await expect(uploadRecording({ url, getToken: async () => null }, new Uint8Array(1), { name: 'x' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    reply = { status: 413, body: { message: 'Upload is larger than 500 MB', code: 'PAYLOAD_TOO_LARGE' } };
    const error = await uploadRecording({ url, getToken: async () => 't' }, new Uint8Array(1), { name: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'Upload is larger than 500 MB', data: { httpStatus: 413 } });
    reply = { status: 415, body: 'not json at all' };
    expect(await uploadRecording({ url, getToken: async () => 't' }, new Uint8Array(1), { name: 'x' }).catch((e) => e)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});
