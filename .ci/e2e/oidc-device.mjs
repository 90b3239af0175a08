// End-to-end check of the oidc dialect's device authorization grant (RFC
// 8628) with two clients nobody here wrote: openid-client v6
// (initiateDeviceAuthorization, pollDeviceAuthorizationGrant), approved
// through the admin API, and a person in headless Chromium (playwright-core)
// entering the code at /device, signing in and approving while the device
// polls.
//
//   node oidc-device.mjs http://127.0.0.1:PORT
//
// It runs against the default "oidc" instance and its public demo-device
// client (fixtures/defaults/oidc.json). openid-client waits the server's
// interval (5 s) before each poll, so each flow takes about 5 s.
//
// Every check prints "ok - <name>" or "not ok - <name>" plus the error; the
// last line is "N passed, M failed" and the exit status is 1 when M > 0.
import { assert, assertEqual, baseURL, check, closeSoon, fail, finish } from './harness.mjs';
import { mkdirSync, readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { expectOAuthError } from './openid-helpers.mjs';
import { chromium } from 'playwright-core';

const base = baseURL('oidc-device.mjs');
const issuer = `${base}/oidc`;
const admin = `${base}/_authmock/providers/oidc/device`;

const defaults = JSON.parse(readFileSync(new URL('../../fixtures/defaults/oidc.json', import.meta.url), 'utf8')).config;
const device = defaults.clients.find((c) => c.id === 'demo-device');
const alice = defaults.users.find((u) => u.username === 'alice');
const bob = defaults.users.find((u) => u.username === 'bob');
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

const TIMEOUT_MS = 15_000;
const POLL_MS = 30_000; // a few intervals
const outDir = new URL('../out/', import.meta.url);

// A hard stop so a hung browser or poll cannot stall CI.
const watchdog = setTimeout(() => {
  fail('watchdog', new Error('device checks took longer than 150 s'));
  finish();
}, 150_000);
watchdog.unref();

const insecure = { execute: [client.allowInsecureRequests], timeout: TIMEOUT_MS / 1000 };
const config = await client.discovery(new URL(issuer), device.id, undefined, client.None(), insecure);

const start = (scope) => client.initiateDeviceAuthorization(config, { scope });
const poll = (da) => client.pollDeviceAuthorizationGrant(config, da, undefined, { signal: AbortSignal.timeout(POLL_MS) });

// decide calls the admin API's approve or deny for a user code.
async function decide(userCode, action, body) {
  const res = await fetch(`${admin}/${encodeURIComponent(userCode)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return { status: res.status, body: await res.json() };
}

function checkStart(da) {
  assert(USER_CODE.test(da.user_code), `user_code like WDJB-MJHT: ${da.user_code}`);
  assertEqual(da.verification_uri, `${issuer}/device`, 'verification_uri');
  assertEqual(da.verification_uri_complete, `${issuer}/device?user_code=${da.user_code}`, 'verification_uri_complete');
  assertEqual(da.expires_in, 600, 'expires_in');
  assertEqual(da.interval, 5, 'interval');
  assert(typeof da.device_code === 'string' && da.device_code.length > 40, 'device_code');
}

await check('discovery: device_authorization_endpoint and the device_code grant', async () => {
  const md = config.serverMetadata();
  assertEqual(md.device_authorization_endpoint, `${issuer}/device_authorization`, 'device_authorization_endpoint');
  assert(md.grant_types_supported.includes(GRANT), `grant_types_supported has ${GRANT}`);
});

await check('openid-client: initiate, approve through the admin API, poll to tokens (ID token verified), userinfo', async () => {
  const da = await start('openid profile offline_access');
  checkStart(da);
  const approved = await decide(da.user_code.toLowerCase(), 'approve', { username: bob.username });
  assertEqual(approved.status, 200, `approve status ${JSON.stringify(approved.body)}`);
  assertEqual(approved.body.status, 'approved', 'approve answer');
  const again = await decide(da.user_code, 'deny');
  assertEqual(again.status, 409, 'a second decision is a conflict');

  const tokens = await poll(da);
  const claims = tokens.claims();
  assertEqual(claims.sub, bob.subject, 'id_token sub');
  assertEqual(claims.aud, device.id, 'id_token aud');
  assertEqual(claims.iss, issuer, 'id_token iss');
  assert(tokens.refresh_token, 'refresh_token');
  assertEqual(tokens.scope, 'openid profile offline_access', 'scope');
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assertEqual(info.name, 'Bob Example', 'userinfo name');

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert(refreshed.access_token && refreshed.access_token !== tokens.access_token, 'refresh gives a new access token');
  await expectOAuthError(poll(da), 'invalid_grant', 'the device code yields tokens once');
});

await check('openid-client: denied through the admin API -> access_denied; unknown code -> 404', async () => {
  const da = await start('openid');
  const denied = await decide(da.user_code, 'deny');
  assertEqual(denied.status, 200, 'deny status');
  assertEqual(denied.body.status, 'denied', 'deny answer');
  await expectOAuthError(poll(da), 'access_denied', 'poll after deny');
  const unknown = await decide('BCDF-GHJK', 'approve', { username: alice.username });
  assertEqual(unknown.status, 404, 'unknown user code');
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  timeout: TIMEOUT_MS,
});
try {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT_MS);

  await check('Chromium: enter the code at /device, sign in, approve; the polling device gets tokens', async () => {
    const da = await start('openid email');
    const polling = poll(da); // the device polls while the person acts
    polling.catch(() => {}); // judged below
    const page = await context.newPage();
    const res = await page.goto(da.verification_uri);
    assertEqual(res.status(), 200, '/device status');
    // Typed as a person might: lower case, a space for the dash.
    await page.fill('#user_code', da.user_code.toLowerCase().replace('-', ' '));
    await Promise.all([page.waitForURL(`${issuer}/device`), page.click('#continue')]);
    await page.waitForSelector('#username');
    const title = await page.locator('#title').innerText();
    assert(title.includes(device.name), `login page names the client: ${JSON.stringify(title)}`);
    const scopes = await page.locator('#scopes li').allInnerTexts();
    assertEqual(JSON.stringify(scopes.map((s) => s.trim())), JSON.stringify(['openid', 'email']), 'scopes listed');

    await page.fill('#username', alice.username);
    await page.fill('#password', 'not-the-password');
    const [wrong] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${issuer}/device/decision` && r.request().method() === 'POST'),
      page.click('#allow'),
    ]);
    assertEqual(wrong.status(), 401, 'wrong password status');
    await page.waitForSelector('#error');

    await page.fill('#password', alice.password);
    const [done] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${issuer}/device/decision` && r.request().method() === 'POST'),
      page.click('#allow'),
    ]);
    assertEqual(done.status(), 200, 'approve status');
    await page.waitForLoadState('domcontentloaded');
    assertEqual((await page.locator('#title').innerText()).trim(), 'Device connected', 'done page');
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: new URL('oidc-device.png', outDir).pathname, fullPage: true });

    const tokens = await polling;
    const claims = tokens.claims();
    assertEqual(claims.sub, alice.subject, 'id_token sub');
    assertEqual(claims.email, alice.claims.email, 'id_token email');
    await closeSoon(page);
  });

  await check('Chromium: verification_uri_complete prefills the code; Deny -> the device hears access_denied', async () => {
    const da = await start('openid');
    const polling = poll(da);
    polling.catch(() => {});
    const page = await context.newPage();
    await page.goto(da.verification_uri_complete);
    assertEqual(await page.inputValue('#user_code'), da.user_code, 'prefilled');
    await Promise.all([page.waitForURL(`${issuer}/device`), page.click('#continue')]);
    await page.waitForSelector('#deny');
    await Promise.all([
      page.waitForResponse((r) => r.url() === `${issuer}/device/decision` && r.request().method() === 'POST'),
      page.click('#deny'),
    ]);
    await page.waitForLoadState('domcontentloaded');
    assertEqual((await page.locator('#title').innerText()).trim(), 'Access denied', 'done page');
    await expectOAuthError(polling, 'access_denied', 'poll after the page denied');

    // The used code cannot be entered again.
    await page.goto(da.verification_uri);
    await page.fill('#user_code', da.user_code);
    await Promise.all([page.waitForURL(`${issuer}/device`), page.click('#continue')]);
    const err = await page.locator('#error').innerText();
    assert(/already used/i.test(err), `#error says already used: ${JSON.stringify(err)}`);
    await closeSoon(page);
  });
} catch (err) {
  fail('browser session', err);
} finally {
  await closeSoon(browser);
}

finish();
