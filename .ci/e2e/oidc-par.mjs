// End-to-end check of authmock's pushed authorization requests (RFC 9126)
// with openid-client v6's buildAuthorizationUrlWithPAR, against the
// embedded "oidc" instance.
//
//   node oidc-par.mjs http://127.0.0.1:PORT
//
// Every check prints "ok - <name>" or "not ok - <name>" plus the error; the
// last line is "N passed, M failed" and the exit status is 1 when M > 0.
// openid-client pushes the request itself (client authentication, the 201
// body's request_uri and expires_in), builds the /authorize URL from it and
// validates the code response (iss, state) and the ID token (nonce).
import { assert, assertEqual, baseURL, check, finish } from './harness.mjs';
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { expectOAuthError } from './openid-helpers.mjs';

const base = baseURL('oidc-par.mjs');
const issuer = `${base}/oidc`;

const oidcDefaults = JSON.parse(readFileSync(new URL('../../fixtures/defaults/oidc.json', import.meta.url), 'utf8')).config;
const alice = oidcDefaults.users.find((u) => u.username === 'alice');

const WEB = { id: 'demo-web', secret: 'demo-web-secret', redirect: 'http://localhost:3000/callback' };
const SPA = { id: 'demo-spa', redirect: 'http://localhost:5173/callback' };

const TIMEOUT_MS = 10_000;
const insecure = { execute: [client.allowInsecureRequests], timeout: TIMEOUT_MS / 1000 };
const discover = (id, secret, auth) => client.discovery(new URL(issuer), id, secret, auth, insecure);

// get fetches url without following redirects.
const get = (url) => fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });

// parFlow pushes an authorization request with PKCE, state and nonce, sends
// the "browser" to the URL openid-client built, and redeems the code. It
// returns the tokens and that URL, which must not work a second time.
async function parFlow(config, redirectUri) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
  });
  assertEqual([...url.searchParams.keys()].sort().join(','), 'client_id,request_uri', 'the browser URL carries client_id and request_uri alone');
  assert(url.searchParams.get('request_uri').startsWith('urn:ietf:params:oauth:request_uri:'), `request_uri ${url.searchParams.get('request_uri')}`);
  const res = await get(url);
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) {
    throw new Error(`GET ${url} -> ${res.status}, Location ${location}: ${(await res.text()).slice(0, 300)}`);
  }
  const callback = new URL(location);
  assertEqual(callback.origin + callback.pathname, redirectUri, 'redirected to the pushed redirect_uri');
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedState, expectedNonce, idTokenExpected: true });
  return { tokens, url };
}

let web;
let used; // an authorization URL whose request_uri was used

await check('discovery: pushed_authorization_request_endpoint, not required', async () => {
  web = await discover(WEB.id, WEB.secret);
  const md = web.serverMetadata();
  assertEqual(md.pushed_authorization_request_endpoint, `${issuer}/par`, 'pushed_authorization_request_endpoint');
  assertEqual(md.require_pushed_authorization_requests, false, 'require_pushed_authorization_requests');
});

await check('PAR + code + PKCE + nonce (confidential demo-web, client_secret_basic)', async () => {
  if (!web) throw new Error('discovery failed');
  const { tokens, url } = await parFlow(web, WEB.redirect);
  used = url;
  const claims = tokens.claims();
  assertEqual(claims.sub, alice.subject, 'id_token sub');
  assertEqual(tokens.scope, 'openid profile email', 'scope of the pushed request');
  assert(typeof tokens.refresh_token === 'string', 'refresh_token issued');
});

await check('PAR + code + PKCE (public demo-spa, client auth none)', async () => {
  const spa = await discover(SPA.id, undefined, client.None());
  const { tokens } = await parFlow(spa, SPA.redirect);
  assertEqual(tokens.claims().aud, SPA.id, 'id_token aud');
});

await check('a request_uri works once: the same URL again is refused', async () => {
  if (!used) throw new Error('no used URL from the first flow');
  // demo-web registers several redirect URIs and the URL names none, so
  // the refusal cannot be redirected: it is the error page.
  const res = await get(used);
  assertEqual(res.status, 400, 'status');
  assertEqual(res.headers.get('location'), null, 'no redirect');
  const body = await res.text();
  assert(body.includes('The request_uri is unknown, expired, already used, or was pushed by another client.'), `page: ${body.slice(0, 300)}`);
  // With a registered redirect_uri to trust it is redirected as RFC 9126 asks.
  used.searchParams.set('redirect_uri', WEB.redirect);
  const again = await get(used);
  assertEqual(again.status, 302, 'status with redirect_uri');
  const q = new URL(again.headers.get('location')).searchParams;
  assertEqual(q.get('error'), 'invalid_request_uri', 'error');
  assertEqual(q.get('iss'), issuer, 'iss');
});

await check('push errors: unregistered redirect_uri, wrong secret', async () => {
  if (!web) throw new Error('discovery failed');
  const err = await expectOAuthError(
    () => client.buildAuthorizationUrlWithPAR(web, { redirect_uri: 'https://evil.example/cb', scope: 'openid' }),
    'invalid_request', 'unregistered redirect_uri');
  assertEqual(err.error_description, 'the redirect_uri is not registered for this client', 'description');
  assertEqual(err.status, 400, 'status');
  const wrong = await discover(WEB.id, 'not-the-secret');
  const bad = await expectOAuthError(
    () => client.buildAuthorizationUrlWithPAR(wrong, { redirect_uri: WEB.redirect, scope: 'openid' }),
    'invalid_client', 'wrong secret');
  assertEqual(bad.status, 401, 'status');
});

finish();
