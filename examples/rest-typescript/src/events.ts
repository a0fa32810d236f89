// Server-sent events over fetch: yields { id, event, data } until the stream ends; return() closes it.
export type StreamEvent = { id: string | null; event: string; data: any };

export async function* readEvents(response: Response): AsyncGenerator<StreamEvent> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        let id: string | null = null;
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) id = line.slice(3).trim();
          else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trim());
          // Lines starting with ':' are keep-alive comments.
        }
        if (data.length) yield { id, event, data: JSON.parse(data.join('\n')) };
      }
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += chunk.value;
    }
  } finally {
    // Stopping early (return()) closes the connection.
    await reader.cancel().catch(() => {});
  }
}
