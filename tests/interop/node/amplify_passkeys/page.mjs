// The browser side of tests/interop/test_amplify_passkeys.py: a one-page app using aws-amplify v6's
// passkey APIs, bundled for the browser by esbuild (lib/build_page.mjs).
//
// The page reads its Amplify configuration from <script id="amplify-config" type="application/json">
// and exposes its steps on window.passkeys, each resolving to {ok, value} or {ok: false, error} so the
// test (through the browser driver's `evaluate`) sees what Amplify did. The browser's
// navigator.credentials is the DevTools virtual authenticator the test installs.
import { Amplify } from 'aws-amplify';
import {
  associateWebAuthnCredential,
  deleteWebAuthnCredential,
  fetchAuthSession,
  getCurrentUser,
  listWebAuthnCredentials,
  signIn,
  signOut,
} from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';

const config = JSON.parse(document.getElementById('amplify-config').textContent);
Amplify.configure(config);

const state = { events: [], errors: [] };
window.amplifyTest = state;

function show(user) {
  document.getElementById('events').textContent = state.events.join(', ') || '(none)';
  document.getElementById('status').textContent = user ? `Signed in as ${user.username}` : 'Signed out';
  document.getElementById('errors').textContent = state.errors.join('\n');
}

async function refresh() {
  let user = null;
  try {
    user = await getCurrentUser();
  } catch {
    user = null;
  }
  show(user);
}

Hub.listen('auth', ({ payload }) => {
  state.events.push(payload.event);
  refresh();
});

function describe(err) {
  return { name: err?.name ?? 'Error', message: err?.message ?? String(err), underlying: err?.underlyingError?.name ?? null };
}

async function step(name, fn) {
  try {
    return { ok: true, value: (await fn()) ?? null };
  } catch (err) {
    state.errors.push(`${name}: ${err?.name}: ${err?.message}`);
    show(null);
    return { ok: false, error: describe(err) };
  }
}

function payload(token) {
  return token ? token.payload : null;
}

window.passkeys = {
  signInWithPassword: (username, password) => step('signIn', () => signIn({ username, password })),
  associate: () => step('associateWebAuthnCredential', () => associateWebAuthnCredential()),
  list: () =>
    step('listWebAuthnCredentials', async () => {
      const out = await listWebAuthnCredentials();
      document.getElementById('passkeys').textContent = out.credentials.map((c) => c.credentialId).join(', ') || '(none)';
      return out;
    }),
  remove: (credentialId) => step('deleteWebAuthnCredential', () => deleteWebAuthnCredential({ credentialId })),
  signOut: () => step('signOut', () => signOut()),
  signInWithPasskey: (username) =>
    step('signIn', () => signIn({ username, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } })),
  session: () =>
    step('fetchAuthSession', async () => {
      const { tokens } = await fetchAuthSession();
      return tokens ? { access: payload(tokens.accessToken), id: payload(tokens.idToken) } : null;
    }),
};
state.ready = true;
refresh();
