// Streams the microphone to Parley, mono at 24 kbit/s: MediaRecorder hands out WebM/Opus chunks every 250 ms, a small
// queue turns them into the async iterable recordFromStream reads, and stop() ends the queue so
// the recorder delivers the rest and finishes the recording.
import type { ParleyClient, RecordProgress, RecordResult } from '@parley/sdk';

export type MicrophoneRecording = { stop(): Promise<RecordResult> };

const TIMESLICE_MS = 250;

/** An async iterable fed by push(); end() lets the reader finish after the last chunk. */
function chunkQueue() {
  const chunks: Uint8Array[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = () => (wake?.(), (wake = null));
  return {
    push(chunk: Uint8Array) {
      chunks.push(chunk);
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = chunks.shift();
        if (next) yield next;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

export async function recordMicrophone(client: ParleyClient, name: string, onProgress: (p: RecordProgress) => void): Promise<MicrophoneRecording> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  const mimeType = 'audio/webm;codecs=opus';
  if (!MediaRecorder.isTypeSupported(mimeType)) throw new Error('This browser cannot record WebM/Opus');
  // Mono whatever the device gives (a one-channel destination downmixes), at 24 kbit/s: the stored
  // format, so the server keeps the browser's Opus packets as they are.
  const audio = new AudioContext();
  const mono = audio.createMediaStreamDestination();
  mono.channelCount = 1;
  mono.channelCountMode = 'explicit';
  audio.createMediaStreamSource(stream).connect(mono);
  const recorder = new MediaRecorder(mono.stream, { mimeType, audioBitsPerSecond: 24_000 });
  const queue = chunkQueue();
  // Blob reads are asynchronous: chain them so chunks keep their order.
  let reading = Promise.resolve();
  recorder.ondataavailable = (event) => {
    if (!event.data.size) return;
    reading = reading.then(async () => queue.push(new Uint8Array(await event.data.arrayBuffer())));
  };
  const stopped = new Promise<void>((resolve) => (recorder.onstop = () => resolve()));
  recorder.start(TIMESLICE_MS);
  const result = client.recordFromStream(queue, { name }, { format: 'webm', onProgress });
  result.catch(() => recorder.state !== 'inactive' && recorder.stop());
  return {
    async stop() {
      if (recorder.state !== 'inactive') recorder.stop();
      await stopped;
      await reading;
      queue.end();
      for (const track of stream.getTracks()) track.stop();
      await audio.close();
      return result;
    },
  };
}
