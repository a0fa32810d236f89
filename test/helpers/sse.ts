// Reads a text/event-stream over fetch, as an integrator's client would: events with their id,
// type and JSON data, comments counted, the connection cut at will (to test resuming).
export type ServerSentEvent = { id: string | null; event: string; data: any };

export type EventStreamReader = {
  status: number;
  headers: Headers;
  /** The next event (waits for it); null when the stream ended. */
  next(): Promise<ServerSentEvent | null>;
  /** Events until one matches, inclusive. */
  until(match: (event: ServerSentEvent) => boolean): Promise<ServerSentEvent[]>;
  comments: string[];
  /** Cuts the connection, as a dropped network would. */
  cut(): void;
};

export async function openEventStream(url: string, headers: Record<string, string> = {}, fetchImpl: typeof fetch = fetch): Promise<EventStreamReader> {
  const controller = new AbortController();
  const res = await fetchImpl(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const comments: string[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let done = false;

  async function next(): Promise<ServerSentEvent | null> {
    for (;;) {
      const boundary = buffer.indexOf('\n\n');
      if (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        let id: string | null = null;
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else if (line.startsWith('id:')) id = line.slice(3).trim();
          else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trim());
        }
        if (!data.length) continue;
        return { id, event, data: JSON.parse(data.join('\n')) };
      }
      if (done) return null;
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) done = true;
      else buffer += chunk.value;
    }
  }

  return {
    status: res.status,
    headers: res.headers,
    next,
    comments,
    async until(match) {
      const events: ServerSentEvent[] = [];
      for (;;) {
        const event = await next();
        if (!event) throw new Error(`stream ended before the awaited event; got ${JSON.stringify(events.map((e) => e.event))}`);
        events.push(event);
        if (match(event)) return events;
      }
    },
    cut: () => controller.abort(),
  };
}

/** A WAV file of a 440 Hz tone (16-bit mono), made in memory: a valid upload with no tools. */
export function toneWav(seconds = 1, sampleRate = 16_000): Buffer {
  const samples = seconds * sampleRate;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
