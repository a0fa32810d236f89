// Per-connection message rate limit on the /trpc WebSocket: a token bucket (a burst, then a steady
// rate). A client that keeps sending past it is closed with 1008 (policy violation); the size of
// one message is capped separately by the WebSocket server's maxPayload (close 1009).
import type { WebSocket } from 'ws';
import { closeCodes } from '../errors';

export const CLOSE_POLICY_VIOLATION = closeCodes.POLICY_VIOLATION;
const BURST = 200;
const PER_SECOND = 50;

export type MessageRate = { burst: number; perSecond: number };
/** The limit of both tRPC WebSocket handlers (the lean one keeps its bucket in its connection object). */
export const TRPC_MESSAGE_RATE: MessageRate = { burst: BURST, perSecond: PER_SECOND };

export function limitMessageRate(socket: WebSocket, burst = BURST, perSecond = PER_SECOND): void {
  let tokens = burst;
  let last = Date.now();
  socket.on('message', () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (--tokens < 0 && socket.readyState === socket.OPEN) socket.close(CLOSE_POLICY_VIOLATION, 'Too many messages');
  });
}
