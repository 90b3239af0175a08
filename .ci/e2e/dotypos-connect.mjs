// End-to-end check of the dotypos dialect's interactive connector page in a
// real headless Chromium, driven by playwright-core.
//
//   node dotypos-connect.mjs http://127.0.0.1:PORT
//
// It runs against the "dotypos-connect" instance of .ci/e2e/ci-config.json.
// As in consent.mjs, the client's redirect URI, http://127.0.0.1:9/callback,
// has nothing listening: the test reads the URL of the browser's request to
// it and lets the navigation fail.
//
// Every check prints "ok - <name>" or "not ok - <name>" plus the error; the
// last line is "N passed, M failed" and the exit status is 1 when M > 0.
import { assert, assertEqual, baseURL, check, closeSoon, fail, finish } from './harness.mjs';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = baseURL('dotypos-connect.mjs');
const root = `${base}/dotypos-connect`; // admin and API host alike

const ciConfig = JSON.parse(readFileSync(new URL('./ci-config.json', import.meta.url), 'utf8'));
const instance = ciConfig.providers.find((p) => p.name === 'dotypos-connect').config;
const app = instance.clients.find((c) => c.id === 'connect-app');
const clouds = instance.user_clouds.owner.map((id) => instance.clouds.find((c) => c.id === id));
const REDIRECT = app.redirect_uris[0]; // http://127.0.0.1:9/callback
const APP_NAME = 'Connect <Test> App';
const outDir = new URL('../out/', import.meta.url);
const screenshot = new URL('dotypos-connect.png', outDir);

const TIMEOUT_MS = 15_000;

const attr = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const newState = () => randomBytes(12).toString('base64url');

// signedForm is what a client application auto-submits to connector v2:
// signature = hex(HMAC-SHA256(key=client_secret, message=str(timestamp))).
function signedForm(state) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', app.secret).update(timestamp).digest('hex');
  return { client_id: app.id, timestamp, signature, scope: '*', redirect_uri: REDIRECT, state };
}

// autoSubmitPage is the HTML page a client serves to start connector v2.
function autoSubmitPage(fields) {
  return (
    `<form id="f" method="post" action="${attr(`${root}/client/connect/v2`)}">` +
    Object.entries(fields)
      .map(([k, v]) => `<input type="hidden" name="${attr(k)}" value="${attr(v)}">`)
      .join('') +
    `<button id="go" type="submit">connect</button></form>`
  );
}

