// Drives aws-amplify v6 Auth (the real npm package) against a userpool server.
//
// Config (see lib/harness.mjs): endpoint, poolId, clientId, outbox, steps, and
//   package  "aws-amplify" (6.22.x, default) or "aws-amplify-6153" (6.15.3, the npm alias)
// Steps: signIn, confirmSignIn, signUp, confirmSignUp, autoSignIn, fetchAuthSession,
//   getCurrentUser, fetchUserAttributes, signOut, resetPassword, confirmResetPassword,
//   updatePassword, storedTokens (what Amplify keeps in its token storage), expireTokens (make
//   the stored tokens look expired so the next read refreshes them), hubEvents, version.
import { decodeJwtPayload, packageVersion, resolveCode, runSteps } from './lib/harness.mjs';

/** An inspectable in-memory KeyValueStorage for Amplify's token store. */
class MemoryStorage {
  constructor() { this.map = new Map(); }
  async setItem(key, value) { this.map.set(key, value); }
  async getItem(key) { return this.map.has(key) ? this.map.get(key) : null; }
  async removeItem(key) { this.map.delete(key); }
  async clear() { this.map.clear(); }
  keyEndingWith(suffix) { return [...this.map.keys()].find((k) => k.endsWith(suffix)); }
  valueEndingWith(suffix) { const k = this.keyEndingWith(suffix); return k === undefined ? null : this.map.get(k); }
}

function tokenView(token) {
  if (!token) return null;
  const jwt = token.toString();
  return { jwt, payload: decodeJwtPayload(jwt) };
}

async function setup(config) {
  const pkg = config.package ?? 'aws-amplify';
  const { Amplify } = await import(pkg);
  const auth = await import(`${pkg}/auth`);
  const { cognitoUserPoolsTokenProvider } = await import(`${pkg}/auth/cognito`);
  const { Hub } = await import(`${pkg}/utils`);
  const hubEvents = [];
  Hub.listen('auth', ({ payload }) => hubEvents.push(payload.event));
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.poolId,
        userPoolClientId: config.clientId,
        userPoolEndpoint: config.endpoint,
        ...(config.cognito ?? {}),
      },
    },
  });
  // After configure: Amplify.configure installs its default storage on the token provider.
  const storage = new MemoryStorage();
  cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
  const version = packageVersion(pkg);
  return { auth, storage, hubEvents, version, pkg };
}

const actions = {
  version: (_, { version, pkg }) => ({ package: pkg, version }),
  signIn: ({ username, password, options }, { auth }) => auth.signIn({ username, password, options }),
  confirmSignIn: ({ challengeResponse, options }, { auth }) => auth.confirmSignIn({ challengeResponse, options }),
  signUp: ({ username, password, options }, { auth }) => auth.signUp({ username, password, options }),
  confirmSignUp: ({ username, confirmationCode }, { auth }, config) =>
    auth.confirmSignUp({ username, confirmationCode: resolveCode(config, username, confirmationCode) }),
  autoSignIn: (_, { auth }) => auth.autoSignIn(),
  async fetchAuthSession({ forceRefresh }, { auth }) {
    const session = await auth.fetchAuthSession(forceRefresh === undefined ? undefined : { forceRefresh });
    return {
      accessToken: tokenView(session.tokens?.accessToken),
      idToken: tokenView(session.tokens?.idToken),
      userSub: session.userSub ?? null,
    };
  },
  getCurrentUser: (_, { auth }) => auth.getCurrentUser(),
  fetchUserAttributes: (_, { auth }) => auth.fetchUserAttributes(),
  signOut: ({ global }, { auth }) => auth.signOut(global === undefined ? undefined : { global }),
  resetPassword: ({ username }, { auth }) => auth.resetPassword({ username }),
  confirmResetPassword: ({ username, newPassword, confirmationCode }, { auth }, config) =>
    auth.confirmResetPassword({ username, newPassword, confirmationCode: resolveCode(config, username, confirmationCode) }),
  updatePassword: ({ oldPassword, newPassword }, { auth }) => auth.updatePassword({ oldPassword, newPassword }),
  storedTokens: (_, { storage }) => ({
    accessToken: storage.valueEndingWith('.accessToken'),
    idToken: storage.valueEndingWith('.idToken'),
    refreshToken: storage.valueEndingWith('.refreshToken'),
    clockDrift: storage.valueEndingWith('.clockDrift'),
    lastAuthUser: storage.valueEndingWith('.LastAuthUser'),
  }),
  async expireTokens({ seconds = 86400 }, { storage }) {
    // Amplify treats tokens as expired when now + clockDrift + 5 s > exp: skew the stored drift.
    const key = storage.keyEndingWith('.clockDrift');
    if (!key) throw new Error('no stored tokens to expire');
    await storage.setItem(key, String(Number(seconds) * 1000));
    return { key };
  },
  hubEvents: (_, { hubEvents }) => [...hubEvents],
};

await runSteps(actions, setup);
