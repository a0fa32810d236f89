// Where recording files live, behind one small interface: a local folder (RECORDINGS_DIR) today,
// any shared volume in production; an object store would implement the same five operations.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export type AppendHandle = {
  /** Bytes in the file, including everything appended so far. */
  readonly size: number;
  append(chunk: Uint8Array): Promise<void>;
  /** Waits until what was appended is on disk (fdatasync). */
  sync(): Promise<void>;
  close(): Promise<void>;
};

export interface RecordingStorage {
  /** Opens (creating it when missing) for appending; truncateTo cuts off bytes written after the last durable point. */
  openAppend(name: string, options?: { truncateTo?: number }): Promise<AppendHandle>;
  /** Reads bytes [start, end] inclusive, or the whole file. */
  read(name: string, range?: { start: number; end: number }): Readable;
  /** Size in bytes, or null when there is no such file. */
  size(name: string): Promise<number | null>;
  delete(name: string): Promise<void>;
}

const SAFE_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export function createLocalStorage(dir: string): RecordingStorage {
  const resolve = (name: string) => {
    // Names come from our own ids, but never let one escape the folder.
    if (!SAFE_NAME.test(name) || name.includes('..')) throw new Error(`unsafe recording file name: ${name}`);
    return path.join(dir, name);
  };
  return {
    async openAppend(name, options = {}) {
      const file = resolve(name);
      const handle = await fsp.open(file, fs.constants.O_CREAT | fs.constants.O_WRONLY);
      try {
        let size = (await handle.stat()).size;
        if (options.truncateTo !== undefined && options.truncateTo < size) {
          await handle.truncate(options.truncateTo);
          size = options.truncateTo;
        }
        return openHandle(handle, size);
      } catch (error) {
        await handle.close();
        throw error;
      }
    },
    read(name, range) {
      return fs.createReadStream(resolve(name), range ? { start: range.start, end: range.end } : {});
    },
    async size(name) {
      try {
        return (await fsp.stat(resolve(name))).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(name) {
      await fsp.rm(resolve(name), { force: true });
    },
  };
}

function openHandle(handle: fsp.FileHandle, initialSize: number): AppendHandle {
  let size = initialSize;
  let closed = false;
  return {
    get size() {
      return size;
    },
    async append(chunk) {
      // Positional writes: the file may have been truncated, so O_APPEND's "end" is what we track.
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, size);
        offset += bytesWritten;
        size += bytesWritten;
      }
    },
    async sync() {
      await handle.datasync();
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
