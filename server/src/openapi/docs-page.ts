// /docs: Swagger UI rendering /openapi.json, served from the swagger-ui-dist package on this
// server (no CDN: works offline and behind strict egress). The page's own script is a file, not
// inline, so the CSP can forbid inline scripts.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Config } from '../config';
import type { RouteTable } from '../http/routes';

const require = createRequire(import.meta.url);
const distDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#docs',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/** Loosened only as far as Swagger UI needs: its scripts and styles from here, fetches to the API. */
function docsPolicy(config: Config): string {
  const api = new URL(config.publicUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ${api}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function send(res: ServerResponse, type: string, body: string | Buffer, policy: string, cache: string) {
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'content-security-policy': policy, 'cache-control': cache });
  res.end(body);
}

export function addDocsRoutes(routes: RouteTable, config: Config): void {
  const policy = docsPolicy(config);
  const assets = new Map<string, Promise<Buffer>>();
  const asset = (file: string) => {
    let loaded = assets.get(file);
    if (!loaded) assets.set(file, (loaded = fs.readFile(path.join(distDir, file))));
    return loaded;
  };
  routes.add('/docs', (_req, res) => send(res, 'text/html; charset=utf-8', PAGE, policy, 'no-cache'));
  routes.add('/docs/init.js', (_req, res) => send(res, 'text/javascript; charset=utf-8', INIT, policy, 'no-cache'));
  routes.add('/docs/swagger-ui.css', async (_req, res) => send(res, 'text/css; charset=utf-8', await asset('swagger-ui.css'), policy, 'public, max-age=86400'));
  routes.add('/docs/swagger-ui-bundle.js', async (_req, res) =>
    send(res, 'text/javascript; charset=utf-8', await asset('swagger-ui-bundle.js'), policy, 'public, max-age=86400'),
  );
}
