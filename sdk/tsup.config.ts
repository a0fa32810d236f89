import { defineConfig } from 'tsup';

// Two entries: the browser-safe client, and the Node flavour (ws, file paths). The declaration
// files only reference @trpc/* : the server's router is spelled out in src/router.generated.ts.
export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['ws', '@trpc/client', '@trpc/server', /^node:/],
});
