// auth.*: every sign-in method's router, merged flat, with passkey.*, totp.* and recovery.* nested.
import { mergeRouters, router } from '../trpc/init';
import { guestRouter } from './guest-router';
import { passkeyRouter } from './passkey/router';
import { reauthenticationRouter } from './reauthentication-router';
import { passwordEmailRouter } from './password-email-router';
import { accountRecoveryRouter } from './recovery/router';
import { passwordAuthRouter } from './password-router';
import { totpRouter } from './totp/router';

export const authRouter = mergeRouters(
  passwordAuthRouter,
  passwordEmailRouter,
  reauthenticationRouter,
  guestRouter,
  router({
    passkey: passkeyRouter,
    totp: totpRouter,
    recovery: accountRecoveryRouter,
  }),
);
