// The per-instance hub of room events. It follows each room that has local subscribers with ONE
// bus subscription (channel room:<id>), puts message events back into id order (filling a gap
// from the database: ids are given out in commit order, so when id n is visible all ids below are
// too), serializes each event once into a RoomFrame, and hands that same frame to every local
// subscriber. Presence (who is subscribed, on which instance) is presence.ts's protocol: the hub
// publishes what it says and fans out the changes it reports.
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../bus/bus';
import type { Database } from '../db/client';
import { AppError } from '../errors';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics';
import { messageFrame, RoomFrame } from './frames';
import { listMessagesBetween, readLastMessageId } from './messages';
import { type PresenceBusEvent, type PresenceChange, RoomPresenceProtocol } from './presence';
import type { RoomMessage } from './schema';
import { CLOSE_TOO_SLOW, RoomSubscriber, type SubscriberSocket, untilHeldFramesLeave } from './subscriber';

/** What travels on room:<id>. Short keys: every instance receives every room event. */
export type RoomBusEvent =
  | { t: 'm'; m: RoomMessage }
  | { t: 'typing'; u: string; n: string; s: 'start' | 'stop' }
  | { t: 'leave'; u: string }
  | PresenceBusEvent;

export const roomChannel = (roomId: string) => `room:${roomId}`;

export type HubLimits = {
  /** Frames waiting in one subscriber's queue before it is cut off. */
  maxQueuedFrames: number;
  /** Bytes unsent on a subscriber's socket before it is cut off. */
  maxBufferedBytes: number;
  maxSubscriptionsPerSocket: number;
  heartbeatMs: number;
};

export const DEFAULT_HUB_LIMITS: HubLimits = { maxQueuedFrames: 2000, maxBufferedBytes: 4 * 1024 * 1024, maxSubscriptionsPerSocket: 50, heartbeatMs: 20_000 };

type Channel = {
  roomId: string;
  subscribers: Set<RoomSubscriber>;
  presence: RoomPresenceProtocol;
  /** The last message id fanned out here; frames leave in id order with no gap. */
  lastId: number;
  ready: Promise<void>;
  inbox: RoomBusEvent[];
  draining: boolean;
  seq: number;
  unsubscribe: () => void;
};

type HubDeps = { db: Database; bus: EventBus; logger: Logger; metrics: Metrics };

export class RoomHub {
  readonly instanceId = randomUUID();
  private readonly channels = new Map<string, Channel>();
  private readonly perSocket = new WeakMap<SubscriberSocket, number>();
  private readonly heartbeat: NodeJS.Timeout;

  readonly limits: HubLimits;

