// Room events serialized once per room event, however many subscribers receive them.
// A RoomFrame holds the finished JSON of the tRPC result; roomFrameEncoder (the WebSocket encoder)
// splices it into each subscriber's reply with two string concatenations instead of a
// JSON.stringify per subscriber. Anything else is encoded as tRPC's JSON encoder does.
import type { RoomMessage } from './schema';

export type TypingEvent = { type: 'typing'; roomId: string; userId: string; displayName: string; state: 'start' | 'stop' };
export type PresenceEvent = { type: 'presence'; roomId: string; userId: string; displayName: string; status: 'online' | 'offline' };
export type MessageEvent = { type: 'message' } & RoomMessage;
export type RoomEvent = MessageEvent | TypingEvent | PresenceEvent;

export class RoomFrame {
  /** `"result":{...}` of the reply, with both the tracked id and the event inside. */
  readonly result: string;
  /** The whole WebSocket frame per reply prefix: built once, written to every subscriber that shares it. */
  private wire: Map<string, Buffer> | null = null;

  constructor(
    /** The tracked() event id: "<messageId>" or "<lastMessageId>:<n>" for typing and presence. */
    readonly id: string,
    readonly event: RoomEvent,
    /** Set on message frames: subscribers skip ones they already got from the replay. */
    readonly messageId: number | null,
  ) {
    const idJson = JSON.stringify(id);
    this.result = `{"type":"data","id":${idJson},"data":{"id":${idJson},"data":${JSON.stringify(event)}}}`;
  }

  /** The reply text for one subscription. */
  textFor(replyPrefix: string): string {
    return `${replyPrefix}${this.result}}`;
  }

  /**
   * The reply as a finished WebSocket text frame (header + payload in one buffer). Clients number
   * their subscriptions from 1, so most subscribers of a room share a prefix and so one buffer.
   */
  wireFor(replyPrefix: string): Buffer {
    this.wire ??= new Map();
    let buffer = this.wire.get(replyPrefix);
    if (!buffer) this.wire.set(replyPrefix, (buffer = frameText(this.textFor(replyPrefix))));
    return buffer;
  }

  /** Other transports (SSE, JSON.stringify) see the plain event. */
  toJSON(): RoomEvent {
    return this.event;
  }
}

/** An unmasked, final, uncompressed text frame (RFC 6455 §5.2), as a server sends it. */
export function frameText(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

export function messageFrame(message: RoomMessage): RoomFrame {
  return new RoomFrame(String(message.id), { type: 'message', ...message }, message.id);
}

/** "<messageId>" or "<messageId>:<n>" → the message id it says was received last. */
export function messageIdOfEventId(eventId: string): number {
  return Number(eventId.split(':')[0]);
}

/**
 * A frame on its way through tRPC to one subscriber. The encoder learns from it the JSON-RPC id of
 * that subscription and hands the subscriber its reply prefix; from then on the hub writes frames
 * to the socket directly (prefix + prepared JSON), skipping tRPC's per-event iterator machinery.
 */
export class AddressedFrame {
  constructor(
    readonly frame: RoomFrame,
    readonly onAddressed: (replyPrefix: string) => void,
  ) {}

  toJSON(): RoomEvent {
    return this.frame.event;
  }
}

type Reply = { id?: unknown; jsonrpc?: unknown; result?: { type?: string; data?: { data?: unknown } } };

/** What JSON.stringify writes before the result of a reply { id, jsonrpc?, result }. */
const replyPrefix = (id: unknown, jsonrpc: unknown) => `{"id":${JSON.stringify(id ?? null)},${jsonrpc === '2.0' ? '"jsonrpc":"2.0",' : ''}"result":`;

export const roomFrameEncoder = {
  replyPrefix,
  encode(message: unknown): string {
    const reply = message as Reply;
    const data = reply?.result?.type === 'data' ? reply.result.data?.data : undefined;
    if (data instanceof RoomFrame || data instanceof AddressedFrame) {
      const prefix = replyPrefix(reply.id, reply.jsonrpc);
      if (data instanceof AddressedFrame) {
        data.onAddressed(prefix);
        return data.frame.textFor(prefix);
      }
      return data.textFor(prefix);
    }
    return JSON.stringify(message);
  },
  decode(data: string | Buffer): unknown {
    if (typeof data !== 'string') throw new Error('Binary frames are not accepted here; send JSON text');
    return JSON.parse(data);
  },
};
