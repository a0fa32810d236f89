// Packs @parley/sdk the way it is published and installs the tarball in a fresh project that has
// nothing else but typescript: what a user of the SDK gets.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './server';

const run = promisify(execFile);
export const repoRoot = path.resolve(__dirname, '../..');
const PNPM = 'pnpm@10.34.8';

export type InstalledSdk = { dir: string; tarball: string };

function typescriptVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules/typescript/package.json'), 'utf8')).version;
}

/**
 * `pnpm pack` of the built SDK, then `npm install <tarball> typescript` in a new temp project. The build
 * (pack's prepack script) is ensureSdkBuilt's: a rebuild on every pack would empty sdk/dist under the
 * files running beside this one that use it.
 */
export async function packAndInstallSdk(): Promise<InstalledSdk> {
  const dir = tempDir('parley-sdk-consumer-');
  await ensureSdkBuilt();
  await run('npx', ['--yes', PNPM, 'pack', '--config.ignore-scripts=true', '--pack-destination', dir], { cwd: path.join(repoRoot, 'sdk'), maxBuffer: 16 * 1024 * 1024 });
  const tarball = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('pnpm pack made no tarball');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`, `typescript@${typescriptVersion()}`], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { dir, tarball: path.join(dir, tarball) };
}

/** tsc --strict on one file of the consumer project; resolves with its exit code and output. */
export async function typecheck(dir: string, file: string): Promise<{ code: number; output: string }> {
  // skipLibCheck off: the SDK's own declaration files are checked too. No @types at all.
  const compilerOptions = { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM', 'ESNext.Disposable'], types: [], skipLibCheck: false };
  const project = `tsconfig.${path.basename(file, '.ts')}.json`;
  fs.writeFileSync(path.join(dir, project), JSON.stringify({ compilerOptions, files: [file] }));
  const args = ['-p', project];
  try {
    const { stdout, stderr } = await run(path.join(dir, 'node_modules/.bin/tsc'), args, { cwd: dir });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export async function listTarball(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['tzf', tarball]);
  return stdout.trim().split('\n');
}

/** Builds sdk/dist unless it is newer than every source file (examples import the built package). */
export async function ensureSdkBuilt(): Promise<void> {
  const sdkDir = path.join(repoRoot, 'sdk');
  const built = path.join(sdkDir, 'dist/node.js');
  const fresh = () => {
    const newestSource = Math.max(...fs.readdirSync(path.join(sdkDir, 'src')).map((f) => fs.statSync(path.join(sdkDir, 'src', f)).mtimeMs));
    return fs.existsSync(built) && fs.statSync(built).mtimeMs > newestSource;
  };
  if (fresh()) return;
  // Test files run three at a time: one builds, the others wait for it and find the build fresh.
  await withBuildLock(async () => {
    if (!fresh()) await run('npx', ['--yes', PNPM, 'run', 'build'], { cwd: sdkDir, maxBuffer: 16 * 1024 * 1024 });
  });
}

/** A lock across the test processes (mkdir is atomic); one left by a killed run is taken after 5 minutes. */
async function withBuildLock(work: () => Promise<void>): Promise<void> {
  const lock = path.join(repoRoot, 'sdk', '.build-lock');
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 5 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
