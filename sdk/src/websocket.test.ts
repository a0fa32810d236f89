import { describe, expect, it } from 'vitest';
import { deferredWebSocketClass, loadWebSocket, toWebSocketUrl } from './websocket';

describe('WebSocket lookup', () => {
  it('turns http(s) base URLs into ws(s) URLs with the path', () => {
    expect(toWebSocketUrl('http://localhost:3000/', '/trpc')).toBe('ws://localhost:3000/trpc');
    expect(toWebSocketUrl('https://chat.example.com/base', '/ws/record')).toBe('wss://chat.example.com/base/ws/record');
  });

  it('uses the class it is given, else finds one (the runtime own, or ws on Node 20)', async () => {
    class Given {}
    expect(await loadWebSocket(Given as never)).toBe(Given);
    const found = await loadWebSocket();
    expect(typeof found).toBe('function');
    const deferred = deferredWebSocketClass();
    await deferred.ready();
    expect(typeof deferred.WebSocket).toBe('function');
  });
});
