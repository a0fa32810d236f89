// Encoder threads for every audio decode and encode of the server (live recordings of any format,
// uploads): libopus is synchronous and costs ~1/60 of real time per stream — more for a stream
// that claims much audio in few bytes — so on the main thread it delayed every other socket and
// request. A few worker threads (one per core by default) each hold the encoders of the
// recordings and uploads given to them; a batch goes over as transferred buffers and comes back
// as Ogg pages with the state to journal. Threads start on first use. A thread that dies fails the
// recordings it held (their sockets close with an error; clients resume from the journal) and is
// replaced for new ones; the server and the other threads carry on.
import { Worker } from 'node:worker_threads';
import { bundled } from '../../bundled';
import type { Logger } from 'pino';
import { AppError, type ErrorKey } from '../../errors';
import type { FileContainer } from '../audio/file-transcoder';
import type { AudioLimits } from '../audio/limits';
import type { AsyncFileTranscoder } from '../audio/pipeline';
import type { EncoderCall, EncoderReply } from './encoder-worker';
import type { BatchEncoder, BatchResult } from './batch';
import type { ResumeState } from './encoding';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Thread = { worker: Worker; pending: Map<number, Pending>; sessions: number; dead: boolean };
type OpenedSession = { thread: Thread; session: number; end: () => boolean };
type Call = EncoderCall extends infer C ? (C extends EncoderCall ? Omit<C, 'call'> : never) : never;

// From the sources a thread needs tsx registered first; the build has the thread's module beside main.mjs.
const ENTRY = bundled ? new URL('./encoder-worker.mjs', import.meta.url) : new URL('./encoder-worker-entry.mjs', import.meta.url);

/** A copy in its own ArrayBuffer: a ws payload is a view into a larger read buffer. */
function own(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

export class EncoderPool {
  private readonly threads: (Thread | null)[];
  private nextCall = 1;
  private nextSession = 1;
  private closed = false;

  constructor(
    size: number,
    private readonly logger: Logger,
  ) {
    this.threads = new Array<Thread | null>(Math.max(1, size)).fill(null);
  }

  /** An encoder for one live recording, on the thread holding the fewest. */
  async open(format: string, state: ResumeState | null, limits?: AudioLimits): Promise<BatchEncoder> {
    const opened = await this.openSession((session) => ({ op: 'open', session, format, state, ...(limits ? { limits } : {}) }));
    return {
      encode: (payloads) => {
        const copies = payloads.map(own);
        return this.call(opened.thread, { op: 'encode', session: opened.session, payloads: copies }, copies.map((c) => c.buffer as ArrayBuffer)) as Promise<BatchResult>;
      },
      ...this.ending(opened),
    };
  }

  /** A transcoder for one uploaded file (whose container was sniffed), on the thread holding the fewest. */
  readonly openFile = async (container: FileContainer, limits?: AudioLimits): Promise<AsyncFileTranscoder> => {
    const opened = await this.openSession((session) => ({ op: 'openFile', session, container, ...(limits ? { limits } : {}) }));
    return {
      push: (chunk) => {
        const copy = own(chunk);
        return this.call(opened.thread, { op: 'encode', session: opened.session, payloads: [copy] }, [copy.buffer as ArrayBuffer]) as Promise<Uint8Array>;
      },
      ...this.ending(opened),
    };
  };

  /** finish (the last pages) and close (give up) of a session, either kind. */
  private ending({ thread, session, end }: OpenedSession) {
    return {
      finish: async () => {
        try {
          return (await this.call(thread, { op: 'finish', session })) as { bytes: Uint8Array; durationMs: number };
        } finally {
          end();
        }
      },
      close: () => {
        if (end() && !thread.dead) this.call(thread, { op: 'close', session }).catch(() => {});
      },
    };
  }

  private async openSession(message: (session: number) => Call): Promise<OpenedSession> {
    const thread = this.pick();
    const session = this.nextSession++;
    // Counted before the thread answers: recordings that open together must spread over the threads
    // (counted after, a burst of opens all saw the same counts and landed on one thread).
    thread.sessions++;
    try {
      await this.call(thread, message(session));
    } catch (error) {
      thread.sessions--;
      throw error;
    }
    let open = true;
    const end = () => {
      if (!open) return false;
      open = false;
      thread.sessions--;
      return true;
    };
    return { thread, session, end };
  }

  /** Recordings held by each thread (null: not started), e.g. [50, 50]. */
  load(): (number | null)[] {
    return this.threads.map((thread) => (thread && !thread.dead ? thread.sessions : null));
  }

  /** Tests: makes every running thread crash, as a fault in native code would. */
  crashThreads(): void {
    for (const thread of this.threads) if (thread && !thread.dead) void this.call(thread, { op: 'crash', session: 0 }).catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread?.worker.terminate()));
  }

  private pick(): Thread {
    if (this.closed) throw new Error('The encoder threads are shut down');
    let best = -1;
    for (let i = 0; i < this.threads.length; i++) {
      const thread = this.threads[i];
      if (!thread || thread.dead) {
        this.threads[i] = this.spawn(i);
        return this.threads[i]!;
      }
      if (best < 0 || thread.sessions < this.threads[best]!.sessions) best = i;
    }
    return this.threads[best]!;
  }

  private spawn(index: number): Thread {
    // execArgv [] : the entry registers tsx itself; inheriting --import tsx would register it twice.
    const worker = new Worker(ENTRY, { execArgv: [], name: `parley-encoder-${index}` });
    const thread: Thread = { worker, pending: new Map(), sessions: 0, dead: false };
    worker.unref(); // idle threads never keep the process alive; close() ends them
    worker.on('message', (reply: EncoderReply) => {
      const pending = thread.pending.get(reply.call);
      if (!pending) return;
      thread.pending.delete(reply.call);
      if (reply.error !== undefined) pending.reject(reply.key ? new AppError(reply.key as ErrorKey, { message: reply.error }) : new Error(reply.error));
      else pending.resolve(reply.result);
    });
    worker.on('error', (error) => this.logger.error({ err: error }, 'an encoder thread failed'));
    worker.on('exit', (code) => {
      thread.dead = true;
      if (this.threads[index] === thread) this.threads[index] = null;
      if (!this.closed) this.logger.error({ code, recordings: thread.sessions }, 'an encoder thread stopped; its recordings fail and can be resumed');
      const error = new Error('The audio encoder stopped');
      for (const pending of thread.pending.values()) pending.reject(error);
      thread.pending.clear();
    });
    return thread;
  }

  private call(thread: Thread, message: Call, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (thread.dead) return Promise.reject(new Error('The audio encoder stopped'));
    const call = this.nextCall++;
    return new Promise((resolve, reject) => {
      thread.pending.set(call, { resolve, reject });
      thread.worker.postMessage({ ...message, call }, transfer);
    });
  }
}
