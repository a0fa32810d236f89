// The production log destination: lines logged during one event-loop turn are written to the file
// descriptor together, in one write at the end of the turn, instead of one write system call per
// line (under load, that write was a tenth of a request's CPU). Nothing waits in a thread or in
// the kernel's hands: unwritten lines live only in this buffer, and it is written synchronously
// when the process exits (process.exit, SIGTERM/SIGINT through main.ts's handlers, an uncaught
// exception), and at once for an error or fatal line, so a crash loses no line logged before it.
// Only a SIGKILL or a native abort can lose the lines of the current turn.
import fs from 'node:fs';

/** pino writes each line as one JSON string; error (50) and fatal (60) are written at once. */
const URGENT = /^\{"level":[56]\d,/;
const RETRY_SLEEP = new Int32Array(new SharedArrayBuffer(4));

export class TurnBufferedDestination {
  private pending: string[] = [];
  private readonly flushNow = () => this.flushSync();

  constructor(private readonly fd: number) {
    open.add(this);
  }

  /** pino's destination interface: one serialized line (ending in a newline). */
  write(line: string): boolean {
    this.pending.push(line);
    if (URGENT.test(line)) this.flushSync();
    else if (this.pending.length === 1) setImmediate(this.flushNow);
    return true;
  }

  /** pino's logger.flush(): written at once, then the callback. */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  /** Writes every buffered line now (partial writes and a full pipe are retried until done). */
  flushSync(): void {
    if (!this.pending.length) return;
    const data = Buffer.from(this.pending.join(''));
    this.pending = [];
    let offset = 0;
    while (offset < data.length) {
      try {
        offset += fs.writeSync(this.fd, data, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // stdout may be a non-blocking pipe: a slow reader is waited for (as pino's synchronous
        // default destination does); a reader that went away (EPIPE) takes the lines with it.
        if (code !== 'EAGAIN' && code !== 'EBUSY') return;
        Atomics.wait(RETRY_SLEEP, 0, 0, 1);
      }
    }
  }
}

const open = new Set<TurnBufferedDestination>();
process.on('exit', () => {
  for (const destination of open) destination.flushSync();
});
