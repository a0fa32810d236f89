// Sends a short text message as one buffer, one write(2), where ws writes a server frame as two
// (header, payload) corked into a writev: in the connections bench's profile the `started` reply's
// writev was the largest single cost of a new subscribed WebSocket (~0.23 ms per connection against
// ~0.11 ms for the upgrade response's plain write). The bytes on the wire are the same frame ws
// builds: FIN + text opcode, unmasked (server to client), 7-bit or 16-bit length.
// Falls back to ws's send whenever ws itself may have something queued (compression, a Blob being
// read) or its internals are not what this was written against, so order is never changed. Written
// against ws 8.23.0, pinned in server/package.json; the byte-for-byte tests in test/trpc-ws.test.ts guard upgrades.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

const MAX_ONE_WRITE_BYTES = 0xffff;
/** ws Sender's DEFAULT state (nothing being deflated or read). */
const SENDER_IDLE = 0;

type WsInternals = { _socket?: Socket; _sender?: { _state?: number; _queue?: unknown[] } };

export function sendText(socket: WebSocket, text: string): void {
  const { _socket: raw, _sender: sender } = socket as unknown as WsInternals;
  const length = text.length <= MAX_ONE_WRITE_BYTES ? Buffer.byteLength(text) : MAX_ONE_WRITE_BYTES + 1;
  if (!raw || !sender || sender._state !== SENDER_IDLE || sender._queue?.length !== 0 || length > MAX_ONE_WRITE_BYTES) {
    socket.send(text);
    return;
  }
  const header = length < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) frame[1] = length;
  else {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  }
  frame.write(text, header, 'utf8');
  raw.write(frame);
}
