// The app's one Parley connection: the SDK's links (token kept by sign-ins and forgotten on sign-out,
// one resuming WebSocket) under a tRPC client, and the TanStack Query context the hooks read.
import { createParleyLinks, createTRPCClient, type AppRouter } from '@parley/sdk';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useSyncExternalStore } from 'react';

export const serverUrl = new URLSearchParams(location.search).get('server') ?? import.meta.env.VITE_PARLEY_URL ?? 'http://localhost:3000';
const TOKEN_KEY = 'parley.token';

export const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } });

const listeners = new Set<() => void>();
/** A new identity (or none): drop what the previous one could see, then re-render. */
function identityChanged() {
  queryClient.clear();
  for (const listener of listeners) listener();
}

export const parley = createParleyLinks({
  url: serverUrl,
  token: localStorage.getItem(TOKEN_KEY),
  onTokenChange: (token) => {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
    identityChanged();
  },
  onSessionExpired: () => {
    localStorage.removeItem(TOKEN_KEY);
    identityChanged();
  },
});

export const trpcClient = createTRPCClient<AppRouter>({ links: parley.links });
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** The session token the links hold (null: signed out); components re-render when it changes. */
export function useSessionToken(): string | null {
  return useSyncExternalStore(
    (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    () => parley.token,
  );
}

/** 'pending' while the WebSocket is up, 'connecting' while it reconnects. */
export function useConnectionState(): string {
  return useSyncExternalStore(
    (listener) => parley.onConnectionChange((state) => ((connection = state), listener())),
    () => connection,
  );
}
let connection = 'idle';
