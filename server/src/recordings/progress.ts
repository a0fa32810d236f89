// Recording progress on the bus (channel per recording), so a watcher on any instance sees the
// progress of a recording written on another, then its end.
import type { EventBus } from '../bus/bus';

export type RecordingEvent =
  | { type: 'progress'; id: string; durationMs: number; bytes: number; nextSeq: number }
  | { type: 'finished'; id: string; durationMs: number; bytes: number }
  | { type: 'failed'; id: string; error: string }
  | { type: 'deleted'; id: string };

/** Progress is published at most this often per recording: NOTIFY traffic stays small with 100s of streams. */
export const PROGRESS_INTERVAL_MS = 1000;

export function recordingChannel(id: string): string {
  return `recording.${id}`;
}

export function publishRecordingEvent(bus: EventBus, event: RecordingEvent): Promise<void> {
  return bus.publish(recordingChannel(event.id), event);
}

/**
 * The events of one recording, ending after finished/failed/deleted or on abort. Subscribes at
 * once (before the caller reads the current state), so nothing published in between is missed.
 */
export function watchRecordingEvents(bus: EventBus, id: string, signal: AbortSignal | undefined): AsyncGenerator<RecordingEvent> {
  const queue: RecordingEvent[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = bus.subscribe(recordingChannel(id), (payload) => {
    queue.push(payload as RecordingEvent);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  return drain(queue, (w) => (wake = w), signal, () => {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  });
}

async function* drain(
  queue: RecordingEvent[],
  setWake: (wake: (() => void) | null) => void,
  signal: AbortSignal | undefined,
  cleanup: () => void,
): AsyncGenerator<RecordingEvent> {
  try {
    while (!signal?.aborted) {
      const event = queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => setWake(resolve));
        setWake(null);
        continue;
      }
      yield event;
      if (event.type !== 'progress') return;
    }
  } finally {
    cleanup();
  }
}
