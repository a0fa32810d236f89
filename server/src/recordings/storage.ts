// Where recording files live, behind one small interface: a local folder (RECORDINGS_DIR) today,
// any shared volume in production. Each recording file may have a small side file next to it
// (`<name>.state`, the live journal: see live/journal.ts), deleted with it.
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

/** A small file read and written in place at given offsets (the live journal's two slots). */
export type SideFile = {
  /** Up to length bytes at position (fewer at the end of the file). */
  read(position: number, length: number): Promise<Buffer>;
  write(data: Uint8Array, position: number): Promise<void>;
  close(): Promise<void>;
  /** Closes and deletes it. */
  remove(): Promise<void>;
};

export interface RecordingStorage {
  /** Opens (creating it when missing) for appending; truncateTo cuts off bytes written after the last durable point. */
  openAppend(name: string, options?: { truncateTo?: number }): Promise<AppendHandle>;
  /** Reads bytes [start, end] inclusive, or the whole file. */
  read(name: string, range?: { start: number; end: number }): Readable;
  /** Size in bytes, or null when there is no such file. */
  size(name: string): Promise<number | null>;
  /** Deletes the file and its side file. */
  delete(name: string): Promise<void>;
  /** Opens (creating it when missing) the side file of recording file `name`. */
  openSideFile(name: string): Promise<SideFile>;
}

const SIDE_SUFFIX = '.state';
/**
 * Writes up to this size go straight to the page cache with a synchronous pwrite (~5 µs of CPU)
 * instead of a libuv pool round trip (~40 µs: queueing, a thread wake-up, the promise): a live
 * recording makes two small writes per batch, thousands per second with many streams.
 */
const SYNC_WRITE_MAX = 64 * 1024;

/** Writes all of data at position. */
async function writeAt(handle: fsp.FileHandle, data: Uint8Array, position: number): Promise<number> {
  let offset = 0;
  while (offset < data.length) {
    offset +=
      data.length <= SYNC_WRITE_MAX
        ? fs.writeSync(handle.fd, data, offset, data.length - offset, position + offset)
        : (await handle.write(data, offset, data.length - offset, position + offset)).bytesWritten;
  }
  return offset;
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
      await fsp.rm(resolve(name) + SIDE_SUFFIX, { force: true });
    },
    async openSideFile(name) {
      const file = resolve(name) + SIDE_SUFFIX;
      const handle = await fsp.open(file, fs.constants.O_CREAT | fs.constants.O_RDWR);
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await handle.close();
      };
      return {
        async read(position, length) {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, position);
          return buffer.subarray(0, bytesRead);
        },
        async write(data, position) {
          await writeAt(handle, data, position);
        },
        close,
        async remove() {
          await close();
          await fsp.rm(file, { force: true });
        },
      };
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
      size += await writeAt(handle, chunk, size);
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
