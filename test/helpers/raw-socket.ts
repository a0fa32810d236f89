// A WebSocket speaking tRPC's protocol by hand (the `ws` package): every frame the server sends is
// kept as text, so two servers' answers to one script can be compared byte for byte.
import { WebSocket } from 'ws';

export class RawSocket {
  readonly frames: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private seen = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(String(data)));
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  static open(url: string, query = ''): Promise<RawSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/trpc${query}`);
    const socket = new RawSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Sends data, waits for `count` new frames, then for a PONG (so nothing else is on its way), and returns them. */
  async exchange(data: string | Buffer, count: number): Promise<string[]> {
    const from = this.seen;
    this.send(data);
    await this.until(() => this.frames.length >= from + count, `${count} frame(s) after ${String(data).slice(0, 80)}`);
    const got = this.frames.slice(from, from + count);
    this.seen = from + count;
    await this.barrier();
    return got;
  }

  /** PING → PONG: everything the server answered synchronously before arrives first. Returns what did. */
  async barrier(): Promise<string[]> {
    const from = this.seen;
    this.send('PING');
    await this.until(() => this.frames.indexOf('PONG', from) >= 0, 'PONG');
    const pong = this.frames.indexOf('PONG', from);
    const extra = this.frames.slice(from, pong);
    this.seen = pong + 1;
    return extra;
  }

  async until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
    for (const deadline = Date.now() + ms; !check(); ) {
      if (this.closed && !check()) throw new Error(`socket closed (${this.closed.code}) while waiting for ${what}; got ${JSON.stringify(this.frames.slice(this.seen))}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(this.seen))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Frames grouped by request id in arrival order: replies to different ids may interleave differently. */
export function byRequestId(frames: string[]): string[] {
  const idOf = (frame: string) => {
    try {
      return JSON.stringify((JSON.parse(frame) as { id?: unknown }).id ?? null);
    } catch {
      return frame;
    }
  };
  return frames.map((frame, i) => ({ frame, i, id: idOf(frame) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.i - b.i)).map((f) => f.frame);
}