async function api(path, init) {
  const res = await fetch(`${root}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
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
    '--explicitly-allowed-ports=9', // port 9 is on Chromium's unsafe-port list
  ],
  timeout: TIMEOUT_MS,
});

const watchdog = setTimeout(() => {
  fail('watchdog', new Error('dotypos connector checks took longer than 90 s'));
  finish();
}, 90_000);
watchdog.unref();

try {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT_MS);
  const callbackOrigin = new URL(REDIRECT).origin;
  const isCallback = (req) => req.url().startsWith(`${callbackOrigin}/`);
  const callbacks = [];
  context.on('request', (req) => {
    if (isCallback(req)) callbacks.push(req.url());
  });
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

  // 1. Connector v2, started from the application's auto-submitted form.
  let state;
  let decisionForm;
  await check('connector v2 form post shows the page: app name escaped, clouds as radios, Allow and Deny', async () => {
    state = newState();
    await page.setContent(autoSubmitPage(signedForm(state)));
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${root}/client/connect/v2` && r.request().method() === 'POST'),
      page.click('#go'),
    ]);
    assertEqual(res.status(), 200, 'status');
    await page.waitForLoadState('domcontentloaded');
    const html = await res.text();
    assert(html.includes('Connect &lt;Test&gt; App'), 'HTML source has the escaped name');
    assert(!html.includes(APP_NAME), 'HTML source never has the raw name');
    const title = await page.locator('#title').innerText();
    assert(title.includes(APP_NAME), `visible title shows ${APP_NAME}: ${JSON.stringify(title)}`);
    const radios = page.locator('input[type=radio][name=cloudid]');
    assertEqual(await radios.count(), clouds.length, 'one radio per cloud');
    for (const [i, c] of clouds.entries()) {
      assertEqual(await radios.nth(i).getAttribute('value'), String(c.id), `radio ${i} value`);
    }
    assert(await radios.nth(0).isChecked(), 'the first cloud is preselected');
    const body = await page.locator('#clouds').innerText();
    for (const c of clouds) assert(body.includes(c.name), `cloud ${c.name} listed`);
    assertEqual(await page.locator('button#allow').count(), 1, 'Allow button');
    assertEqual(await page.locator('button#deny').count(), 1, 'Deny button');
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: screenshot.pathname, fullPage: true });
  });

  // 2. Pick the second cloud and Allow: the webhook gets token and cloudid.
  let token;
  await check('allow on the second cloud: redirect with token, cloudid and state', async () => {
    assert(state, 'the page loaded');
    const second = clouds[1];
    await page.check(`input[type=radio][value="${second.id}"]`);
    decisionForm = {
      action: await page.locator('form').getAttribute('action'),
      fields: {
        consent_id: await page.inputValue('input[name=consent_id]'),
        cloudid: String(second.id),
        action: 'allow',
      },
    };
    const cb = await toCallback(page, () => page.click('#allow'));
    assertEqual(cb.origin + cb.pathname, REDIRECT, 'redirect URI');
    token = cb.searchParams.get('token');
    assert(/^[0-9a-f]{32}$/.test(token || ''), `token is 32 lowercase hex: ${token}`);
    assertEqual(cb.searchParams.get('cloudid'), String(second.id), 'cloudid');
    assertEqual(cb.searchParams.get('state'), state, 'state');
    assertEqual([...cb.searchParams.keys()].join(','), 'token,cloudid,state', 'parameter order');
  });

  // 3. The token works as the documentation says.
  await check('signin with the token and _cloudId, then the clouds list and the cloud', async () => {
    assert(token, 'a token was issued');
    const cloudId = clouds[1].id;
    const signin = await api('/v2/signin/token', {
      method: 'POST',
      headers: { authorization: `User ${token}`, 'content-type': 'application/json; charset=UTF-8' },
      body: JSON.stringify({ _cloudId: String(cloudId) }),
    });
    assertEqual(signin.status, 201, `signin status, 201 as the real API (${signin.text})`);
    const { accessToken } = signin.json();
    assert(typeof accessToken === 'string' && accessToken.split('.').length === 3, 'accessToken is a JWT');
    assertEqual(Object.keys(signin.json()).join(','), 'accessToken', 'nothing but accessToken');
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8'));
    assertEqual(payload.exp - payload.iat, 3600, 'one hour');
    const list = await api('/v2/clouds', { headers: { authorization: `Bearer ${accessToken}` } });
    assertEqual(list.status, 200, `clouds status (${list.text})`);
    assertEqual(JSON.stringify(list.json().data.map((c) => c.id)), JSON.stringify([cloudId]), 'granted cloud listed');
    const one = await api(`/v2/clouds/${cloudId}`, { headers: { authorization: `Bearer ${accessToken}` } });
    assertEqual(one.status, 200, 'cloud status');
    assertEqual(one.json().name, clouds[1].name, 'cloud name');
    const other = await api(`/v2/clouds/${clouds[0].id}`, { headers: { authorization: `Bearer ${accessToken}` } });
    assertEqual(other.status, 403, 'another cloud is forbidden');
    const err = other.json();
    assertEqual(Object.keys(err).join(','), 'timestamp,status,error,reason,message', 'the API error object');
    assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(err.timestamp), `timestamp ${err.timestamp}`);
    assertEqual(JSON.stringify({ ...err, timestamp: undefined }),
      JSON.stringify({ status: 403, error: 'Forbidden', reason: 'CLOUD_FORBIDDEN', message: 'the access token is not for this cloud' }), 'error body');
  });

  // 4. The answered form again issues nothing.
  await check('double submit: "already answered" page, no second token', async () => {
    assert(decisionForm, 'the approved form was captured');
    const before = callbacks.length;
    await freshPage();
    const res = await page.request.post(decisionForm.action, { form: decisionForm.fields, maxRedirects: 0 });
    assertEqual(res.headers()['location'], undefined, 'no redirect');
    assertEqual(res.status(), 400, 'status');
    assert(/already answered/i.test(await res.text()), 'page says already answered');
    assertEqual(callbacks.length, before, 'no new callback');
  });

  // 5. Legacy connector, Deny: back to the application without a token.
  await check('legacy connector, Deny: error=access_denied and state, no token', async () => {
    await freshPage();
    const st = newState();
    const url = `${root}/client/connect?client_id=${encodeURIComponent(app.id)}&client_secret=${encodeURIComponent(app.secret)}&scope=*&redirect_uri=${encodeURIComponent(REDIRECT)}&state=${st}`;
    const res = await page.goto(url);
    assertEqual(res.status(), 200, 'page status');
    const cb = await toCallback(page, () => page.click('#deny'));
    assertEqual(cb.origin + cb.pathname, REDIRECT, 'redirect URI');
    assertEqual(cb.searchParams.get('error'), 'access_denied', 'error');
    assertEqual(cb.searchParams.get('state'), st, 'state');
    assertEqual(cb.searchParams.get('token'), null, 'no token');
  });

  // 6. A wrong secret is a page, never a redirect.
  await check('wrong client_secret: 403 error page, no redirect', async () => {
    await freshPage();
    const before = callbacks.length;
    const res = await page.goto(`${root}/client/connect?client_id=${app.id}&client_secret=wrong&scope=*&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assertEqual(res.status(), 403, 'status');
    assert((await page.locator('#error').innerText()).length > 0, 'error shown');
    assertEqual(callbacks.length, before, 'no callback');
  });
} catch (err) {
  fail('browser session', err);
} finally {
  await closeSoon(browser);
}

finish();
