// End-to-end check of authmock's DPoP (RFC 9449) with openid-client v6,
// against the oidc-dpop instance of ci-config.json, which demands server
// nonces (dpop.use_dpop_nonce) and whose two clients must use DPoP.
//
//   node oidc-dpop.mjs http://127.0.0.1:PORT
//
// openid-client signs the proofs (ES256 keys from randomDPoPKeyPair), meets
// the use_dpop_nonce error, retries with the DPoP-Nonce it was given and
// keeps that nonce for the next requests: a passing run means a stock
// client gets through authmock's nonce flow, binding and checks.
import { assert, assertEqual, baseURL, check, finish } from './harness.mjs';
import { createHash, webcrypto } from 'node:crypto';
import * as client from 'openid-client';
import { expectOAuthError } from './openid-helpers.mjs';

const base = baseURL('oidc-dpop.mjs');
const issuer = `${base}/oidc-dpop`;
const SPA = { id: 'dpop-spa', redirect: 'http://127.0.0.1:9/callback' };
const SERVICE = { id: 'dpop-service', secret: 'dpop-service-secret' };
const ALICE_SUB = '5d0c7e1a-2b3f-4c6d-8e9f-0a1b2c3d4e5f';

const TIMEOUT_MS = 10_000;

// Every response openid-client gets, so the checks can see the nonce
// round trip it handles by itself.
const seen = [];
async function recordingFetch(url, options) {
  const res = await fetch(url, { ...options, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const copy = res.clone();
  let body = '';
  try { body = await copy.text(); } catch { /* a body already gone is fine */ }
  seen.push({ url: String(url), status: res.status, nonce: res.headers.get('dpop-nonce'), challenge: res.headers.get('www-authenticate'), body, dpop: Boolean(options?.headers && new Headers(options.headers).get('dpop')) });
  return res;
}

async function discover(id, secret, auth) {
  const config = await client.discovery(new URL(issuer), id, secret, auth, { execute: [client.allowInsecureRequests], timeout: TIMEOUT_MS / 1000 });
  config[client.customFetch] = recordingFetch;
  return config;
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of an EC public key, what
// a bound token carries as cnf.jkt.
async function thumbprint(publicKey) {
  const jwk = await webcrypto.subtle.exportKey('jwk', publicKey);
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

function claimsOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

let svc;
let keyPair;
let jkt;

await check('discovery advertises DPoP', async () => {
  svc = await discover(SERVICE.id, SERVICE.secret);
  const algs = svc.serverMetadata().dpop_signing_alg_values_supported;
  assert(Array.isArray(algs) && algs.includes('ES256') && !algs.includes('none') && !algs.some((a) => a.startsWith('HS')), `dpop_signing_alg_values_supported: ${algs}`);
});

await check('client_credentials with DPoP: the server demands a nonce, the retry is bound', async () => {
  keyPair = await client.randomDPoPKeyPair('ES256');
  jkt = await thumbprint(keyPair.publicKey);
  const before = seen.length;
  const tokens = await client.clientCredentialsGrant(svc, { scope: 'api:read' }, { DPoP: client.getDPoPHandle(svc, keyPair) });
  assertEqual(tokens.token_type.toLowerCase(), 'dpop', 'token_type');
  assertEqual(claimsOf(tokens.access_token).cnf?.jkt, jkt, 'cnf.jkt of the access token');
  const exchange = seen.slice(before);
  assertEqual(exchange.length, 2, 'requests made (the first refused for want of a nonce, then the retry)');
  assertEqual(exchange[0].status, 400, 'first answer');
  assertEqual(JSON.parse(exchange[0].body).error, 'use_dpop_nonce', 'first answer error');
  assert(exchange[0].nonce, 'the first answer carries DPoP-Nonce');
  assertEqual(exchange[1].status, 200, 'the retry');
  assertEqual(exchange[1].nonce, exchange[0].nonce, 'the success carries the current nonce');

  const info = await client.tokenIntrospection(svc, tokens.access_token);
  assertEqual(info.active, true, 'introspection: active');
  assertEqual(info.token_type, 'DPoP', 'introspection: token_type');
  assertEqual(info.cnf?.jkt, jkt, 'introspection: cnf.jkt');
});

await check('a client with dpop_bound_access_tokens gets nothing without a proof', async () => {
  await expectOAuthError(() => client.clientCredentialsGrant(svc, { scope: 'api:read' }), 'invalid_dpop_proof', 'client_credentials without DPoP');
});

let spa;
let spaKeys;
let spaDPoP;
let spaTokens;

await check('authorization code + PKCE with DPoP (public client)', async () => {
  spa = await discover(SPA.id, undefined, client.None());
  spaKeys = await client.randomDPoPKeyPair('ES256');
  spaDPoP = client.getDPoPHandle(spa, spaKeys);
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const url = client.buildAuthorizationUrl(spa, {
    redirect_uri: SPA.redirect,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
  });
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  const location = res.headers.get('location');
  assert(res.status === 302 && location, `GET /authorize -> ${res.status} ${location}`);
  spaTokens = await client.authorizationCodeGrant(spa, new URL(location), { pkceCodeVerifier, expectedState }, undefined, { DPoP: spaDPoP });
  assertEqual(spaTokens.token_type.toLowerCase(), 'dpop', 'token_type');
  assertEqual(claimsOf(spaTokens.access_token).cnf?.jkt, await thumbprint(spaKeys.publicKey), 'cnf.jkt');
  assert(spaTokens.refresh_token, 'refresh_token issued');
  assertEqual(spaTokens.claims()?.sub, ALICE_SUB, 'id_token sub');
});

await check('userinfo with the DPoP scheme and a proof with ath', async () => {
  const before = seen.length;
  const info = await client.fetchUserInfo(spa, spaTokens.access_token, ALICE_SUB, { DPoP: spaDPoP });
  assertEqual(info.sub, ALICE_SUB, 'sub');
  assertEqual(info.email, 'alice@example.com', 'email');
  const calls = seen.slice(before);
  assert(calls.every((c) => c.dpop), 'every userinfo request carried a proof');
  assertEqual(calls.at(-1).status, 200, 'userinfo status');
});

await check('the bound token presented as Bearer is refused with a DPoP challenge', async () => {
  const res = await fetch(spa.serverMetadata().userinfo_endpoint, {
    headers: { authorization: `Bearer ${spaTokens.access_token}` },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  assertEqual(res.status, 401, 'status');
  const challenge = res.headers.get('www-authenticate') || '';
  assert(challenge.startsWith('DPoP ') && challenge.includes('error="invalid_token"') && challenge.includes('algs="'), `WWW-Authenticate: ${challenge}`);
});

await check('refresh: bound to the key, so another key is refused and the same key rotates', async () => {
  const otherKeys = await client.randomDPoPKeyPair('ES256');
  await expectOAuthError(
    () => client.refreshTokenGrant(spa, spaTokens.refresh_token, undefined, { DPoP: client.getDPoPHandle(spa, otherKeys) }),
    'invalid_grant', 'refresh with another key');
  const next = await client.refreshTokenGrant(spa, spaTokens.refresh_token, undefined, { DPoP: spaDPoP });
  assertEqual(next.token_type.toLowerCase(), 'dpop', 'token_type after refresh');
  assert(next.refresh_token && next.refresh_token !== spaTokens.refresh_token, 'a new refresh token');
  assertEqual(claimsOf(next.access_token).cnf?.jkt, await thumbprint(spaKeys.publicKey), 'cnf.jkt after refresh');
  const info = await client.fetchUserInfo(spa, next.access_token, ALICE_SUB, { DPoP: spaDPoP });
  assertEqual(info.sub, ALICE_SUB, 'userinfo with the refreshed token');
});

await check('PAR with DPoP (RFC 9449 §10.1): the proof at /par binds the code to the key', async () => {
  const keys = await client.randomDPoPKeyPair('ES256');
  const dpop = client.getDPoPHandle(spa, keys);
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const before = seen.length;
  const url = await client.buildAuthorizationUrlWithPAR(spa, {
    redirect_uri: SPA.redirect,
    scope: 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
  }, { DPoP: dpop });
  const pushed = seen.slice(before).filter((c) => c.url.endsWith('/par'));
  assert(pushed.length >= 1 && pushed.every((c) => c.dpop), 'openid-client sent its proof to /par');
  assertEqual(pushed.at(-1).status, 201, '/par answer');
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  const location = res.headers.get('location');
  assert(res.status === 302 && location, `GET /authorize -> ${res.status} ${location}`);
  const callback = new URL(location);
  await expectOAuthError(
    () => client.authorizationCodeGrant(spa, callback, { pkceCodeVerifier, expectedState }, undefined, { DPoP: client.getDPoPHandle(spa, spaKeys) }),
    'invalid_dpop_proof', 'the code redeemed with another key');
  const tokens = await client.authorizationCodeGrant(spa, callback, { pkceCodeVerifier, expectedState }, undefined, { DPoP: dpop });
  assertEqual(claimsOf(tokens.access_token).cnf?.jkt, await thumbprint(keys.publicKey), 'cnf.jkt: the key the code was bound to');
});

finish();
