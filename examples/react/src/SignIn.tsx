// Sign in or up with a password, a passkey (discoverable: no e-mail needed), or as a guest. The SDK's
// links keep whatever token these return; the app only re-renders.
import { createPasskey, signInWithPasskey } from '@parley/sdk';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorLine } from './App';
import { useTRPC, useTRPCClient } from './parley';

export function SignIn() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [alias, setAlias] = useState('');
  const register = useMutation(trpc.auth.register.mutationOptions());
  const login = useMutation(trpc.auth.login.mutationOptions());
  const guest = useMutation(trpc.auth.guest.mutationOptions());
  const passkeySignIn = useMutation({ mutationFn: () => signInWithPasskey(client) });
  const passkeySignUp = useMutation({ mutationFn: () => createPasskey(client, { email: email || undefined, name: name || undefined }) });
  const error = register.error ?? login.error ?? guest.error ?? passkeySignIn.error ?? passkeySignUp.error;
  const twoFactor = login.data && !('token' in login.data);

  return (
    <section id="sign-in-panel">
      <h2>Sign up or sign in</h2>
      <form onSubmit={(event) => event.preventDefault()}>
        <input id="email" type="email" placeholder="email" autoComplete="username webauthn" value={email} onChange={(e) => setEmail(e.target.value)} />
        <input id="password" type="password" placeholder="password (8+ characters)" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <input id="name" placeholder="name (sign up)" value={name} onChange={(e) => setName(e.target.value)} />
        <button id="sign-up" onClick={() => register.mutate({ email, password, name: name || undefined })}>Sign up</button>
        <button id="sign-in" onClick={() => login.mutate({ email, password })}>Sign in</button>
      </form>
      <p>
        <button id="passkey-sign-in" onClick={() => passkeySignIn.mutate()}>Sign in with a passkey</button>{' '}
        <button id="passkey-sign-up" onClick={() => passkeySignUp.mutate()}>Sign up with a passkey (no password)</button>
      </p>
      <form onSubmit={(event) => (event.preventDefault(), guest.mutate({ alias }))}>
        <input id="guest-alias" placeholder="alias" value={alias} onChange={(e) => setAlias(e.target.value)} />
        <button id="guest">Join as a guest</button>
      </form>
      {twoFactor && <p role="alert">This account uses two-factor codes, which this example does not cover.</p>}
      <ErrorLine error={error} />
    </section>
  );
}
