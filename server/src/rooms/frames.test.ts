import { describe, expect, it } from 'vitest';
import { AddressedFrame, messageFrame, messageIdOfEventId, roomFrameEncoder } from './frames';

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

  it('encodes every other reply with JSON.stringify', () => {
    expect(roomFrameEncoder.encode({ id: 1, result: { type: 'started' } })).toBe('{"id":1,"result":{"type":"started"}}');
  });

  it('reads the message id out of message and typing/presence event ids', () => {
    expect(messageIdOfEventId('42')).toBe(42);
    expect(messageIdOfEventId('42:1z')).toBe(42);
  });
});
