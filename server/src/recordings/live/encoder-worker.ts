// An encoder thread: holds the audio sessions the pool gave it — live recordings' encoders and
// uploads' file transcoders — and answers the pool's calls in order. Every decode and encode of
// the server happens here, never on the main thread. Buffers travel both ways in transfer lists.
import { parentPort } from 'node:worker_threads';
import { AppError } from '../../errors';
import { createFileTranscoder, type FileContainer, type FileTranscoder } from '../audio/file-transcoder';
import type { AudioLimits } from '../audio/limits';
import { BatchEncoderCore } from './batch';
import type { ResumeState } from './encoding';

export type EncoderCall =
  | { call: number; op: 'open'; session: number; format: string; state: ResumeState | null; limits?: AudioLimits }
  | { call: number; op: 'openFile'; session: number; container: FileContainer; limits?: AudioLimits }
  | { call: number; op: 'encode'; session: number; payloads: Uint8Array[] }
  | { call: number; op: 'finish'; session: number }
  | { call: number; op: 'close'; session: number }
  /** Tests only: makes the thread crash, as a bug in native code would. */
  | { call: number; op: 'crash'; session: number };

/** `key` set: the error was an AppError (refused audio), to be rebuilt as one on the main thread. */
export type EncoderReply = { call: number; result?: unknown; error?: string; key?: string };

const sessions = new Map<number, BatchEncoderCore | FileTranscoder>();

/** A copy in its own ArrayBuffer, so transferring it moves only these bytes. */
function own(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Runs one call from the main thread on its encoder session: open, encode, finish, close (or crash, for tests). */
function answerCall(message: EncoderCall): { result: unknown; transfer: ArrayBuffer[] } {
  if (message.op === 'open') {
    sessions.set(message.session, new BatchEncoderCore(message.format, message.state, message.limits));
    return { result: null, transfer: [] };
  }
  if (message.op === 'openFile') {
    sessions.set(message.session, createFileTranscoder(message.container, message.limits));
    return { result: null, transfer: [] };
  }
  if (message.op === 'crash') process.exit(70);
  const core = sessions.get(message.session);
  if (message.op === 'close') {
    sessions.delete(message.session);
    return { result: null, transfer: [] };
  }
  if (!core) throw new Error('No such encoder session');
  if (core instanceof BatchEncoderCore) {
    if (message.op === 'finish') {
      sessions.delete(message.session);
      const final = core.finish();
      const bytes = own(final.bytes);
      return { result: { ...final, bytes }, transfer: [bytes.buffer as ArrayBuffer] };
    }
    const result = core.encode(message.payloads);
    const bytes = own(result.bytes);
    return { result: { ...result, bytes }, transfer: [bytes.buffer as ArrayBuffer] };
  }
  if (message.op === 'finish') {
    sessions.delete(message.session);
    const end = core.finish();
    const bytes = own(Buffer.concat(end.pages));
    return { result: { bytes, durationMs: end.durationMs }, transfer: [bytes.buffer as ArrayBuffer] };
  }
  const bytes = own(Buffer.concat(message.payloads.flatMap((payload) => core.push(asBuffer(payload)))));
  return { result: bytes, transfer: [bytes.buffer as ArrayBuffer] };
}

parentPort!.on('message', (message: EncoderCall) => {
  try {
    const { result, transfer } = answerCall(message);
    parentPort!.postMessage({ call: message.call, result } satisfies EncoderReply, transfer);
  } catch (error) {
    const key = error instanceof AppError ? error.key : undefined;
    parentPort!.postMessage({ call: message.call, error: (error as Error).message || 'Encoding failed', ...(key ? { key } : {}) } satisfies EncoderReply);
  }
});
