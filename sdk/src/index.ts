// @parley/sdk: a typed client for a Parley server.
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@parley/server';

export type { AppRouter };

export type ParleyClientOptions = { url: string; token?: string };

export function createParleyClient(options: ParleyClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.url.replace(/\/$/, '')}/trpc`,
        headers: () => (options.token ? { authorization: `Bearer ${options.token}` } : {}),
      }),
    ],
  });
}
