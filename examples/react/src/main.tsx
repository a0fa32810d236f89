// Entry: the tRPC + TanStack Query providers around the app.
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { queryClient, TRPCProvider, trpcClient } from './parley';

// A hook for tests and experiments: the page's own client (e.g. auth.me after a passkey sign-up).
Object.assign(window, { parley: { client: trpcClient } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <App />
      </TRPCProvider>
    </QueryClientProvider>
  </StrictMode>,
);
