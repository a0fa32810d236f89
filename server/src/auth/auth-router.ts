// auth.*: every sign-in method's router, merged flat, with passkey.* and totp.* nested.
import { mergeRouters, router } from '../trpc/init';
import { recoveryRouter } from './recovery-router';
import { passwordAuthRouter } from './router';
import { passkeyRouter } from './passkey/router';
import { totpRouter } from './totp/router';

export const authRouter = mergeRouters(
  passwordAuthRouter,
  recoveryRouter,
  // recovery (changePassword, password reset, e-mail verification), guests: merged here
  router({
    passkey: passkeyRouter,
    totp: totpRouter,
  }),
);
