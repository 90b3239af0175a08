// End-to-end check of authmock's oidc dialect with openid-client v6, the
// Node relying-party library people point at real providers.
//
//   node openid-client.mjs http://127.0.0.1:PORT
//
// Every check prints "ok - <name>" or "not ok - <name>" plus the error; the
// last line is "N passed, M failed" and the exit status is 1 when M > 0.
// openid-client does the protocol validation itself (ID token signature via
// the JWKS, iss, aud, nonce, at_hash, the RFC 9207 iss parameter, state and
// PKCE), so a passing check means a stock client accepts authmock.
import { assert, assertEqual, baseURL, check, finish } from './harness.mjs';
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { expectOAuthError } from './openid-helpers.mjs';

const base = baseURL('openid-client.mjs');
const issuer = `${base}/oidc`;

// The demo clients and users are the embedded defaults; read alice's
// subject from the same file authmock embeds instead of repeating it here.
const oidcDefaults = JSON.parse(readFileSync(new URL('../../fixtures/defaults/oidc.json', import.meta.url), 'utf8')).config;
const alice = oidcDefaults.users.find((u) => u.username === 'alice');

const WEB = { id: 'demo-web', secret: 'demo-web-secret', redirect: 'http://localhost:3000/callback' };
const SPA = { id: 'demo-spa', redirect: 'http://localhost:5173/callback' };
const SERVICE = { id: 'demo-service', secret: 'demo-service-secret' };

// Every HTTP call made here goes to 127.0.0.1 and must not hang CI.
const TIMEOUT_MS = 10_000;
const insecure = { execute: [client.allowInsecureRequests], timeout: TIMEOUT_MS / 1000 };

// codeFlow runs one authorization code flow with PKCE, state and nonce. The
// oidc instance is non-interactive, so /authorize answers at once with a
// redirect as the client's default user (alice); the redirect is read, not
// followed, and handed to authorizationCodeGrant as the callback URL.
async function codeFlow(config, redirectUri) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(pkceCodeVerifier);
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
  });
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) {
    throw new Error(`GET ${url} -> ${res.status}, Location ${location}: ${(await res.text()).slice(0, 300)}`);
  }
  const callback = new URL(location);
  assert(callback.origin + callback.pathname === redirectUri, `redirected to ${redirectUri}, got ${location}`);
  assert(callback.searchParams.get('code'), `code in ${location}`);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier,
    expectedState,
    expectedNonce,
    idTokenExpected: true,
  });
  return tokens;
}

const discover = (id, secret, auth) => client.discovery(new URL(issuer), id, secret, auth, insecure);

let web; // Configuration for demo-web, reused by later checks
let webTokens; // tokens from the demo-web code flow

await check('discovery: issuer and endpoints', async () => {
  web = await discover(WEB.id, WEB.secret);
  const md = web.serverMetadata();
  assertEqual(md.issuer, issuer, 'issuer');
  for (const ep of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
    assert(typeof md[ep] === 'string' && md[ep].startsWith(issuer + '/'), `${ep} under the issuer: ${md[ep]}`);
  }
  assert(md.code_challenge_methods_supported?.includes('S256'), 'S256 in code_challenge_methods_supported');
  assert(md.authorization_response_iss_parameter_supported === true, 'authorization_response_iss_parameter_supported');
});

await check('client_credentials (demo-service, scope api:read)', async () => {
  const svc = await discover(SERVICE.id, SERVICE.secret);
  const tokens = await client.clientCredentialsGrant(svc, { scope: 'api:read' });
  assert(typeof tokens.access_token === 'string' && tokens.access_token.length > 0, 'access_token present');
  assertEqual(tokens.token_type?.toLowerCase(), 'bearer', 'token_type');
  assertEqual(tokens.expires_in, 3600, 'expires_in');
  assertEqual(tokens.scope, 'api:read', 'scope');
  assertEqual(tokens.refresh_token, undefined, 'no refresh_token for client_credentials');
  assertEqual(tokens.id_token, undefined, 'no id_token for client_credentials');
});

await check('authorization code + PKCE + nonce (confidential demo-web)', async () => {
  if (!web) throw new Error('discovery failed');
  webTokens = await codeFlow(web, WEB.redirect);
  const claims = webTokens.claims();
  assert(claims, 'ID token claims');
  assertEqual(claims.sub, alice.subject, 'id_token sub');
  assertEqual(claims.email, alice.claims.email, 'id_token email');
  assert(typeof webTokens.refresh_token === 'string', 'refresh_token issued');
});

await check('authorization code + PKCE (public demo-spa, client auth none)', async () => {
  const spa = await discover(SPA.id, undefined, client.None());
  const tokens = await codeFlow(spa, SPA.redirect);
  const claims = tokens.claims();
  assertEqual(claims.sub, alice.subject, 'id_token sub');
  assertEqual(claims.aud, SPA.id, 'id_token aud');
  assert(claims.email, 'id_token email present');
});

await check('refresh: rotation, then reuse detection revokes the family', async () => {
  if (!webTokens) throw new Error('no tokens from the code flow');
  const oldRT = webTokens.refresh_token;
  const next = await client.refreshTokenGrant(web, oldRT);
  assert(typeof next.refresh_token === 'string', 'new refresh_token');
  assert(next.refresh_token !== oldRT, 'new refresh token differs from the old one');
  assert(next.access_token && next.access_token !== webTokens.access_token, 'new access token');
  // Presenting the retired token is reuse: invalid_grant, and the whole
  // grant is revoked, so the newest refresh token dies with it.
  await expectOAuthError(() => client.refreshTokenGrant(web, oldRT), 'invalid_grant', 'reusing the old refresh token');
  await expectOAuthError(() => client.refreshTokenGrant(web, next.refresh_token), 'invalid_grant', 'the newest refresh token after reuse');
});

let fresh; // a new grant for userinfo, introspection and revocation

await check('userinfo with a fresh access token', async () => {
  fresh = await codeFlow(web, WEB.redirect);
  const info = await client.fetchUserInfo(web, fresh.access_token, alice.subject);
  assertEqual(info.sub, alice.subject, 'userinfo sub');
  assertEqual(info.email, alice.claims.email, 'userinfo email');
});

await check('introspection, revocation, introspection again', async () => {
  if (!fresh) throw new Error('no tokens from the userinfo check');
  const at = await client.tokenIntrospection(web, fresh.access_token);
  assertEqual(at.active, true, 'access token active');
  assertEqual(at.client_id, WEB.id, 'client_id');
  assertEqual(at.sub, alice.subject, 'sub');
  const rt = await client.tokenIntrospection(web, fresh.refresh_token);
  assertEqual(rt.active, true, 'refresh token active before revocation');

  await client.tokenRevocation(web, fresh.refresh_token);

  const rtAfter = await client.tokenIntrospection(web, fresh.refresh_token);
  assertEqual(rtAfter.active, false, 'refresh token active after revocation');
  const atAfter = await client.tokenIntrospection(web, fresh.access_token);
  assertEqual(atAfter.active, false, 'access token of the revoked grant active');
});

// openid-client v6 has no password grant helper (the grant is deprecated by
// the OAuth 2.0 Security BCP); it is covered by the Go tests instead.
console.log('# skip - password grant (not in openid-client v6)');

finish();
