// End-to-end check of authmock's interactive login and consent page in a
// real headless Chromium, driven by playwright-core.
//
//   node consent.mjs http://127.0.0.1:PORT
//
// It runs against the "oidc-login" instance of .ci/e2e/ci-config.json. The
// client's redirect URI, http://127.0.0.1:9/callback, has nothing listening:
// the test reads the URL of the browser's request to it and lets the
// navigation fail. (page.route cannot be used: Playwright does not route
// the request a redirect leads to, only the first request of a chain.)
//
// Every check prints "ok - <name>" or "not ok - <name>" plus the error; the
// last line is "N passed, M failed" and the exit status is 1 when M > 0.
import { assert, assertEqual, baseURL, check, closeSoon, fail, finish } from './harness.mjs';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = baseURL('consent.mjs');
const issuer = `${base}/oidc-login`;

const ciConfig = JSON.parse(readFileSync(new URL('./ci-config.json', import.meta.url), 'utf8'));
const instance = ciConfig.providers.find((p) => p.name === 'oidc-login').config;
const app = instance.clients.find((c) => c.id === 'login-web');
const alice = instance.users.find((u) => u.username === 'alice');
const REDIRECT = app.redirect_uris[0]; // http://127.0.0.1:9/callback
const APP_NAME = 'Consent <Test> App';
const outDir = new URL('../out/', import.meta.url);
const screenshot = new URL('consent.png', outDir);

const TIMEOUT_MS = 15_000;

const attr = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const b64url = (buf) => Buffer.from(buf).toString('base64url');

