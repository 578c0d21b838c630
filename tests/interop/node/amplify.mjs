// Drives aws-amplify v6 Auth (the real npm package) against a userpool server.
//
// Config (see lib/harness.mjs): endpoint, poolId, clientId, outbox, steps, and
//   package  "aws-amplify" (6.22.x, default) or "aws-amplify-6153" (6.15.3, the npm alias)
// Steps: signIn, confirmSignIn, signUp, confirmSignUp, autoSignIn, fetchAuthSession,
//   getCurrentUser, fetchUserAttributes, signOut, resetPassword, confirmResetPassword,
//   updatePassword, storedTokens (what Amplify keeps in its token storage), expireTokens (make
//   the stored tokens look expired so the next read refreshes them), hubEvents, version;
//   MFA: setUpTOTP (returns sharedSecret and setupUri), verifyTOTPSetup, updateMFAPreference,
//   fetchMFAPreference, totpCodes (the TOTP codes this run computed: {secret, step, code}).
// Codes: `{"outbox": "<KIND>"}` (see lib/harness.mjs) and, for TOTP, `{"totp": {"offset": n}}`:
//   the code of the current 30 s step + n for the newest TOTP secret this run was given (by
//   setUpTOTP or a CONTINUE_SIGN_IN_WITH_TOTP_SETUP step; or `"secret"`), `{"totp": "last"}`
//   the last one computed again. signIn/confirmSignIn answers carry totpSetupDetails as
//   {sharedSecret, setupUri} (getSetupUri('userpool-interop')).
import { decodeJwtPayload, packageVersion, resolveCode, runSteps, totpCode, totpStep } from './lib/harness.mjs';

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

/** A code argument: an outbox reference, a TOTP reference, or the value itself. */
function resolveAnswer(value, ctx, config, username) {
  if (!value || typeof value !== 'object' || !('totp' in value)) return resolveCode(config, username, value);
  const { totp } = ctx;
  if (value.totp === 'last') {
    if (!totp.codes.length) throw new Error('no TOTP code computed yet');
    return totp.codes[totp.codes.length - 1].code;
  }
  const secret = value.totp.secret ?? totp.secret;
  if (!secret) throw new Error('no TOTP secret yet: call setUpTOTP or reach CONTINUE_SIGN_IN_WITH_TOTP_SETUP first');
  const step = value.totp.step ?? totpStep() + (value.totp.offset ?? 0);
  const code = totpCode(secret, step);
  totp.codes.push({ secret, step, code });
  return code;
}

/** Amplify's sign-in answer as JSON: TOTP setup details hold a function (getSetupUri). */
function signInOutput(result, ctx) {
  const details = result?.nextStep?.totpSetupDetails;
  if (!details) return result;
  ctx.totp.secret = details.sharedSecret;
  const totpSetupDetails = { sharedSecret: details.sharedSecret, setupUri: details.getSetupUri('userpool-interop').href };
  return { ...result, nextStep: { ...result.nextStep, totpSetupDetails } };
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
  return { auth, storage, hubEvents, version, pkg, totp: { secret: null, codes: [] } };
}

const actions = {
  version: (_, { version, pkg }) => ({ package: pkg, version }),
  signIn: async ({ username, password, options }, ctx) => signInOutput(await ctx.auth.signIn({ username, password, options }), ctx),
  confirmSignIn: async ({ challengeResponse, options, username }, ctx, config) =>
    signInOutput(await ctx.auth.confirmSignIn({ challengeResponse: resolveAnswer(challengeResponse, ctx, config, username), options }), ctx),
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
  async setUpTOTP({ appName = 'userpool-interop', accountName }, ctx) {
    const details = await ctx.auth.setUpTOTP();
    ctx.totp.secret = details.sharedSecret;
    return { sharedSecret: details.sharedSecret, setupUri: details.getSetupUri(appName, accountName).href };
  },
  verifyTOTPSetup: ({ code, options }, ctx, config) => ctx.auth.verifyTOTPSetup({ code: resolveAnswer(code, ctx, config), options }),
  updateMFAPreference: ({ sms, totp, email }, { auth }) => auth.updateMFAPreference({ sms, totp, email }),
  fetchMFAPreference: (_, { auth }) => auth.fetchMFAPreference(),
  totpCodes: (_, { totp }) => [...totp.codes],
};

await runSteps(actions, setup);
