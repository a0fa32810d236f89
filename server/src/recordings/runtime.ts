// What recordings keep per server instance: where files live, and the live recordings open here
// (fresher than their rows; /ws/record serves them). Added to AppDeps here (see deps.ts).
import type { CoreDeps } from '../deps';
import { EncoderPool } from './live/encoder-pool';
import { LiveRegistry } from './live/registry';
import { createLocalStorage, type RecordingStorage } from './storage';

export type RecordingsRuntime = {
  /** Where recording files are kept (RECORDINGS_DIR). */
  recordingStorage: RecordingStorage;
  /** Live recordings open on this instance. */
  liveRecordings: LiveRegistry;
  /** The threads doing every audio decode and encode, live and uploaded (RECORDING_ENCODER_THREADS). */
  audioThreads: EncoderPool;
};

declare module '../deps' {
  interface AppDeps extends RecordingsRuntime {}
}

export function createRecordingsRuntime(core: CoreDeps): RecordingsRuntime {
  const recordingStorage = createLocalStorage(core.config.recordingsDir);
  const audioThreads = new EncoderPool(core.config.recordingEncoderThreads, core.logger);
  return { recordingStorage, audioThreads, liveRecordings: new LiveRegistry({ ...core, recordingStorage, audioThreads }) };
}
