// auth.*: every sign-in method's router, merged flat, with passkey.* and totp.* nested.
import { mergeRouters, router } from '../trpc/init';
import { passwordAuthRouter } from './router';
import { guestRouter } from './guest-router';

export const authRouter = mergeRouters(
  passwordAuthRouter,
  guestRouter,
  // recovery (changePassword, password reset, e-mail verification), guests: merged here
  router({
    // passkey: passkeyRouter,
    // totp: totpRouter,
  }),
);
