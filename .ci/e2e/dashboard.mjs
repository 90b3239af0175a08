// End-to-end check of the dashboard at /_authmock/ui in a real headless
// Chromium, driven by playwright-core, as a developer would use it: it
// watches a token call arrive in the journal decoded, moves the clock until
// the token has expired, breaks the next call with a fault, edits a user and
// logs in as them, and resets everything. A page on another port then tries
// to reset authmock with a plain form POST and must be refused.
//
//   node dashboard.mjs http://127.0.0.1:PORT [http://127.0.0.1:PORT2 ADMIN_TOKEN]
//
// With the second server (started with --admin-token ADMIN_TOKEN), it also
// checks that the page there asks for the token and then works.
//
// It uses the default "oidc" instance and the "oidc-login" instance of
// .ci/e2e/ci-config.json, and resets the server at the end. Screenshots go
// to .ci/out/dashboard-*.png.
//
// Every check prints "ok - <name>" or "not ok - <name>" plus the error; the
// last line is "N passed, M failed" and the exit status is 1 when M > 0.
import { assert, assertEqual, baseURL, check, closeSoon, fail, finish } from './harness.mjs';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const base = baseURL('dashboard.mjs');
const ui = `${base}/_authmock/ui`;
const admin = `${base}/_authmock`;
const outDir = new URL('../out/', import.meta.url);
mkdirSync(outDir, { recursive: true });
const shot = (page, name) => page.screenshot({ path: new URL(`dashboard-${name}.png`, outDir).pathname, fullPage: true });

const ciConfig = JSON.parse(readFileSync(new URL('./ci-config.json', import.meta.url), 'utf8'));
const loginInstance = ciConfig.providers.find((p) => p.name === 'oidc-login').config;
const loginApp = loginInstance.clients.find((c) => c.id === 'login-web');
const REDIRECT = loginApp.redirect_uris[0]; // http://127.0.0.1:9/callback: nothing listens

const TIMEOUT_MS = 15_000;
const b64url = (buf) => Buffer.from(buf).toString('base64url');

