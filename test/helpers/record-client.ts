// A minimal /ws/record client for tests and benchmarks, speaking DESIGN.md's protocol as a
// recorder would: token, metadata or resume, seq-numbered frames, acks, stop.
import { WebSocket } from 'ws';

export type RecordMessage = { status?: string; [key: string]: unknown };

export class RecordClient {
  readonly messages: RecordMessage[] = [];
  readonly acked = new Set<number>();
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(String(data)) as RecordMessage;
      if (message.status === 'ack') this.acked.add(Number(message.seq));
      else this.messages.push(message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.closed.then(() => {
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on('error', () => {});
  }

  static connect(baseUrl: string, options: { protocols?: string[] } = {}): Promise<RecordClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/record`, options.protocols ?? []);
    const client = new RecordClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  sendJson(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  sendFrame(seq: number, payload: Buffer): void {
    const frame = Buffer.allocUnsafe(4 + payload.length);
    frame.writeUInt32BE(seq, 0);
    payload.copy(frame, 4);
    this.ws.send(frame);
  }

  /** Waits for a condition on the received messages (or the close); throws after timeoutMs. */
  async until<T>(check: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(1000, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  next(status: string, timeoutMs?: number): Promise<RecordMessage> {
    return this.until(() => this.messages.find((m) => m.status === status), `"${status}"`, timeoutMs);
  }

  async authenticate(token: string): Promise<void> {
    this.sendJson({ token });
    await this.next('authenticated');
  }

  async start(meta: Record<string, unknown>): Promise<{ recordingId: string; nextSeq: number; filename: string }> {
    this.sendJson(meta);
    const started = await this.next('recording_started');
    return { recordingId: String(started.recording_id), nextSeq: Number(started.next_seq), filename: String(started.filename) };
  }

  /** Sends frames [fromSeq, toSeq) of pcm cut into frameBytes and waits until all are acknowledged. */
  async stream(pcm: Buffer, options: { frameBytes: number; fromSeq: number; toSeq?: number }): Promise<void> {
    const total = Math.ceil(pcm.length / options.frameBytes);
    const end = Math.min(options.toSeq ?? total, total);
    for (let seq = options.fromSeq; seq < end; seq++) {
      this.sendFrame(seq, pcm.subarray(seq * options.frameBytes, (seq + 1) * options.frameBytes));
    }
    await this.until(() => this.acked.has(end - 1) || end <= options.fromSeq, `ack of ${end - 1}`, 60_000);
  }

  async stop(): Promise<RecordMessage> {
    this.sendJson({ type: 'stop' });
    return this.next('recording_finished', 60_000);
  }

  close(): void {
    this.ws.close();
  }

  /** Drops the TCP connection without a close frame, as a network failure would. */
  kill(): void {
    this.ws.terminate();
  }
}
