// auth.totp.*: two-factor codes from an authenticator app, and the second step of a password login.
import { memberProcedure, publicProcedure, router } from '../../trpc/init';
import { issueSession } from '../password-router';
import { disableTotp, enableTotp, setupTotp } from './credential';
import { disableTotpInput, enableTotpInput, verifyLoginInput } from './schema';
import { finishTwoFactorLogin } from './two-factor-login';

export const totpRouter = router({
  setup: memberProcedure.mutation(({ ctx }) => setupTotp(ctx.deps, ctx.user)),

  enable: memberProcedure.input(enableTotpInput).mutation(({ ctx, input }) => enableTotp(ctx.deps, ctx.user, input.code)),

  disable: memberProcedure.input(disableTotpInput).mutation(async ({ ctx, input }) => {
    await disableTotp(ctx.deps, ctx.user, input.code);
    return { ok: true as const };
  }),

  verifyLogin: publicProcedure.input(verifyLoginInput).mutation(async ({ ctx, input }) => {
    const result = await finishTwoFactorLogin(ctx.deps, input, ctx.request);
    return issueSession(ctx, result);
  }),
});
