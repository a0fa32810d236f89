// Signed out: the sign-in panel. Signed in: who you are, your passkeys, a room, your recordings.
import { errorCode } from '@parley/sdk';
import { useQuery } from '@tanstack/react-query';
import { Account } from './Account';
import { Recordings } from './Recordings';
import { Room } from './Room';
import { SignIn } from './SignIn';
import { useConnectionState, useSessionToken, useTRPC } from './parley';

export function App() {
  const token = useSessionToken();
  const connection = useConnectionState();
  return (
    <>
      <header>
        <h1>Parley</h1>
        <small id="connection" data-state={connection}>{connection === 'pending' ? 'live' : connection}</small>
      </header>
      {token ? <SignedIn key={token} /> : <SignIn />}
    </>
  );
}

function SignedIn() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  if (me.error) return <ErrorLine error={me.error} />;
  if (!me.data) return <p>Loading…</p>;
  return (
    <main>
      <p id="whoami">Signed in as {me.data.user.displayName}</p>
      <Account isGuest={me.data.user.kind === 'guest'} />
      <Room />
      {me.data.user.kind === 'member' && <Recordings />}
    </main>
  );
}

export function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {errorCode(error) ?? 'ERROR'}: {(error as Error).message}
    </p>
  );
}
