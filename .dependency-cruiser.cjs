// Import rules of the server (dependency-cruiser). server/src/architecture.test.ts checks them in
// the unit tests; `npx depcruise server/src --config .dependency-cruiser.cjs` shows the same.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'transport-is-feature-blind',
      comment:
        'server/src/transport/ serves any tRPC router: the router, context and encoders are handed in from app.ts (trpc/endpoints.ts). ' +
        'It may import only itself, the route table (http/routes.ts) and the error catalogue (errors.ts: close codes).',
      severity: 'error',
      from: { path: '^server/src/transport/' },
      to: { path: '^server/src/', pathNot: ['^server/src/transport/', '^server/src/http/routes\\.ts$', '^server/src/errors\\.ts$'] },
    },
    {
      name: 'deps-imports-no-feature',
      comment:
        'deps.ts is the infrastructure every feature is built on; features add their runtime to AppDeps from their own runtime.ts.',
      severity: 'error',
      from: { path: '^server/src/deps\\.ts$' },
      to: { path: '^server/src/(auth|sessions|rooms|recordings|orgs|openapi|trpc|transport|http|system)/' },
    },
  ],
  options: {
    // Type-only imports count: a type import from a feature is still a dependency on it.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
