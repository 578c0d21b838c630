// Drives amazon-cognito-identity-js (the real npm package) against a userpool server.
//
// Config (see lib/harness.mjs): endpoint, poolId, clientId, steps.
// Steps:
//   authenticateUser {username, password, authFlow?, newPassword?, userAttributes?, totpCode?}
//       SRP by default (authFlow 'USER_PASSWORD_AUTH' switches); when the server answers
//       NEW_PASSWORD_REQUIRED the newPasswordRequired callback fires, and with `newPassword`
//       the script completes the challenge with completeNewPasswordChallenge; with `totpCode`
//       a SOFTWARE_TOKEN_MFA challenge is answered with sendMFACode. The library confirms a
//       tracked device by itself (NewDeviceMetadata) and answers DEVICE_SRP_AUTH by itself.
//   setDeviceStatusRemembered, listDevices {limit}, forgetDevice   on the signed-in user
//   getSession       the pool's current user's session (from the library's storage)
//   refreshSession   CognitoUser.refreshSession with the stored refresh token
//   getUserAttributes  GetUser through the library with its access token
//   globalSignOut, signOut, version
import Cognito from 'amazon-cognito-identity-js';
import { packageVersion, runSteps } from './lib/harness.mjs';

const { CognitoUserPool, CognitoUser, AuthenticationDetails } = Cognito;

function sessionView(session) {
  return {
    isValid: session.isValid(),
    accessToken: session.getAccessToken().getJwtToken(),
    accessPayload: session.getAccessToken().decodePayload(),
    idToken: session.getIdToken().getJwtToken(),
    idPayload: session.getIdToken().decodePayload(),
    refreshToken: session.getRefreshToken().getToken(),
  };
}

function callbackError(err) {
  // The library hands back the parsed wire error: {code, name, message}.
  return Object.assign(new Error(err?.message ?? String(err)), { name: err?.name ?? err?.code, code: err?.code });
}

function currentUser(ctx) {
  const user = ctx.pool.getCurrentUser();
  if (!user) throw new Error('the pool has no current user (sign in first)');
  return user;
}

function getSession(user) {
  return new Promise((resolve, reject) => user.getSession((err, session) => (err ? reject(callbackError(err)) : resolve(session))));
}

function signedIn(ctx) {
  if (!ctx.user) throw new Error('no user signed in by authenticateUser yet');
  return ctx.user;
}

const actions = {
  version: () => ({ version: packageVersion('amazon-cognito-identity-js') }),
  authenticateUser({ username, password, authFlow, newPassword, userAttributes, totpCode }, ctx) {
    const user = new CognitoUser({ Username: username, Pool: ctx.pool });
    if (authFlow) user.setAuthenticationFlowType(authFlow);
    const details = new AuthenticationDetails({ Username: username, Password: password });
    return new Promise((resolve, reject) => {
      const done = {
        onSuccess: (session, userConfirmationNecessary) => {
          ctx.user = user;
          resolve({ callback: 'onSuccess', session: sessionView(session), userConfirmationNecessary, deviceKey: user.deviceKey ?? null });
        },
        onFailure: (err) => reject(callbackError(err)),
      };
      user.authenticateUser(details, {
        ...done,
        newPasswordRequired(givenAttributes, requiredAttributes) {
          if (!newPassword) {
            resolve({ callback: 'newPasswordRequired', userAttributes: givenAttributes, requiredAttributes });
            return;
          }
          user.completeNewPasswordChallenge(newPassword, userAttributes ?? {}, {
            onSuccess: (session) =>
              resolve({ callback: 'newPasswordRequired', userAttributes: givenAttributes, requiredAttributes, completed: sessionView(session) }),
            onFailure: (err) => reject(callbackError(err)),
          });
        },
        mfaRequired: (name, params) => reject(new Error(`unexpected mfaRequired ${name} ${JSON.stringify(params)}`)),
        totpRequired(name) {
          if (!totpCode) {
            reject(new Error(`unexpected totpRequired ${name}`));
            return;
          }
          user.sendMFACode(totpCode, done, 'SOFTWARE_TOKEN_MFA');
        },
        customChallenge: (params) => reject(new Error(`unexpected customChallenge ${JSON.stringify(params)}`)),
      });
    });
  },
  async getSession(_, ctx) {
    return sessionView(await getSession(currentUser(ctx)));
  },
  async refreshSession(_, ctx) {
    const user = currentUser(ctx);
    const session = await getSession(user);
    const refreshed = await new Promise((resolve, reject) =>
      user.refreshSession(session.getRefreshToken(), (err, s) => (err ? reject(callbackError(err)) : resolve(s))),
    );
    return sessionView(refreshed);
  },
  async getUserAttributes(_, ctx) {
    const user = currentUser(ctx);
    await getSession(user);
    const attributes = await new Promise((resolve, reject) =>
      user.getUserAttributes((err, attrs) => (err ? reject(callbackError(err)) : resolve(attrs))),
    );
    return Object.fromEntries(attributes.map((a) => [a.getName(), a.getValue()]));
  },
  async globalSignOut(_, ctx) {
    const user = currentUser(ctx);
    await getSession(user);
    await new Promise((resolve, reject) => user.globalSignOut({ onSuccess: resolve, onFailure: (err) => reject(callbackError(err)) }));
  },
  setDeviceStatusRemembered(_, ctx) {
    return new Promise((resolve, reject) =>
      signedIn(ctx).setDeviceStatusRemembered({ onSuccess: (r) => resolve({ result: r }), onFailure: (e) => reject(callbackError(e)) }),
    );
  },
  listDevices({ limit }, ctx) {
    return new Promise((resolve, reject) =>
      signedIn(ctx).listDevices(limit ?? 60, null, { onSuccess: resolve, onFailure: (e) => reject(callbackError(e)) }),
    );
  },
  forgetDevice(_, ctx) {
    return new Promise((resolve, reject) =>
      signedIn(ctx).forgetDevice({ onSuccess: (r) => resolve({ result: r }), onFailure: (e) => reject(callbackError(e)) }),
    );
  },
  async signOut(_, ctx) {
    const user = currentUser(ctx);
    await new Promise((resolve) => user.signOut(resolve));
  },
};

await runSteps(actions, (config) => ({
  pool: new CognitoUserPool({ UserPoolId: config.poolId, ClientId: config.clientId, endpoint: config.endpoint }),
}));
