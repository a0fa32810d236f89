// Who may send audio over the raw HTTP routes (/api/recordings/upload and /stream): a signed-in
// account (not a guest), same-site when signed in by cookie, within the per-user upload limit.
import type { IncomingMessage } from 'node:http';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { readRequestInfo } from '../auth/request';
import { findSessionToken, HTTP_CARRIERS } from '../auth/token-carriers';
import { isCrossSiteRequest } from '../auth/csrf';
import { sessionPolicyOf, validateSessionToken, type User } from '../auth/session';
import { throttleUpload } from './throttles';


export async function authorizeAudioSender(deps: AppDeps, req: IncomingMessage): Promise<User> {
  const found = findSessionToken(req, HTTP_CARRIERS);
  const auth = found ? await validateSessionToken(deps.db, sessionPolicyOf(deps.config), found.token) : null;
  if (!auth?.user) throw new AppError('UNAUTHENTICATED');
  if (auth.user.kind === 'guest') throw new AppError('GUEST_NOT_ALLOWED');
  if (found!.source === 'cookie' && isCrossSiteRequest(deps.config, readRequestInfo(req, deps.config))) throw new AppError('CSRF_ORIGIN');
  // Each upload costs decoding and encoding in the encoder threads: a per-user window.
  await throttleUpload(deps, auth.user.id);
  return auth.user;
}
