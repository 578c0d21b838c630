// The browser side of tests/interop/test_amplify_redirect.py: a one-page app using aws-amplify v6's
// managed-login flow, bundled for the browser by esbuild (lib/build_page.mjs).
//
// The page reads its Amplify configuration from <script id="amplify-config" type="application/json">.
// Buttons: #sign-in (signInWithRedirect), #session (fetchAuthSession), #sign-out (signOut).
// What happened is shown on the page (#status, #events, #session-out) and kept on window.amplifyTest
// for the test to read.
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, getCurrentUser, signInWithRedirect, signOut } from 'aws-amplify/auth';
import 'aws-amplify/auth/enable-oauth-listener';
import { Hub } from 'aws-amplify/utils';

const config = JSON.parse(document.getElementById('amplify-config').textContent);
Amplify.configure(config);

const state = { events: [], errors: [], session: null, user: null };
window.amplifyTest = state;

function show() {
  document.getElementById('events').textContent = state.events.join(', ') || '(none)';
  document.getElementById('status').textContent = state.user ? `Signed in as ${state.user.username}` : 'Signed out';
  document.getElementById('errors').textContent = state.errors.join('\n');
}

function payloadOf(token) {
  return token ? token.payload : null;
}

Hub.listen('auth', ({ payload }) => {
  state.events.push(payload.event);
  if (payload.event === 'signInWithRedirect_failure') state.errors.push(`redirect: ${payload.data?.error?.name}: ${payload.data?.error?.message}`);
  refreshUser();
});

async function refreshUser() {
  try {
    state.user = await getCurrentUser();
  } catch {
    state.user = null;
  }
  show();
}

async function attempt(name, fn) {
  try {
    return await fn();
  } catch (err) {
    state.errors.push(`${name}: ${err.name}: ${err.message}`);
    show();
    return null;
  }
}

document.getElementById('sign-in').addEventListener('click', () => attempt('signInWithRedirect', () => signInWithRedirect()));
document.getElementById('sign-out').addEventListener('click', () => attempt('signOut', () => signOut()));
document.getElementById('session').addEventListener('click', async () => {
  const session = await attempt('fetchAuthSession', () => fetchAuthSession());
  const tokens = session?.tokens;
  state.session = tokens ? { accessToken: tokens.accessToken.toString(), idToken: tokens.idToken?.toString() ?? null,
    access: payloadOf(tokens.accessToken), id: payloadOf(tokens.idToken) } : { tokens: null };
  document.getElementById('session-out').textContent = tokens
    ? `access token for ${state.session.access.username}, scope ${state.session.access.scope}`
    : 'no tokens';
  state.sessionDone = true;
});

refreshUser();