  constructor(
    private readonly deps: HubDeps,
    limits: HubLimits = DEFAULT_HUB_LIMITS,
  ) {
    this.limits = { ...limits };
    this.heartbeat = setInterval(() => this.beat(), limits.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Registers a subscriber; resolves with the last message id it will NOT get live (replay up to it). */
  async attach(roomId: string, user: { id: string; displayName: string }, socket: SubscriberSocket | null): Promise<{ subscriber: RoomSubscriber; upTo: number }> {
    if (socket) {
      const open = this.perSocket.get(socket) ?? 0;
      if (open >= this.limits.maxSubscriptionsPerSocket) throw new AppError('TOO_MANY_SUBSCRIPTIONS');
      this.perSocket.set(socket, open + 1);
    }
    const subscriber = new RoomSubscriber(roomId, user.id, user.displayName, socket, this);
    const channel = this.channels.get(roomId) ?? this.openChannel(roomId);
    channel.subscribers.add(subscriber);
    const on = channel.presence.join(user.id, user.displayName);
    if (on) this.publish(roomId, on);
    try {
      await channel.ready;
    } catch (error) {
      this.detach(subscriber);
      throw error;
    }
    return { subscriber, upTo: channel.lastId };
  }

  detach(subscriber: RoomSubscriber): void {
    subscriber.end('done');
    const channel = this.channels.get(subscriber.roomId);
    if (!channel || !channel.subscribers.delete(subscriber)) return;
    if (subscriber.socket) this.perSocket.set(subscriber.socket, Math.max(0, (this.perSocket.get(subscriber.socket) ?? 1) - 1));
    const off = channel.presence.leave(subscriber.userId);
    if (off) this.publish(channel.roomId, off);
    if (channel.subscribers.size === 0) {
      channel.unsubscribe();
      this.channels.delete(channel.roomId);
      this.deps.metrics.roomsActive.set(this.channels.size);
    }
  }

  /** Never rejects: a failed publish is logged. Callers that don't need to wait may ignore the promise. */
  publish(roomId: string, event: RoomBusEvent): Promise<void> {
    return this.deps.bus.publish(roomChannel(roomId), event).catch((error) => this.deps.logger.warn({ err: error, roomId }, 'rooms: publishing an event failed'));
  }

  /** Publishes and resolves once this instance's subscribers have been handed the event. */
  async publishAndDeliver(roomId: string, event: RoomBusEvent): Promise<void> {
    await this.publish(roomId, event);
    await untilHeldFramesLeave();
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const channel of this.channels.values()) {
      channel.unsubscribe();
      for (const subscriber of channel.subscribers) subscriber.end('done');
    }
    this.channels.clear();
    this.deps.metrics.roomsActive.set(0);
  }

  private openChannel(roomId: string): Channel {
    const channel: Channel = {
      roomId,
      subscribers: new Set(),
      presence: new RoomPresenceProtocol(this.instanceId),
      lastId: 0,
      ready: Promise.resolve(),
      inbox: [],
      draining: true, // held until lastId is known
      seq: 0,
      unsubscribe: () => {},
    };
    this.channels.set(roomId, channel);
    this.deps.metrics.roomsActive.set(this.channels.size);
    // Subscribe first, then read the last id: an event is either at or below it (replayed from the
    // database) or arrives on the bus afterwards. Nothing falls between.
    channel.unsubscribe = this.deps.bus.subscribe(roomChannel(roomId), (payload) => {
      channel.inbox.push(payload as RoomBusEvent);
      void this.drain(channel);
    });
    channel.ready = readLastMessageId(this.deps.db, roomId).then(
      (lastId) => {
        channel.lastId = lastId;
        channel.draining = false;
        this.publish(roomId, channel.presence.sync());
        void this.drain(channel);
      },
      (error) => {
        channel.unsubscribe();
        if (this.channels.get(roomId) === channel) this.channels.delete(roomId);
        throw error;
      },
    );
    return channel;
  }

  /** Processes the inbox in order; synchronous unless a gap must be filled from the database. */
  private async drain(channel: Channel): Promise<void> {
    if (channel.draining) return;
    channel.draining = true;
    try {
      for (let event = channel.inbox.shift(); event; event = channel.inbox.shift()) {
        if (event.t === 'm') await this.onMessage(channel, event.m);
        else this.onEphemeral(channel, event);
      }
    } finally {
      channel.draining = false;
    }
  }

  private async onMessage(channel: Channel, message: RoomMessage): Promise<void> {
    if (message.id <= channel.lastId) return;
    if (message.id > channel.lastId + 1) {
      try {
        const missing = await listMessagesBetween(this.deps.db, channel.roomId, channel.lastId, message.id - 1, message.id - 1 - channel.lastId);
        for (const m of missing) if (m.id > channel.lastId) this.fanOut(channel, messageFrame(m), m.id, null);
      } catch (error) {
        // Can't prove the order: end every subscription here; clients resume with lastEventId.
        this.deps.logger.error({ err: error, roomId: channel.roomId }, 'rooms: filling a gap failed');
        for (const subscriber of channel.subscribers) subscriber.end(new AppError('DATABASE_UNAVAILABLE'));
      }
    }
    if (message.id <= channel.lastId) return;
    this.fanOut(channel, messageFrame(message), message.id, null);
    this.deps.metrics.fanoutLatency.observe(Math.max(0, Date.now() - Date.parse(message.createdAt)) / 1000);
  }

  private onEphemeral(channel: Channel, event: Exclude<RoomBusEvent, { t: 'm' }>): void {
    const now = Date.now();
    switch (event.t) {
      case 'typing': {
        const frame = this.ephemeralFrame(channel, { type: 'typing', roomId: channel.roomId, userId: event.u, displayName: event.n, state: event.s });
        return this.fanOut(channel, frame, null, event.u);
      }
      case 'leave':
        for (const subscriber of channel.subscribers) if (subscriber.userId === event.u) subscriber.end(new AppError('NOT_MEMBER'));
        return;
      default: {
        const { changes, reply } = channel.presence.receive(event, now);
        this.announce(channel, changes);
        if (reply) this.publish(channel.roomId, reply);
      }
    }
  }

  private announce(channel: Channel, changes: PresenceChange[]): void {
    for (const change of changes) {
      this.fanOut(channel, this.ephemeralFrame(channel, { type: 'presence', roomId: channel.roomId, ...change }), null, null);
    }
  }

  /** Typing and presence ids carry the last message id, so resuming from one replays correctly. */
  private ephemeralFrame(channel: Channel, event: ConstructorParameters<typeof RoomFrame>[1]): RoomFrame {
    return new RoomFrame(`${channel.lastId}:${(++channel.seq).toString(36)}`, event, null);
  }

  private fanOut(channel: Channel, frame: RoomFrame, messageId: number | null, exceptUserId: string | null): void {
    if (messageId !== null) channel.lastId = messageId;
    const { maxQueuedFrames, maxBufferedBytes } = this.limits;
    for (const subscriber of channel.subscribers) {
      if (subscriber.userId === exceptUserId) continue;
      const socket = subscriber.socket;
      if (subscriber.backlog >= maxQueuedFrames || (socket && socket.bufferedAmount > maxBufferedBytes)) {
        // Cut off rather than buffer without bound; the client reconnects and resumes.
        subscriber.end(new AppError('SUBSCRIBER_TOO_SLOW'));
        socket?.close(CLOSE_TOO_SLOW, 'Too slow; resume with lastEventId');
        continue;
      }
      subscriber.push(frame);
    }
  }

  private beat(): void {
    const cutoff = Date.now() - 3 * this.limits.heartbeatMs;
    for (const channel of this.channels.values()) {
      this.publish(channel.roomId, channel.presence.heartbeat());
      this.announce(channel, channel.presence.sweep(cutoff));
    }
  }
}
