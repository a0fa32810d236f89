// The event bus: publish/subscribe by channel, in-process or across instances.
// Room events, session revocations and recording progress travel on it.

export type BusHandler = (payload: unknown) => void;

export interface EventBus {
  /** Delivers payload (JSON-serializable) to every subscriber of channel on every instance. */
  publish(channel: string, payload: unknown): Promise<void>;
  /** Subscribes on this instance; returns the unsubscribe function. */
  subscribe(channel: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

/** Channel registry shared by the implementations: local fan-out to the handlers of one channel. */
export class LocalChannels {
  private readonly channels = new Map<string, Set<BusHandler>>();

  constructor(private readonly onHandlerError: (error: unknown, channel: string) => void) {}

  subscribe(channel: string, handler: BusHandler): () => void {
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(handler);
    return () => {
      const current = this.channels.get(channel);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) this.channels.delete(channel);
    };
  }

  deliver(channel: string, payload: unknown): void {
    const set = this.channels.get(channel);
    if (!set) return;
    for (const handler of set) {
      try {
        handler(payload);
      } catch (error) {
        this.onHandlerError(error, channel);
      }
    }
  }

  clear(): void {
    this.channels.clear();
  }
}
