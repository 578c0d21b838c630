// The browser side of tests/interop/test_amplify_user_auth.py: aws-amplify v6's choice-based sign-in
// (USER_AUTH: passwordless e-mail codes, first-factor selection, passwords) in a page bundled by esbuild
// (lib/build_page.mjs). The test drives it through window.amplifyTest.call(name, ...args), which runs one Amplify
// Auth API and answers {ok, value} or {ok: false, error: {name, message}}; Hub events are kept in
// window.amplifyTest.events and shown on the page with the last step.
import { Amplify } from 'aws-amplify';
import {
  autoSignIn,
  confirmSignIn,
  confirmSignUp,
  fetchAuthSession,
  getCurrentUser,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';

const config = JSON.parse(document.getElementById('amplify-config').textContent);
Amplify.configure(config);

const apis = {
  signIn,
  confirmSignIn,
  signUp,
  confirmSignUp,
  autoSignIn: () => autoSignIn(), // a live binding: Amplify replaces it once sign-up is confirmed
  signOut,
  getCurrentUser,
  async accessToken() {
    const { tokens } = await fetchAuthSession();
    return tokens ? tokens.accessToken.payload : null;
  },
};

const state = { events: [], steps: [] };
window.amplifyTest = state;

function show(text) {
  document.getElementById('events').textContent = state.events.join(', ') || '(none)';
  document.getElementById('step').textContent = text;
}

Hub.listen('auth', ({ payload }) => {
  state.events.push(payload.event);
  show(document.getElementById('step').textContent);
});

state.call = async (name, ...args) => {
  try {
    const value = await apis[name](...args);
    state.steps.push({ name, ok: true });
    show(`${name}: ${value?.nextStep?.signInStep ?? value?.nextStep?.signUpStep ?? 'ok'}`);
    return { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
  } catch (err) {
    state.steps.push({ name, ok: false });
    show(`${name}: ${err.name}`);
    return { ok: false, error: { name: err.name, message: err.message } };
  }
};

show('ready');
