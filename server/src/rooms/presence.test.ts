import { describe, expect, it } from 'vitest';
import { RoomPresence } from './presence';

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