// newAuthorization returns a fresh authorization URL with its state and
// PKCE verifier (S256).
function newAuthorization() {
  const state = b64url(randomBytes(16));
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const url = new URL(`${issuer}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: app.id,
    redirect_uri: REDIRECT,
    scope: 'openid profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), state, verifier };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-dev-shm-usage',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // Port 9 (discard) is on Chromium's unsafe-port list, which fails the
    // navigation with ERR_UNSAFE_PORT before any request is made.
    '--explicitly-allowed-ports=9',
  ],
  timeout: TIMEOUT_MS,
});

// A hard stop so a hung browser cannot stall CI.
const watchdog = setTimeout(() => {
  fail('watchdog', new Error('consent checks took longer than 90 s'));
  finish();
}, 90_000);
watchdog.unref();

try {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT_MS);

  // Every request the browser makes to the client's redirect URI is
  // recorded. Nothing listens there, so the navigation itself then fails
  // (connection refused); only its URL matters.
  const callbackOrigin = new URL(REDIRECT).origin;
  const isCallback = (req) => req.url().startsWith(`${callbackOrigin}/`);
  const callbacks = [];
  context.on('request', (req) => {
    if (isCallback(req)) callbacks.push(req.url());
  });
  // toCallback runs action (a click that submits the form) and returns the
  // URL the browser was redirected to. The page is left on a failed
  // navigation, so each flow below starts on a fresh page.
  const toCallback = async (page, action) => {
    const [req] = await Promise.all([page.waitForRequest(isCallback), action()]);
    return new URL(req.url());
  };

  let page = await context.newPage();
  const freshPage = async () => {
    await closeSoon(page);
    page = await context.newPage();
    return page;
  };

  // 1. The page itself.
  let first;
  await check('consent page: app name escaped, scopes, login fields, screenshot', async () => {
    first = newAuthorization();
    const res = await page.goto(first.url);
    assertEqual(res.status(), 200, 'status');
    const html = await res.text();
    assert(html.includes('Consent &lt;Test&gt; App'), 'HTML source has the escaped name Consent &lt;Test&gt; App');
    assert(!html.includes(APP_NAME), 'HTML source never has the raw name');
    const title = await page.locator('#title').innerText();
    assert(title.includes(APP_NAME), `visible title shows ${APP_NAME}: ${JSON.stringify(title)}`);
    const body = await page.locator('body').innerText();
    assert(body.includes(APP_NAME), 'visible text shows the app name');
    const scopes = await page.locator('#scopes li').allInnerTexts();
    assertEqual(JSON.stringify(scopes.map((s) => s.trim())), JSON.stringify(['openid', 'profile']), 'scopes listed');
    assertEqual(await page.locator('input#username').count(), 1, 'username field');
    assertEqual(await page.locator('input#password[type=password]').count(), 1, 'password field');
    assertEqual(await page.locator('button#allow').count(), 1, 'Allow button');
    assertEqual(await page.locator('button#deny').count(), 1, 'Deny button');
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: screenshot.pathname, fullPage: true });
  });

  // 2. Wrong password, on the same page.
  await check('wrong password: #error shown, status 401', async () => {
    assert(first, 'the consent page loaded');
    await page.fill('#username', alice.username);
    await page.fill('#password', 'not-the-password');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${issuer}/authorize/decision`) && r.request().method() === 'POST'),
      page.click('#allow'),
    ]);
    assertEqual(res.status(), 401, 'status');
    await page.waitForLoadState('domcontentloaded');
    const err = await page.locator('#error').innerText();
    assert(/wrong username or password/i.test(err), `#error says so: ${JSON.stringify(err)}`);
    assertEqual(await page.inputValue('#username'), alice.username, 'username kept');
    assertEqual(callbacks.length, 0, 'no redirect to the client');
  });

  // 3. Deny from the re-shown page: access_denied with the same state.
  await check('deny: redirected with error=access_denied and the same state', async () => {
    assert(first, 'the consent page loaded');
    const cb = await toCallback(page, () => page.click('#deny'));
    assertEqual(cb.origin + cb.pathname, REDIRECT, 'redirect URI');
    assertEqual(cb.searchParams.get('error'), 'access_denied', 'error');
    assertEqual(cb.searchParams.get('state'), first.state, 'state');
    assertEqual(cb.searchParams.get('iss'), issuer, 'iss (RFC 9207)');
    assertEqual(cb.searchParams.get('code'), null, 'no code');
  });

  // 4. Allow with the right password, then redeem the code.
  let decisionForm; // the form fields of the approved submission, for step 5
  // Submitted with Enter in the password field, as a person would: the
  // form's default (first) button must be Allow.
  await check('allow (Enter in the password field): code, state and iss; the code redeems for an ID token of alice', async () => {
    const auth = newAuthorization();
    await freshPage();
    const res = await page.goto(auth.url);
    assertEqual(res.status(), 200, 'consent page status');
    await page.fill('#username', alice.username);
    await page.fill('#password', alice.password);
    decisionForm = {
      action: await page.locator('form').getAttribute('action'),
      fields: {
        request_id: await page.inputValue('input[name=request_id]'),
        username: alice.username,
        password: alice.password,
        action: 'allow',
      },
    };
    const cb = await toCallback(page, () => page.press('#password', 'Enter'));
    assertEqual(cb.origin + cb.pathname, REDIRECT, 'redirect URI');
    const code = cb.searchParams.get('code');
    assert(code, `code in ${cb}`);
    assertEqual(cb.searchParams.get('state'), auth.state, 'state');
    assertEqual(cb.searchParams.get('iss'), issuer, 'iss');
    assertEqual(cb.searchParams.get('error'), null, 'no error');

    const tokenRes = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(app.id)}:${encodeURIComponent(app.secret)}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: auth.verifier }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = await tokenRes.json();
    assertEqual(tokenRes.status, 200, `token status (${JSON.stringify(body)})`);
    assert(typeof body.id_token === 'string', 'id_token present');
    const payload = JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString('utf8'));
    assertEqual(payload.sub, alice.subject, 'id_token sub');
    assertEqual(payload.aud, app.id, 'id_token aud');
    assertEqual(payload.iss, issuer, 'id_token iss');
  });

  // 5. The same form submitted again must not mint a second code.
  await check('double submit: "already answered" page, no second code', async () => {
    assert(decisionForm, 'the approved form was captured');
    const before = callbacks.length;
    // Re-POST the very form the browser submitted, from the browser's own
    // request context (same cookies, same origin), without following
    // redirects: a second code would be a 302 to the redirect URI.
    await freshPage();
    const res = await page.request.post(decisionForm.action, { form: decisionForm.fields, maxRedirects: 0 });
    assertEqual(res.headers()['location'], undefined, 'no redirect');
    assertEqual(res.status(), 400, 'status');
    const text = await res.text();
    assert(/already answered/i.test(text), `page says already answered: ${text.slice(0, 200)}`);
    assert(!/[?&]code=/.test(text), 'no code in the page');
    assertEqual(callbacks.length, before, 'no new callback navigation');

    // And through the browser: back to the submitted page and submit again.
    // Going back re-requests /authorize (the page is no-store), which starts
    // a new sign-in; so instead load the answered form into the page and
    // submit it as a user would after pressing Back on a cached copy.
    await page.setContent(
      `<form method="post" action="${attr(decisionForm.action)}">` +
        Object.entries(decisionForm.fields)
          .map(([k, v]) => `<input type="hidden" name="${attr(k)}" value="${attr(v)}">`)
          .join('') +
        `<button id="again" type="submit">again</button></form>`,
    );
    const [again] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(decisionForm.action) && r.request().method() === 'POST'),
      page.click('#again'),
    ]);
    assertEqual(again.status(), 400, 'browser resubmit status');
    await page.waitForLoadState('domcontentloaded');
    const shown = await page.locator('body').innerText();
    assert(/already answered/i.test(shown), `browser shows already answered: ${shown.slice(0, 200)}`);
    assertEqual(callbacks.length, before, 'no callback navigation from the browser resubmit');
  });
} catch (err) {
  fail('browser session', err);
} finally {
  await closeSoon(browser);
}

finish();
