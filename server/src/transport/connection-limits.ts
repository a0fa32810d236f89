// Per-connection limits on the /trpc WebSocket. A token bucket (a burst, then a steady rate) counted
// in calls, not messages: a message carrying an array of 500 calls spends 500 tokens, so batching
// buys no extra work. A client that keeps sending past it is closed with 1008 (policy violation);
// the size of one message is capped separately by the WebSocket server's maxPayload (close 1009).
// Replies wait in the socket's send buffer only up to a cap: a client that stops reading is first
// no longer read from (no new calls start), then closed with 1013 (fast-ws-calls.ts, fast-ws-connection.ts).
import type { WebSocket } from 'ws';
import { closeCodes } from '../errors';

export const CLOSE_POLICY_VIOLATION = closeCodes.POLICY_VIOLATION;
/** "Try again later": the code rooms already use for a subscriber that does not keep up. */
export const CLOSE_NOT_READING = closeCodes.TRY_AGAIN_LATER;
const BURST = 200;
const PER_SECOND = 50;

export type MessageRate = { burst: number; perSecond: number };
/** The limit of both tRPC WebSocket handlers (the lean one keeps its bucket in its connection object). */
export const TRPC_MESSAGE_RATE: MessageRate = { burst: BURST, perSecond: PER_SECOND };

/** Queries and mutations of one connection running at once; the rest wait their turn (in arrival order). */
export const CALLS_IN_FLIGHT_PER_CONNECTION = 4;

/** Calls in a tRPC WebSocket message without parsing the calls themselves: 1, or the array's length. */
export function countCalls(data: string | Buffer): number {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (text.trimStart()[0] !== '[') return 1;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? Math.max(1, parsed.length) : 1;
  } catch {
    return 1; // the adapter answers the parse error
  }
}

/** The stock adapter's path: a token bucket on every message, spending one token per call. */
export function limitMessageRate(socket: WebSocket, onCutOff: (reason: 'calls') => void, burst = BURST, perSecond = PER_SECOND): void {
  let tokens = burst;
  let last = Date.now();
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    tokens -= isBinary ? 1 : countCalls(data);
    if (tokens < 0 && socket.readyState === socket.OPEN) {
      socket.close(CLOSE_POLICY_VIOLATION, 'Too many calls');
      onCutOff('calls');
    }
  });
}

/**
 * The stock adapter's path: it sends without looking at what is buffered, so every send is checked
 * afterwards and a connection past the cap is closed with 1013 (its later replies are dropped).
 */
export function capBufferedBytes(socket: WebSocket, maxBufferedBytes: number, onCutOff: () => void): void {
  const send = socket.send;
  socket.send = function sendCapped(this: WebSocket, ...args: Parameters<WebSocket['send']>) {
    if (this.readyState !== this.OPEN) return;
    send.apply(this, args);
    if (this.bufferedAmount > maxBufferedBytes) {
      this.close(CLOSE_NOT_READING, 'Not reading; too much waiting to be sent');
      onCutOff();
    }
  } as WebSocket['send'];
}