// adminAPI calls the admin API from node, the way curl would.
async function adminAPI(method, path, body) {
  const res = await fetch(admin + path, {
    method,
    headers: body ? { 'content-type': 'application/json', 'x-authmock': '1' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// tokenCall is a client's client_credentials call to the demo oidc instance.
async function tokenCall() {
  const res = await fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'demo-service', client_secret: 'demo-service-secret' }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return { status: res.status, body: await res.json() };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--explicitly-allowed-ports=9',
  ],
  timeout: TIMEOUT_MS,
});
const watchdog = setTimeout(() => {
  fail('watchdog', new Error('dashboard checks took longer than 240 s'));
  finish();
}, 240_000);
watchdog.unref();

let evil; // the other-origin server of the last check
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  // Any script error, and anything the content-security policy blocks,
  // fails the last check. (Chromium also logs every 4xx answer as a console
  // error; the page shows those itself, so they are not counted.)
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) pageErrors.push(msg.text());
  });
  const tab = (name) => page.click(`#tabs button[data-tab=${name}]`);

  await check('the page loads with its policy and lists the providers', async () => {
    const res = await page.goto(ui);
    assertEqual(res.status(), 200, 'status');
    const csp = res.headers()['content-security-policy'] || '';
    assert(csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'"), `CSP: ${csp}`);
    assertEqual(res.headers()['x-content-type-options'], 'nosniff', 'X-Content-Type-Options');
    await page.waitForSelector('#status:text("connected")');
    await page.waitForSelector('article.provider[data-provider=oidc]');
    const oidc = await page.locator('article.provider[data-provider=oidc]').innerText();
    assert(oidc.includes(`${base}/oidc/token`), 'the token endpoint is listed');
    assert(!oidc.includes('demo-web-secret'), 'secrets are masked');
    await page.locator('article.provider[data-provider=oidc] li', { hasText: 'demo-web' }).first().locator('.secret').click();
    assert((await page.locator('article.provider[data-provider=oidc]').innerText()).includes('demo-web-secret'), 'a click shows the secret');
    assert((await page.locator('article.provider[data-provider=dotypos] a.button').count()) === 1, 'a ready Dotypos connector link');
    assertEqual((await page.locator('#clock-state').innerText()).trim(), 'running', 'the clock state');
    await shot(page, 'providers');
  });

  let entry; // the journal row of the token call
  await check('a token call appears in the journal within a second, decoded, signature valid', async () => {
    await tab('journal');
    // Earlier runs on this server left exchanges: start from an empty journal.
    await page.click('#journal-clear');
    await page.waitForSelector('#status:text("journal cleared")');
    assertEqual(await page.locator('li.entry').count(), 0, 'the journal is empty');
    const call = await tokenCall();
    assertEqual(call.status, 200, `token call: ${JSON.stringify(call.body)}`);
    await page.fill('#jf-path', '/oidc/token');
    entry = page.locator('li.entry', { hasText: '/oidc/token' }).first();
    await entry.waitFor({ timeout: 2_000 });
    await entry.locator('.entry-summary').click();
    const token = entry.locator('.token').first();
    await token.waitFor();
    assertEqual((await token.locator('.sig').innerText()).trim(), 'signature valid', 'verdict');
    const claims = await token.locator('pre.json').nth(1).innerText();
    assert(claims.includes('"client_id": "demo-service"'), `claims decoded: ${claims}`);
    const details = await entry.innerText();
    assert(!details.includes(call.body.access_token), 'the token itself is not shown');
    assert(/expires in \d/.test(await token.locator('.countdown').innerText()), 'a countdown');
    await shot(page, 'journal');
  });

  await check('advancing the clock a day turns the countdown to expired', async () => {
    await tab('clock');
    const before = await page.locator('#clock-big').innerText();
    await page.click('button[data-advance="86400"]');
    await page.waitForSelector('#status:text("clock: advance")');
    const after = await page.locator('#clock-big').innerText();
    assert(Date.parse(after) - Date.parse(before) >= 86_000_000, `clock moved a day: ${before} -> ${after}`);
    await tab('journal');
    const countdown = entry.locator('.countdown').first();
    await page.waitForFunction((el) => el.textContent.startsWith('expired'), await countdown.elementHandle(), { timeout: 2_000 });
    assert((await countdown.getAttribute('class')).includes('expired'), 'marked expired');
  });

  await check('a queued fault fires on the next call and shows in the queue and the journal', async () => {
    await tab('faults');
    const form = page.locator('#fault-form');
    await form.locator('select[name=provider]').selectOption('oidc');
    await page.waitForSelector('#fault-form select[name=path] option[value="/token"]', { state: 'attached' });
    await form.locator('select[name=path]').selectOption('/token');
    await form.locator('select[name=preset]').selectOption('invalid_client');
    await form.locator('input[name=count]').fill('2');
    await form.locator('button[type=submit]').click();
    const row = page.locator('#faults tbody tr').first();
    await row.waitFor();
    assertEqual(await row.locator('td.fired').innerText(), '0', 'not fired yet');
    const call = await tokenCall();
    assertEqual(call.status, 401, 'the call is broken');
    assertEqual(call.body.error, 'invalid_client', 'with the preset');
    await page.waitForFunction(() => document.querySelector('#faults tbody tr td.fired')?.textContent === '1', null, { timeout: 3_000 });
    await shot(page, 'faults');
    await row.locator('button', { hasText: 'delete' }).click();
    await page.waitForSelector('#status:text("deleted fault")');
    // The queue is drawn again after the status line: wait for it.
    await page.waitForFunction(() => document.querySelectorAll('#faults tbody tr').length === 0, null, { timeout: 3_000 })
      .catch(() => {});
    assertEqual(await page.locator('#faults tbody tr').count(), 0, 'deleted from the queue');
    await tab('journal');
    await page.locator('li.entry .badge.fault').first().waitFor({ timeout: 2_000 });
  });

  await check('editing a user in Fixtures changes how they log in', async () => {
    await tab('fixtures');
    const pick = page.locator('#fixture-pick');
    await pick.locator('select[name=provider]').selectOption('oidc-login');
    await page.waitForSelector('#fixture-pick select[name=kind] option[value=users]', { state: 'attached' });
    await pick.locator('select[name=kind]').selectOption('users');
    const alice = page.locator('article.fixture[data-id=alice]');
    await alice.waitFor();
    await alice.locator('button', { hasText: 'edit' }).click();
    const editor = alice.locator('textarea.edit');
    const item = JSON.parse(await editor.inputValue());
    assert(item.password.startsWith('[redacted sha256:'), 'the password is listed redacted');
    const other = JSON.parse(await editor.inputValue());
    other.password = 'edited-in-the-dashboard';
    other.claims.name = 'Alice Edited';
    await editor.fill(JSON.stringify(other, null, 2));
    await alice.locator('button.save').click();
    await page.waitForSelector('#status:text("saved users alice")');

    // A client the dialect would refuse: refused, with the problem at its path.
    await pick.locator('select[name=kind]').selectOption('clients');
    await page.locator('article.fixture[data-id=login-web]').waitFor();
    const add = page.locator('#fixture-add');
    await add.locator('input[name=id]').fill('bad-client');
    await add.locator('textarea[name=item]').fill('{"secret": "s", "redirect_uris": ["not a url"]}');
    await add.locator('button[type=submit]').click();
    const problem = add.locator('.result .error li').first();
    await problem.waitFor();
    assert((await problem.innerText()).startsWith('redirect_uris[0]: '), `problem at its path: ${await problem.innerText()}`);
    assertEqual(await page.locator('article.fixture[data-id=bad-client]').count(), 0, 'nothing added');
    await shot(page, 'fixtures');

    // Log in as her in the browser with the new password.
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(16));
    const authorize = new URL(`${base}/oidc-login/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id: loginApp.id, redirect_uri: REDIRECT, scope: 'openid profile', state,
      code_challenge: b64url(createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256',
    }).toString();
    const login = await context.newPage();
    await login.goto(authorize.toString());
    await login.fill('#username', 'alice');
    await login.fill('#password', 'edited-in-the-dashboard');
    const [cbReq] = await Promise.all([
      login.waitForRequest((r) => r.url().startsWith(`${new URL(REDIRECT).origin}/`)),
      login.click('#allow'),
    ]);
    await closeSoon(login);
    const cb = new URL(cbReq.url());
    const code = cb.searchParams.get('code');
    assert(code, `a code in ${cb}`);
    const res = await fetch(`${base}/oidc-login/token`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${loginApp.id}:${loginApp.secret}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = await res.json();
    assertEqual(res.status, 200, `token: ${JSON.stringify(body)}`);
    const idClaims = JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString());
    assertEqual(idClaims.name, 'Alice Edited', 'the edited claim is in her ID token');
  });

  await check('a pasted token is decoded and verified; a minted one too', async () => {
    await tab('tokens');
    const call = await tokenCall();
    assertEqual(call.status, 200, 'token call (the fault was deleted)');
    const form = page.locator('#inspect-form');
    await form.locator('select[name=provider]').selectOption('oidc');
    await form.locator('textarea[name=token]').fill(call.body.access_token);
    await form.locator('button[type=submit]').click();
    await form.locator('.sig').waitFor();
    assertEqual((await form.locator('.sig').innerText()).trim(), 'signature valid', 'pasted token verdict');
    const tampered = call.body.access_token.replace(/\.[^.]+$/, '.AAAA');
    await form.locator('textarea[name=token]').fill(tampered);
    await form.locator('button[type=submit]').click();
    await page.waitForFunction(() => document.querySelector('#inspect-form .sig')?.textContent === 'signature INVALID', null, { timeout: 3_000 });

    const mint = page.locator('#mint-form');
    await mint.locator('select[name=provider]').selectOption('oidc');
    await mint.locator('input[name=client_id]').fill('demo-web');
    await mint.locator('input[name=username]').fill('alice');
    await mint.locator('input[name=scopes]').fill('openid');
    await mint.locator('textarea[name=claims]').fill('{"role": "<b>admin</b>"}');
    await mint.locator('button[type=submit]').click();
    await mint.locator('.token').first().waitFor();
    const minted = await mint.locator('.result').innerText();
    assert(minted.includes('"role": "<b>admin</b>"'), 'claims shown as text, markup and all');
    assertEqual(await page.locator('#mint-form .result b').count(), 0, 'no markup from data in the DOM');

    const sel = page.locator('#select-form');
    await sel.locator('select[name=provider]').selectOption('oidc');
    await sel.locator('select[name=kind]').selectOption('username');
    await sel.locator('input[name=value]').fill('alice');
    await sel.locator('button[value=revoke]').click();
    await sel.locator('.counts').waitFor();
    assert(/Revoked: [1-9]\d* access tokens/.test(await sel.locator('.counts').innerText()), 'counts shown');
    await shot(page, 'tokens');
  });

  await check('reset everything, after a confirmation', async () => {
    const queued = await adminAPI('POST', '/faults', { provider: 'oidc', preset: 'server_error', count: -1 });
    assertEqual(queued.status, 201, 'fault queued');
    await tab('reset');
    await page.click('#reset-ask');
    assert(await page.locator('#reset-confirm').isVisible(), 'asks first');
    await page.click('#reset-yes');
    await page.waitForSelector('#status:text("reset:")');
    const faults = await adminAPI('GET', '/faults');
    assertEqual(faults.body.rules.length, 0, 'the fault queue is empty');
    assertEqual((await tokenCall()).status, 200, 'the provider answers again');
  });

  await check('a page on another port cannot reset authmock with a form POST', async () => {
    const queued = await adminAPI('POST', '/faults', { provider: 'oidc', path: '/jwks', preset: 'server_error', count: -1 });
    assertEqual(queued.status, 201, 'fault queued');
    evil = createServer((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>elsewhere</title>
        <form id="f1" method="post" action="${admin}/reset"><input name="a" value="1"><button id="b1">go</button></form>
        <form id="f2" method="post" action="${admin}/reset" enctype="text/plain"><input name='{"x":"' value='"}'><button id="b2">go</button></form>`);
    });
    await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const other = `http://127.0.0.1:${evil.address().port}/`;
    // The dashboard's own page visits the other origin: a second page's close()
    // could hang for minutes in Chromium under Docker's 64 MiB /dev/shm.
    for (const button of ['#b1', '#b2']) {
      await page.goto(other);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${admin}/reset`),
        page.click(button),
      ]);
      assert(res.status() >= 400 && res.status() < 500, `${button}: refused with a 4xx, got ${res.status()}`);
    }
    const faults = await adminAPI('GET', '/faults');
    assertEqual(faults.body.rules.length, 1, 'nothing was reset: the fault is still queued');
    await adminAPI('POST', '/reset', {});
  });

  const [tokenBase, adminToken] = process.argv.slice(3);
  if (tokenBase) {
    await check('behind server.admin_token: the page asks for the token, then works', async () => {
      const res = await page.goto(`${tokenBase}/_authmock/ui`);
      assertEqual(res.status(), 200, 'the page itself needs no token');
      await page.locator('#token-form').waitFor();
      await page.fill('#token-input', 'not-the-token-at-all');
      await page.click('#token-form button[type=submit]');
      await page.locator('#token-form').waitFor(); // asked again after the 401
      await page.fill('#token-input', adminToken);
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#status:text("connected")');
      assert(await page.locator('#token-form').isHidden(), 'the form is gone');
      await tab('clock');
      await page.click('button[data-clock="freeze"]');
      await page.waitForSelector('#clock-big-state:text("frozen")');
    });
  }

  await check('no script error and nothing blocked by the content-security policy', async () => {
    assertEqual(pageErrors.length, 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} catch (err) {
  fail('browser session', err);
} finally {
  if (evil) evil.close();
  await closeSoon(browser);
}

finish();
