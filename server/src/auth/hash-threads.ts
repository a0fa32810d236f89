// Password hashes on threads of their own (PASSWORD_HASH_THREADS: one per core, at most 4, by
// default; one pool per server, deps.passwords, closed with it). Argon2id at the production profile is
// ≈ 25 ms of CPU and 19 MiB of memory per hash. Through @node-rs/argon2's async API each hash would
// take one of libuv's four threads (which also serve file-system, DNS and zlib work: recording
// files, mail), set its memory up on the main thread first (≈ 0.3–0.5 ms of event-loop time per
// hash), and leave its thread idle until the main thread hands it the next one. Here each thread
// runs the synchronous API and always has the next job already waiting in its queue (two sent per
// thread), so a login burst keeps every core hashing and nothing else waits behind it.
// Threads start on first use and never keep the process alive while idle. A thread that dies fails
// the job it was running; the job queued behind it goes back to the queue and runs elsewhere.
import { Worker } from 'node:worker_threads';

export type HashOptions = { algorithm: number; memoryCost: number; timeCost: number; parallelism: number };
type Job =
  | { op: 'hash'; password: string; options: HashOptions }
  | { op: 'verify'; hash: string; password: string }
  | { op: 'crash' };
type Task = { job: Job; resolve: (value: unknown) => void; reject: (error: Error) => void };
type Thread = { worker: Worker; sent: Task[]; answered: boolean; failure?: Error };
type Reply = { result: unknown; error?: undefined } | { error: string };

/** The thread itself failed (not the hash): the job's outcome is unknown, not "wrong password". */
export class HashThreadError extends Error {}

const ENTRY = new URL('./hash-worker.mjs', import.meta.url);
/** Jobs handed to a thread at once: the one it runs and the one it starts next. */
const SENT_PER_THREAD = 2;

export class HashThreads {
  private readonly threads: (Thread | null)[];
  private readonly waiting: Task[] = [];
  private closed = false;

  constructor(size: number) {
    this.threads = new Array<Thread | null>(Math.max(1, size)).fill(null);
  }

  hash(password: string, options: HashOptions): Promise<string> {
    return this.run({ op: 'hash', password, options }) as Promise<string>;
  }

  /** Rejects when the stored hash cannot be read (not a PHC string). */
  verify(hash: string, password: string): Promise<boolean> {
    return this.run({ op: 'verify', hash, password }) as Promise<boolean>;
  }

  /** Jobs waiting for room on a thread (beyond the two handed to each). */
  waitingCount(): number {
    return this.waiting.length;
  }

  /** Jobs handed to each thread (null: not started), e.g. [2, 2] during a burst. */
  load(): (number | null)[] {
    return this.threads.map((thread) => thread?.sent.length ?? null);
  }

  /** Tests: every running thread dies after the jobs already handed to it, as a fault in native code would end it. */
  crashThreads(): void {
    for (const thread of this.threads) if (thread) this.send(thread, { job: { op: 'crash' }, resolve: () => {}, reject: () => {} });
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new HashThreadError('Password hashing is shut down');
    for (const task of this.waiting.splice(0)) task.reject(error);
    await Promise.all(this.threads.map((thread) => thread?.worker.terminate()));
  }

  private run(job: Job): Promise<unknown> {
    if (this.closed) return Promise.reject(new HashThreadError('Password hashing is shut down'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Hands waiting jobs to the threads with room, the least loaded first. */
  private dispatch(): void {
    while (this.waiting.length > 0) {
      let best = -1;
      for (let i = 0; i < this.threads.length; i++) {
        const sent = this.threads[i]?.sent.length ?? 0;
        if (sent < SENT_PER_THREAD && (best < 0 || sent < (this.threads[best]?.sent.length ?? 0))) best = i;
      }
      if (best < 0) return;
      const thread = (this.threads[best] ??= this.spawn(best));
      this.send(thread, this.waiting.shift()!);
    }
  }

  private send(thread: Thread, task: Task): void {
    if (thread.sent.push(task) === 1) thread.worker.ref(); // a job in flight keeps the process alive
    thread.worker.postMessage(task.job);
  }

  private spawn(index: number): Thread {
    const worker = new Worker(ENTRY, { execArgv: [], name: `parley-hash-${index}` });
    const thread: Thread = { worker, sent: [], answered: false };
    worker.unref();
    worker.on('message', (reply: Reply) => {
      thread.answered = true;
      const task = thread.sent.shift();
      if (thread.sent.length === 0) worker.unref();
      if (task) {
        if (reply.error !== undefined) task.reject(new Error(reply.error));
        else task.resolve(reply.result);
      }
      this.dispatch();
    });
    worker.on('error', (error) => (thread.failure = error)); // reported below, to the jobs it held
    worker.on('exit', (code) => {
      if (this.threads[index] === thread) this.threads[index] = null;
      const error = new HashThreadError(`The password hashing thread stopped (${thread.failure?.message ?? `exit code ${code}`})`);
      const [running, ...queued] = thread.sent.splice(0);
      running?.reject(error);
      const notStarted = queued.filter((task) => task.job.op !== 'crash');
      if (this.closed || !thread.answered) {
        // Shut down, or it never ran a job (it could not start): fail them all rather than start threads for ever.
        for (const task of [...notStarted, ...this.waiting.splice(0)]) task.reject(error);
        return;
      }
      // The jobs behind it never started: they run on the next thread with room.
      this.waiting.unshift(...notStarted);
      this.dispatch();
    });
    return thread;
  }
}
