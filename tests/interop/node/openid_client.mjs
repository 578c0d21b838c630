// openid-client v6 as a relying party of userpool's managed login, with a person signing in
// through the hosted page in headless Chromium.
//
// Config: {issuer, clientId, clientSecret?, redirectUri, scope, shots?, selectors?, steps}
//   issuer       the pool's issuer URL (discovery reads <issuer>/.well-known/openid-configuration)
//   shots        a directory for the browser's screenshots (<step>-<name>.png)
//   selectors    {username, password, submit} of the hosted sign-in form
// A TLS server's self-signed certificate is trusted through NODE_EXTRA_CA_CERTS (fetch here) and
// accepted by Chromium (--ignore-certificate-errors).
// Steps:
//   discovery                       the server's metadata as openid-client read it
//   authorize {username, password, extra?}
//                                   PKCE S256 + state + nonce; Chromium opens the authorization URL,
//                                   signs in on the hosted page and lands on redirectUri
//   codeGrant                       authorizationCodeGrant with the PKCE verifier, state and nonce
//                                   checks (the ID token validated by openid-client); value: claims
//   replayCode                      the same callback URL again (a used code must be refused)
//   userinfo                        fetchUserInfo with the access token, subject checked
//   refresh                         refreshTokenGrant; value: the new ID token's claims
//   revoke                          tokenRevocation of the refresh token
//   refreshAgain                    refreshTokenGrant with the revoked refresh token
import { join } from 'node:path';
import * as client from 'openid-client';
import { decodeJwtPayload, runSteps } from './lib/harness.mjs';
import { launchChromium, pageView } from './lib/chromium.mjs';

const DEFAULT_SELECTORS = { username: 'input[name=username]', password: 'input[name=password]', submit: '[type=submit]' };

function tokenSummary(tokens) {
  return {
    token_type: tokens.token_type,
    expires_in: tokens.expires_in,
    scope: tokens.scope ?? null,
    has_refresh_token: Boolean(tokens.refresh_token),
    access: tokens.access_token ? decodeJwtPayload(tokens.access_token) : null,
    claims: tokens.id_token ? tokens.claims() : null,
  };
}

async function waitFor(predicate, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the redirect to the relying party');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Chromium signs in on the hosted page and returns the callback URL it was sent to. */
async function signInInBrowser(url, step, config) {
  const selectors = { ...DEFAULT_SELECTORS, ...(config.selectors ?? {}) };
  const { page, close } = await launchChromium({ ignoreHTTPSErrors: true });
  const atCallback = () => page.url().startsWith(config.redirectUri);
  try {
    const response = await page.goto(url.href, { waitUntil: 'load' });
    const login = { status: response?.status() ?? null, ...(await pageView(page)) };
    if (config.shots) await page.screenshot({ path: join(config.shots, 'openid-client-login.png') });
    await page.fill(selectors.username, step.username);
    await page.fill(selectors.password, step.password);
    await page.click(selectors.submit);
    try {
      await waitFor(atCallback);
    } catch (err) {
      if (config.shots) await page.screenshot({ path: join(config.shots, 'openid-client-stuck.png') });
      const seen = await pageView(page);
      throw new Error(`${err.message}; the browser is on ${seen.url}: ${seen.text.slice(0, 600)}`);
    }
    await page.waitForLoadState('load');
    if (config.shots) await page.screenshot({ path: join(config.shots, 'openid-client-callback.png') });
    return { login, callback: page.url(), landed: await pageView(page) };
  } finally {
    await close();
  }
}

const actions = {
  async discovery(_step, ctx, config) {
    const auth = config.clientSecret ? client.ClientSecretBasic(config.clientSecret) : client.None();
    ctx.oidc = await client.discovery(new URL(config.issuer), config.clientId, undefined, auth);
    const meta = ctx.oidc.serverMetadata();
    return {
      issuer: meta.issuer,
      authorization_endpoint: meta.authorization_endpoint,
      token_endpoint: meta.token_endpoint,
      userinfo_endpoint: meta.userinfo_endpoint,
      revocation_endpoint: meta.revocation_endpoint ?? null,
      code_challenge_methods_supported: meta.code_challenge_methods_supported ?? null,
    };
  },
  async authorize(step, ctx, config) {
    ctx.verifier = client.randomPKCECodeVerifier();
    ctx.state = client.randomState();
    ctx.nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(ctx.oidc, {
      redirect_uri: config.redirectUri,
      scope: config.scope,
      code_challenge: await client.calculatePKCECodeChallenge(ctx.verifier),
      code_challenge_method: 'S256',
      state: ctx.state,
      nonce: ctx.nonce,
      ...(step.extra ?? {}),
    });
    const seen = await signInInBrowser(url, step, config);
    ctx.callback = seen.callback;
    const back = new URL(seen.callback);
    return { authorizationUrl: url.href, ...seen, callbackParams: Object.fromEntries(back.searchParams), state: ctx.state, nonce: ctx.nonce };
  },
  async codeGrant(_step, ctx) {
    ctx.tokens = await client.authorizationCodeGrant(ctx.oidc, new URL(ctx.callback), {
      pkceCodeVerifier: ctx.verifier,
      expectedState: ctx.state,
      expectedNonce: ctx.nonce,
      idTokenExpected: true,
    });
    return tokenSummary(ctx.tokens);
  },
  async replayCode(_step, ctx) {
    const again = await client.authorizationCodeGrant(ctx.oidc, new URL(ctx.callback), {
      pkceCodeVerifier: ctx.verifier,
      expectedState: ctx.state,
      expectedNonce: ctx.nonce,
    });
    return tokenSummary(again);
  },
  async userinfo(_step, ctx) {
    return client.fetchUserInfo(ctx.oidc, ctx.tokens.access_token, ctx.tokens.claims().sub);
  },
  async refresh(_step, ctx) {
    ctx.refreshToken = ctx.tokens.refresh_token;
    ctx.refreshed = await client.refreshTokenGrant(ctx.oidc, ctx.refreshToken);
    return tokenSummary(ctx.refreshed);
  },
  async revoke(_step, ctx) {
    await client.tokenRevocation(ctx.oidc, ctx.refreshToken);
    return { revoked: true };
  },
  async refreshAgain(_step, ctx) {
    return tokenSummary(await client.refreshTokenGrant(ctx.oidc, ctx.refreshToken));
  },
};

/** openid-client's errors, with the server's OAuth error code and what openid-client objected to. */
function explained(err) {
  let cause = Array.isArray(err.cause) ? ` <- ${JSON.stringify(err.cause)}` : '';
  for (let c = err.cause; c && typeof c === 'object' && !Array.isArray(c) && cause.length < 800; c = c.cause) {
    cause += ` <- ${c.code ?? c.name}: ${c.message}${c.cause && typeof c.cause !== 'object' ? ` ${JSON.stringify(c.cause)}` : ''}`;
  }
  const wrapped = new Error(`${err.message}${cause}`);
  Object.assign(wrapped, { name: err.name, code: err.error ?? err.code });
  return wrapped;
}

await runSteps(
  Object.fromEntries(
    Object.entries(actions).map(([name, fn]) => [
      name,
      async (...args) => {
        try {
          return await fn(...args);
        } catch (err) {
          throw explained(err);
        }
      },
    ]),
  ),
);
