import { describe, expect, it } from 'vitest';
import * as ws from 'ws';

// ws's own framer (exported at runtime, not in its type declarations).
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
import { AddressedFrame, frameText, messageFrame, messageIdOfEventId, roomFrameEncoder } from './frames';

const message = { id: 7, roomId: 'r', senderId: 'u', senderName: 'Ann "A"', body: 'hé\n"quoted"', clientMessageId: null, createdAt: '2026-01-01T00:00:00.000Z' };

describe('room frames', () => {
  it('encodes a frame exactly as tRPC would encode the same tracked event', () => {
    const frame = messageFrame(message);
    const reply = { id: 3, jsonrpc: '2.0', result: { type: 'data', id: '7', data: { id: '7', data: frame } } };
    expect(JSON.parse(roomFrameEncoder.encode(reply))).toEqual(JSON.parse(JSON.stringify(reply)));
    expect(JSON.parse(JSON.stringify(reply)).result.data.data).toEqual({ type: 'message', ...message });
  });

  it('tells an addressed frame the reply prefix of its subscription', () => {
    let prefix = '';
    const frame = new AddressedFrame(messageFrame(message), (p) => (prefix = p));
    const encoded = roomFrameEncoder.encode({ id: 'sub-1', result: { type: 'data', id: '7', data: { id: '7', data: frame } } });
    expect(prefix).toBe('{"id":"sub-1","result":');
    expect(encoded).toBe(`${prefix}${messageFrame(message).result}}`);
  });

  it('tells the transport the prefix of a subscription\'s replies, as its encoding of them starts', () => {
    for (const [id, jsonrpc] of [[1, undefined], ['sub "1"', '2.0']] as const) {
      const reply = { id, jsonrpc, result: { type: 'data', id: '7', data: { id: '7', data: messageFrame(message) } } };
      expect(roomFrameEncoder.encode(reply)).toBe(`${roomFrameEncoder.replyPrefix(id, jsonrpc)}${messageFrame(message).result}}`);
      expect(roomFrameEncoder.encode(reply)).toBe(JSON.stringify(reply));
    }
  });

  it('encodes every other reply with JSON.stringify', () => {
    expect(roomFrameEncoder.encode({ id: 1, result: { type: 'started' } })).toBe('{"id":1,"result":{"type":"started"}}');
  });

  it('reads the message id out of message and typing/presence event ids', () => {
    expect(messageIdOfEventId('42')).toBe(42);
    expect(messageIdOfEventId('42:1z')).toBe(42);
  });

  it('builds the same WebSocket text frame as ws does, for each length encoding', () => {
    for (const text of ['', 'hé', 'x'.repeat(125), 'x'.repeat(126), 'é'.repeat(40_000), 'y'.repeat(70_000)]) {
      const expected = Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));
      expect(frameText(text).equals(expected)).toBe(true);
    }
  });

  it('builds the wire frame of a reply once per prefix', () => {
    const frame = messageFrame(message);
    const a = frame.wireFor('{"id":1,"result":');
    expect(frame.wireFor('{"id":1,"result":')).toBe(a);
    expect(a.subarray(a.length - Buffer.byteLength(frame.textFor('{"id":1,"result":'))).toString()).toBe(frame.textFor('{"id":1,"result":'));
    expect(frame.wireFor('{"id":2,"result":')).not.toBe(a);
  });
});
