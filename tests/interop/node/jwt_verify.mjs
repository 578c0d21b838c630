// Verifies tokens with aws-jwt-verify's CognitoJwtVerifier (the real npm package).
//
// Config: poolId, jwks (the pool's JWKS, fetched by the caller: the library's Node fetcher
// refuses http:// URLs, so it is handed over with cacheJwks), and
//   checks [{token, tokenUse: 'access'|'id'|null, clientId?: string|string[]|null}]
//     with CognitoJwtVerifier (the issuer derived from poolId), or
//   checks [{verifier: 'rsa', token, issuer, audience, jwksUri}]
//     with the generic JwtRsaVerifier (any issuer, e.g. a server's own URL)
// Each check gives {ok: true, payload} or {ok: false, error: {name, message}}; the script
// itself fails only when it cannot run.
import { CognitoJwtVerifier, JwtRsaVerifier } from 'aws-jwt-verify';
import { describeError, packageVersion, readConfig } from './lib/harness.mjs';

function emit(result, code) {
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(code));
}

try {
  const config = readConfig();
  const version = packageVersion('aws-jwt-verify');
  const results = [];
  for (const check of config.checks ?? []) {
    const verifier = check.verifier === 'rsa'
      ? JwtRsaVerifier.create({ issuer: check.issuer, audience: check.audience ?? null, jwksUri: check.jwksUri })
      : CognitoJwtVerifier.create({
        userPoolId: check.poolId ?? config.poolId,
        tokenUse: check.tokenUse ?? null,
        clientId: check.clientId === undefined ? config.clientId : check.clientId,
      });
    verifier.cacheJwks(check.jwks ?? config.jwks);
    try {
      results.push({ ok: true, payload: await verifier.verify(check.token) });
    } catch (err) {
      results.push({ ok: false, error: describeError(err), errorClass: err?.constructor?.name ?? null });
    }
  }
  emit({ ok: true, version, results }, 0);
} catch (err) {
  emit({ ok: false, error: describeError(err) }, 2);
}
