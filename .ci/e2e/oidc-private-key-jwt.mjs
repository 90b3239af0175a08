// End-to-end check of RFC 7523 client authentication with openid-client v6:
// private_key_jwt (PrivateKeyJwt) at the token, introspection and
// revocation endpoints of the oidc-jwt instance (.ci/e2e/ci-config.json),
// and client_secret_jwt (ClientSecretJwt) for the default instance's
// demo-jwt-hs client.
//
//   node oidc-private-key-jwt.mjs http://127.0.0.1:PORT
//
// The client's private key is the test fixture private-key-jwt.pem beside
// this script; its public half is the client's jwks in ci-config.json.
// openid-client signs a fresh assertion (new jti, aud = the issuer) for
// every request, so a passing run also shows that one assertion per
// request is accepted and that authmock's discovery advertises what the
// client needs.
import { assert, assertEqual, baseURL, check, finish } from './harness.mjs';
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import * as client from 'openid-client';
import { expectOAuthError } from './openid-helpers.mjs';

const base = baseURL('oidc-private-key-jwt.mjs');
const issuer = `${base}/oidc-jwt`;
const CLIENT = { id: 'e2e-private-key-jwt', kid: 'e2e-pkjwt-1' };
const HS = { id: 'demo-jwt-hs', secret: 'demo-jwt-hs-secret' };

const TIMEOUT_MS = 10_000;
const insecure = { execute: [client.allowInsecureRequests], timeout: TIMEOUT_MS / 1000 };

// importPEM reads a PKCS#8 P-256 private key as a WebCrypto signing key.
async function importPEM(path) {
  const pem = readFileSync(new URL(path, import.meta.url), 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

const key = await importPEM('./private-key-jwt.pem');
let config;
let accessToken;

await check('discovery advertises private_key_jwt and ES256', async () => {
  config = await client.discovery(new URL(issuer), CLIENT.id, undefined, client.PrivateKeyJwt({ key, kid: CLIENT.kid }), insecure);
  const md = config.serverMetadata();
  assert(md.token_endpoint_auth_methods_supported.includes('private_key_jwt'), 'token endpoint methods');
  assert(md.introspection_endpoint_auth_methods_supported.includes('private_key_jwt'), 'introspection methods');
  assert(md.token_endpoint_auth_signing_alg_values_supported.includes('ES256'), 'signing algs');
});

await check('client_credentials with private_key_jwt', async () => {
  const tokens = await client.clientCredentialsGrant(config, { scope: 'reports:read' });
  assertEqual(tokens.token_type.toLowerCase(), 'bearer', 'token_type');
  assertEqual(tokens.scope, 'reports:read', 'scope');
  assert(tokens.expires_in > 0, 'expires_in');
  accessToken = tokens.access_token;
});

await check('a second request signs a fresh assertion and succeeds', async () => {
  const tokens = await client.clientCredentialsGrant(config);
  assert(tokens.access_token && tokens.access_token !== accessToken, 'a new access token');
});

await check('introspection with private_key_jwt', async () => {
  const info = await client.tokenIntrospection(config, accessToken);
  assertEqual(info.active, true, 'active');
  assertEqual(info.client_id, CLIENT.id, 'client_id');
  assertEqual(info.scope, 'reports:read', 'scope');
});

await check('revocation with private_key_jwt, then the token is inactive', async () => {
  await client.tokenRevocation(config, accessToken);
  const info = await client.tokenIntrospection(config, accessToken);
  assertEqual(info.active, false, 'active after revocation');
});

await check('an unregistered key is invalid_client', async () => {
  const { privateKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const wrong = await client.discovery(new URL(issuer), CLIENT.id, undefined, client.PrivateKeyJwt({ key: privateKey, kid: CLIENT.kid }), insecure);
  const err = await expectOAuthError(() => client.clientCredentialsGrant(wrong), 'invalid_client', 'wrong key');
  assertEqual(err.status, 401, 'status');
});

await check('client_secret_jwt (HS256) for demo-jwt-hs', async () => {
  const hs = await client.discovery(new URL(`${base}/oidc`), HS.id, undefined, client.ClientSecretJwt(HS.secret), insecure);
  const tokens = await client.clientCredentialsGrant(hs, { scope: 'api:read' });
  assertEqual(tokens.scope, 'api:read', 'scope');
  const info = await client.tokenIntrospection(hs, tokens.access_token);
  assertEqual(info.active, true, 'active');
});

finish();
