// The buffered production log destination loses no line logged right before the process ends:
// process.exit, an uncaught exception, SIGTERM handled as main.ts does, and a SIGKILL right after a
// fatal line (which is written at once, with everything buffered before it). Each case runs the
// real logger (createLogger, as the server builds it) in a child process writing to a pipe.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const loggerModule = path.join(root, 'server/src/observability/logger.ts');
const LINES = 2000;

/** Runs `ending` after logging LINES info lines in the same event-loop turn; returns stdout and the exit. */
function runChild(ending: string, setup = ''): Promise<{ stdout: string; code: number | null; signal: string | null }> {
  const script = `
    import { createLogger } from ${JSON.stringify(loggerModule)};
    const logger = createLogger({ level: 'info' });
    ${setup}
    for (let i = 0; i < ${LINES}; i++) logger.info({ i, requestId: 'r' + i }, 'request');
    ${ending}
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.resume();
    child.once('close', (code, signal) => resolve({ stdout, code, signal }));
  });
}

function loggedIndexes(stdout: string): number[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { i?: number })
    .filter((line) => line.i !== undefined)
    .map((line) => line.i!);
}

const all = Array.from({ length: LINES }, (_, i) => i);

describe('buffered log destination', () => {
  it('writes every line logged before process.exit', async () => {
    const { stdout, code } = await runChild('process.exit(3);');
    expect(code).toBe(3);
    expect(loggedIndexes(stdout)).toEqual(all);
  });

  it('writes every line logged before an uncaught exception', async () => {
    const { stdout, code } = await runChild("throw new Error('boom');");
    expect(code).not.toBe(0);
    expect(loggedIndexes(stdout)).toEqual(all);
  });

  it('writes every line logged before a SIGTERM handled as the server does', async () => {
    const { stdout, code } = await runChild(
      // The interval keeps the process alive until the signal is handled, as the server's sockets do.
      "logger.info({ i: -1 }, 'last line before the signal'); setInterval(() => {}, 1000); process.kill(process.pid, 'SIGTERM');",
      "process.on('SIGTERM', () => { logger.info({ signal: 'SIGTERM' }, 'shutting down'); process.exit(0); });",
    );
    expect(code).toBe(0);
    expect(loggedIndexes(stdout)).toEqual([...all, -1]);
    expect(stdout).toContain('shutting down');
  });

  it('writes a fatal line, and every line before it, at once (nothing lost to a SIGKILL right after)', async () => {
    const { stdout, signal } = await runChild("logger.fatal({ i: -2 }, 'about to die'); process.kill(process.pid, 'SIGKILL');");
    expect(signal).toBe('SIGKILL');
    expect(loggedIndexes(stdout)).toEqual([...all, -2]);
  });
});
