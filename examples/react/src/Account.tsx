// The signed-in account: add a passkey, see the passkeys, sign out (the links forget the token).
import { createPasskey } from '@parley/sdk';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorLine } from './App';
import { useTRPC, useTRPCClient } from './parley';

export function Account({ isGuest }: { isGuest: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const passkeys = useQuery({ ...trpc.auth.passkey.list.queryOptions(), enabled: !isGuest });
  const [password, setPassword] = useState('');
  // The server asks for a fresh proof before a new passkey (auth.reauthenticate, valid 5 minutes): here the password.
  const addPasskey = useMutation({
    mutationFn: async () => {
      if (password) await client.auth.reauthenticate.mutate({ password });
      setPassword('');
      return createPasskey(client);
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.auth.passkey.list.queryKey() }),
  });
  const logout = useMutation(trpc.auth.logout.mutationOptions());
  return (
    <section id="account">
      {!isGuest && (
        <>
          <input id="reauth-password" type="password" placeholder="Your password, to confirm" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          <button id="add-passkey" onClick={() => addPasskey.mutate()}>Add a passkey</button>
          <ul id="passkeys">
            {passkeys.data?.map((passkey) => <li key={passkey.id}>passkey added {new Date(passkey.createdAt).toLocaleString()}</li>)}
          </ul>
        </>
      )}
      <button id="sign-out" onClick={() => logout.mutate()}>Sign out</button>
      <ErrorLine error={addPasskey.error ?? logout.error} />
    </section>
  );
}
