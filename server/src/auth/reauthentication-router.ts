// auth.reauthenticate: prove a credential again (password, TOTP code or passkey) before a sensitive change.
import { z } from 'zod';
import { authedProcedure, router } from '../trpc/init';
import { restRoutes } from '../trpc/rest-meta';
import { authenticationResponseInput } from './passkey/schema';
import { reauthenticate } from './reauthentication';
import { passwordInput } from './schema';

export const reauthenticateInput = z.object({
  password: passwordInput.optional(),
  code: z.string().trim().min(6).max(32).optional(),
  /** An assertion answering auth.passkey.authenticationOptions (signed by one of this account's passkeys). */
  passkey: authenticationResponseInput.optional(),
});

export const reauthenticationRouter = router({
  reauthenticate: authedProcedure
    .meta(restRoutes('auth')('POST', '/auth/reauthenticate', 'Confirm it is you (password, TOTP code or passkey) before adding a passkey or turning on two-factor'))
    .input(reauthenticateInput).output(z.object({ ok: z.literal(true), validUntil: z.string() })).mutation(async ({ ctx, input }) => {
      const { validUntil } = await reauthenticate(ctx.deps, ctx.user, ctx.session, input, ctx.request);
      return { ok: true as const, validUntil: validUntil.toISOString() };
    }),
});
