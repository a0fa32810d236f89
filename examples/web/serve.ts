// The dev server of the example page: esbuild bundles src/main.ts (with @parley/sdk) on every
// request and serves public/. The Parley server must allow this origin: ALLOWED_ORIGINS=<printed URL>.
//   PARLEY_URL=http://127.0.0.1:3000 WEB_PORT=5173 node --import tsx examples/web/serve.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

export type WebExample = { url: string; stop(): Promise<void> };

export async function startWebExample(options: { parleyUrl: string; port?: number; host?: string }): Promise<WebExample> {
  const context = await esbuild.context({
    entryPoints: { main: path.join(here, 'src/main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    outdir: path.join(here, 'public/build'),
    define: { __PARLEY_URL__: JSON.stringify(options.parleyUrl) },
    logLevel: 'warning',
  });
  const host = options.host ?? '127.0.0.1';
  // Any other path (e.g. /recover-account?token=… from a recovery mail) gets the page itself.
  const served = await context.serve({ servedir: path.join(here, 'public'), host, port: options.port ?? 5173, fallback: path.join(here, 'public/index.html') });
  return { url: `http://${host}:${served.port}`, stop: () => context.dispose() };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const parleyUrl = process.env.PARLEY_URL ?? 'http://127.0.0.1:3000';
  const web = await startWebExample({ parleyUrl, port: Number(process.env.WEB_PORT ?? 5173) });
  console.log(`Parley example page on ${web.url} (server ${parleyUrl}; start it with ALLOWED_ORIGINS=${web.url})`);
}
