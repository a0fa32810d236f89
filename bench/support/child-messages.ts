// The next IPC message of a given type from a forked bench process (server or client), or an error
// naming the process when it does not come in time or the process exits first.
import type { ChildProcess } from 'node:child_process';

export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${type}' in ${timeoutMs} ms from ${child.spawnargs.join(' ')}`)), timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before '${type}'`));
    };
    const onMessage = (msg: { type: string }) => {
      if (msg.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(msg as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
