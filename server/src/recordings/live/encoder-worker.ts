// An encoder thread: holds the live encoders of the recordings the pool gave it and answers the
// pool's calls in order. Buffers travel both ways in transfer lists, never cloned.
import { parentPort } from 'node:worker_threads';
import { BatchEncoderCore } from './batch';
import type { ResumeState } from './encoding';

export type EncoderCall =
  | { call: number; op: 'open'; session: number; format: string; state: ResumeState | null }
  | { call: number; op: 'encode'; session: number; payloads: Uint8Array[] }
  | { call: number; op: 'finish'; session: number }
  | { call: number; op: 'close'; session: number }
  /** Tests only: makes the thread crash, as a bug in native code would. */
  | { call: number; op: 'crash'; session: number };

export type EncoderReply = { call: number; result?: unknown; error?: string };

const sessions = new Map<number, BatchEncoderCore>();

/** A copy in its own ArrayBuffer, so transferring it moves only these bytes. */
function own(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** Runs one call from the main thread on its encoder session: open, encode, finish, close (or crash, for tests). */
function runEncoderCall(message: EncoderCall): { result: unknown; transfer: ArrayBuffer[] } {
  if (message.op === 'open') {
    sessions.set(message.session, new BatchEncoderCore(message.format, message.state));
    return { result: null, transfer: [] };
  }
  if (message.op === 'crash') process.exit(70);
  const core = sessions.get(message.session);
  if (message.op === 'close') {
    sessions.delete(message.session);
    return { result: null, transfer: [] };
  }
  if (!core) throw new Error('No such encoder session');
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

parentPort!.on('message', (message: EncoderCall) => {
  try {
    const { result, transfer } = runEncoderCall(message);
    parentPort!.postMessage({ call: message.call, result } satisfies EncoderReply, transfer);
  } catch (error) {
    parentPort!.postMessage({ call: message.call, error: (error as Error).message || 'Encoding failed' } satisfies EncoderReply);
  }
});
