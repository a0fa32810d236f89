// Mounts the integrator surface: /api/* (REST mirrors), /openapi.json and /docs.
import type { AppDeps } from '../deps';
import { type RouteTable, sendJson } from '../http/routes';
import { addDocsRoutes } from './docs-page';
import { buildOpenApiDocument } from './document';
import { API_PREFIX, createRestRoute } from './rest-handler';
import { createOAuth2LoginAdapter, REST_LOGIN_PATH, REST_REGISTER_PATH } from '../auth/oauth2-login';

/** PUBLIC_URL, unless it was derived from PORT=0 (a test or ad-hoc run): then the address we were reached at. */
function publicUrlOf(publicUrl: string, host: string | undefined): string {
  const url = new URL(publicUrl);
  return url.port === '0' && host ? `${url.protocol}//${host}` : publicUrl;
}

export function addOpenApiRoutes(routes: RouteTable, deps: AppDeps): void {
  const rest = createRestRoute(deps);
  routes.add(`${API_PREFIX}/`, rest);
  const signIn = createOAuth2LoginAdapter(deps, rest);
  routes.add(REST_LOGIN_PATH, signIn);
  routes.add(REST_REGISTER_PATH, signIn);
  // Built on first request: every router is merged by then, and startup stays fast.
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  routes.add('/openapi.json', async (req, res) => {
    document ??= buildOpenApiDocument(publicUrlOf(deps.config.publicUrl, req.headers.host)).catch((error: unknown) => {
      document = undefined; // the next request tries again
      throw error;
    });
    sendJson(res, 200, await document, { 'cache-control': 'no-cache' });
  });
  addDocsRoutes(routes, deps.config);
}
