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
