// The browser side of tests/interop/test_amplify_devices.py: aws-amplify v6's own device
// tracking (getNewDeviceMetadata after a sign-in, rememberDevice, the DEVICE_SRP_AUTH it answers
// by itself on the next sign-in, fetchDevices, forgetDevice), bundled for the browser by esbuild.
//
// The page reads its Amplify configuration from <script id="amplify-config">; the test calls the
// functions on window.amplifyDevices (each resolves to JSON, or to {error: {name, message}}).
import { Amplify } from 'aws-amplify';
import {
  confirmSignIn, fetchAuthSession, fetchDevices, forgetDevice, rememberDevice, signIn, signOut,
} from 'aws-amplify/auth';

Amplify.configure(JSON.parse(document.getElementById('amplify-config').textContent));

async function attempt(fn) {
  try {
    const value = await fn();
    return value === undefined ? { done: true } : JSON.parse(JSON.stringify(value));
  } catch (err) {
    return { error: { name: err?.name, message: err?.message } };
  }
}

window.amplifyDevices = {
  signIn: (username, password) => attempt(() => signIn({ username, password })),
  confirmSignIn: (challengeResponse) => attempt(() => confirmSignIn({ challengeResponse })),
  rememberDevice: () => attempt(() => rememberDevice()),
  fetchDevices: () => attempt(() => fetchDevices()),
  forgetDevice: () => attempt(() => forgetDevice()),
  signOut: () => attempt(() => signOut()),
  accessPayload: () => attempt(async () => (await fetchAuthSession()).tokens?.accessToken?.payload ?? null),
};
document.getElementById('status').textContent = 'Ready';
