import { describe, expect, it } from 'vitest';
import { RoomPresence, RoomPresenceProtocol } from './presence';

describe('room presence across instances', () => {
  it('says online once when the first instance counts a user, offline when the last one stops', () => {
    const presence = new RoomPresence();
    expect(presence.mark('i1', 'u', 'Ann', 0)).toEqual({ userId: 'u', displayName: 'Ann', status: 'online' });
    expect(presence.mark('i2', 'u', 'Ann', 0)).toBeNull();
    expect(presence.unmark('i1', 'u')).toBeNull();
    expect(presence.unmark('i2', 'u')).toEqual({ userId: 'u', displayName: 'Ann', status: 'offline' });
    expect(presence.unmark('i2', 'u')).toBeNull();
  });

  it('takes a heartbeat as the full list of an instance: missing users go offline', () => {
    const presence = new RoomPresence();
    presence.mark('i1', 'a', 'A', 0);
    presence.mark('i1', 'b', 'B', 0);
    expect(presence.heartbeat('i1', [['b', 'B'], ['c', 'C']], 1)).toEqual([
      { userId: 'a', displayName: 'A', status: 'offline' },
      { userId: 'c', displayName: 'C', status: 'online' },
    ]);
  });

  it('forgets an instance not heard from since the cutoff (crashed), but never itself', () => {
    const presence = new RoomPresence();
    presence.mark('dead', 'a', 'A', 0);
    presence.mark('self', 'b', 'B', 0);
    expect(presence.sweep(10, 'self')).toEqual([{ userId: 'a', displayName: 'A', status: 'offline' }]);
    expect(presence.isOnline('b')).toBe(true);
  });
});

describe('the presence protocol of one room on one instance', () => {
  it('publishes "on" at a user’s first subscription here and "off" at their last', () => {
    const protocol = new RoomPresenceProtocol('me');
    expect(protocol.join('a', 'A')).toEqual({ t: 'on', i: 'me', u: 'a', n: 'A' });
    expect(protocol.join('a', 'A')).toBeNull();
    expect(protocol.leave('a')).toBeNull();
    expect(protocol.leave('a')).toEqual({ t: 'off', i: 'me', u: 'a' });
    expect(protocol.leave('a')).toBeNull();
  });

  it('answers another instance’s sync with its heartbeat, and its own with nothing', () => {
    const protocol = new RoomPresenceProtocol('me');
    protocol.join('a', 'A');
    expect(protocol.receive({ t: 'sync', i: 'other' }, 0)).toEqual({ changes: [], reply: { t: 'hb', i: 'me', l: [['a', 'A']] } });
    expect(protocol.receive(protocol.sync(), 0)).toEqual({ changes: [], reply: null });
  });

  it('turns what instances publish into online and offline changes', () => {
    const protocol = new RoomPresenceProtocol('me');
    expect(protocol.receive({ t: 'on', i: 'other', u: 'b', n: 'B' }, 0).changes).toEqual([{ userId: 'b', displayName: 'B', status: 'online' }]);
    expect(protocol.receive({ t: 'hb', i: 'other', l: [] }, 1).changes).toEqual([{ userId: 'b', displayName: 'B', status: 'offline' }]);
    protocol.receive({ t: 'on', i: 'gone', u: 'c', n: 'C' }, 0);
    expect(protocol.sweep(10)).toEqual([{ userId: 'c', displayName: 'C', status: 'offline' }]);
  });
});
