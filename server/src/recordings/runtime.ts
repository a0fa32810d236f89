// What recordings keep per server instance: where files live, and the live recordings open here
// (fresher than their rows; /ws/record serves them). Added to AppDeps here (see deps.ts).
import type { CoreDeps } from '../deps';
import { LiveRegistry } from './live/registry';
import { createLocalStorage, type RecordingStorage } from './storage';

export type RecordingsRuntime = {
  /** Where recording files are kept (RECORDINGS_DIR). */
  recordingStorage: RecordingStorage;
  /** Live recordings open on this instance. */
  liveRecordings: LiveRegistry;
};

declare module '../deps' {
  interface AppDeps extends RecordingsRuntime {}
}

export function createRecordingsRuntime(core: CoreDeps): RecordingsRuntime {
  const recordingStorage = createLocalStorage(core.config.recordingsDir);
  return { recordingStorage, liveRecordings: new LiveRegistry({ ...core, recordingStorage }) };
}
