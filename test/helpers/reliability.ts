// Helpers for the reliability suite: raw tRPC answers reduced to what a caller can observe,
// raw tRPC subscriptions over WebSocket, and the list of procedures the server exposes.
import { WebSocket } from 'ws';
import { generateId } from '../../server/src/db/ids';
import { appRouter } from '../../server/src/trpc/router';
import { callTrpc } from './auth';

/** What another user can observe of an answer: HTTP status, tRPC code and message. */
export type Observed = { status: number; code: string | null; message: string | null };

export function hasProcedure(path: string): boolean {
  return path in (appRouter._def.procedures as Record<string, unknown>);
}

export async function observe(
  url: string,
  path: string,
  input: unknown,
  token: string,
  type: 'query' | 'mutation' = 'mutation',
): Promise<Observed> {
  const res = await callTrpc(url, path, input, { type, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, code: res.body?.error?.data?.code ?? null, message: res.body?.error?.message ?? null };
}

/** Opens a subscription over a raw tRPC WebSocket; resolves with its error, or 'started'. */
export async function observeSubscription(url: string, path: string, input: unknown, token: string): Promise<Observed | 'started'> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
  try {
    return await new Promise<Observed | 'started'>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${path}`)), 15_000);
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
        ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path, input } }));
      });
      ws.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.id !== 1) return;
        // tRPC v11 sends "started" before the procedure runs; an error follows as its own frame,
        // so wait a little for it before calling the subscription open.
        if (message.error) {
          clearTimeout(timer);
          resolve({ status: message.error.data?.httpStatus ?? 0, code: message.error.data?.code ?? null, message: message.error.message ?? null });
        } else if (message.result?.type === 'started') {
          setTimeout(() => {
            clearTimeout(timer);
            resolve('started');
          }, 500);
        } else if (message.result?.type === 'data') {
          clearTimeout(timer);
          resolve('started');
        }
      });
    });
  } finally {
    ws.close();
  }
}

/** An id of the same shape as the server's (120 bits, base32) that names nothing. */
export const randomId = () => generateId();

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Heap in use after full collections (the flag is set at run time, so vitest workers need no option). */
export async function settledHeapBytes(): Promise<number> {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

/** Streams `frames` frames of 100 ms of 16 kHz mono PCM over /ws/record and stops; resolves with the acks. */
export async function recordLive(url: string, token: string, frames: number): Promise<{ recordingId: string; acked: number; finished: Record<string, unknown> }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/record`);
  const inbox: Record<string, unknown>[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (data, binary) => {
    if (!binary) inbox.push(JSON.parse(String(data)));
    wake?.();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => (resolve(code), wake?.())));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const next = async (status: string) => {
    for (let i = 0; i < 600; i++) {
      const found = inbox.find((m) => m.status === status);
      if (found) return found;
      if (ws.readyState === WebSocket.CLOSED) throw new Error(`closed (${await closed}) waiting for ${status}`);
      await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, 100)));
    }
    throw new Error(`no ${status}`);
  };
  ws.send(JSON.stringify({ token }));
  await next('authenticated');
  ws.send(JSON.stringify({ name: 'load test', format: 'pcm_s16le_16000_mono' }));
  const started = await next('recording_started');
  for (let seq = 0; seq < frames; seq++) {
    const frame = Buffer.alloc(4 + 3200);
    frame.writeUInt32BE(seq, 0);
    for (let i = 0; i < 1600; i++) frame.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * (seq * 1600 + i)) / 16000)), 4 + i * 2);
    ws.send(frame);
    await sleep(20);
  }
  ws.send(JSON.stringify({ type: 'stop' }));
  const finished = await next('recording_finished');
  const acked = inbox.filter((m) => m.status === 'ack').length;
  ws.close();
  return { recordingId: String(started.recording_id), acked, finished };
}
