// authmock's dashboard: a client of the admin API (docs/admin-api.md) and
// nothing else. Everything shown comes from the server and is inserted with
// textContent, never as HTML.
'use strict';

const ADMIN = document.body.dataset.admin;
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// el builds an element; string children become text nodes.
function el(tag, props = {}, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'text') n.textContent = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of kids.flat()) if (c != null) n.append(c instanceof Node ? c : String(c));
  return n;
}
const pretty = (v) => el('pre', { class: 'json', text: JSON.stringify(v, null, 2) });
// fields shows a map of lists (headers, query, form) one "name: value" a line.
const fields = (m) => el('pre', { class: 'json', text: Object.entries(m).map(([k, vs]) => `${k}: ${[].concat(vs).join(', ')}`).join('\n') });

// --- the admin API ------------------------------------------------------------

let adminToken = sessionStorage.getItem('authmock-admin-token') || '';

class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.error_description || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// api calls the admin API. Every state-changing call is a same-origin
// fetch with a JSON body and X-Authmock: 1, which no cross-site form can
// send (the admin API's cross-site rule).
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-Authmock'] = '1';
    init.body = JSON.stringify(body ?? {});
  }
  if (adminToken) headers.Authorization = `Bearer ${adminToken}`;
  const res = await fetch(ADMIN + path, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { error_description: text }; }
  }
  if (res.status === 401) $('#token-form').hidden = false;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
const enc = encodeURIComponent;

function say(message, isError = false) {
  const s = $('#status');
  s.textContent = message;
  s.classList.toggle('error', isError);
}

// errorView shows an error's message and any fixture problems by path.
function errorView(err) {
  const box = el('div', { class: 'error' }, err.message);
  const problems = err.body && err.body.problems;
  if (problems) box.append(el('ul', {}, problems.map((p) => el('li', {}, el('code', { text: p.path || '(item)' }), ': ', p.message))));
  return box;
}

// run performs an action for a form or button, showing the node it
// returns, or its error, in `into` (errors also on the status line).
async function run(into, fn) {
  try {
    const out = await fn();
    if (into && out) into.replaceChildren(out);
  } catch (err) {
    if (into) into.replaceChildren(errorView(err));
    say(err.message, true);
  }
}

// --- authmock's clock ------------------------------------------------------
// The page never trusts the browser's clock: it keeps authmock's reading and
// how long ago (monotonic) it was taken.

const clock = { base: 0, at: 0, frozen: false, known: false };

function clockNow() {
  return clock.frozen ? clock.base : clock.base + (performance.now() - clock.at);
}

function setClock(c) {
  clock.base = Date.parse(c.now);
  clock.at = performance.now();
  clock.frozen = c.frozen;
  clock.known = true;
  tick();
}

async function refreshClock() {
  try { setClock(await api('GET', '/clock')); } catch { /* shown by the next action */ }
}

function duration(ms) {
  let s = Math.round(Math.abs(ms) / 1000);
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]]) {
    if (s >= size) { parts.push(`${Math.floor(s / size)}${unit}`); s %= size; }
  }
  parts.push(`${s}s`);
  return parts.join(' ');
}

// tick redraws the clock and every countdown.
function tick() {
  if (!clock.known) return;
  const now = clockNow();
  const text = new Date(now).toISOString().replace('.000Z', 'Z');
  for (const id of ['#clock-now', '#clock-big']) $(id).textContent = text;
  for (const id of ['#clock-state', '#clock-big-state']) {
    $(id).textContent = clock.frozen ? 'frozen' : 'running';
    $(id).classList.toggle('frozen', clock.frozen);
  }
  for (const c of $$('.countdown')) {
    const left = Number(c.dataset.exp) * 1000 - now;
    c.textContent = left > 0 ? `expires in ${duration(left)}` : `expired ${duration(left)} ago`;
    c.classList.toggle('expired', left <= 0);
  }
}

// --- decoded tokens ------------------------------------------------------------

const verdicts = {
  valid: 'signature valid',
  invalid: 'signature INVALID',
  unknown_key: 'unknown key',
  no_keys: 'not checked: the instance signs no JWTs',
};

const time = (unix) => new Date(Number(unix) * 1000).toISOString().replace('.000Z', 'Z');

// tokenView shows a decoded JWT: the instance's verdict, its times with a
// countdown on authmock's clock, header and claims.
function tokenView(v, where) {
  const c = v.claims || {};
  const times = el('dl', { class: 'times' });
  if (c.iat != null) times.append(el('dt', { text: 'issued' }), el('dd', { text: time(c.iat) }));
  if (c.exp != null) {
    times.append(el('dt', { text: 'expires' }), el('dd', {}, time(c.exp), ' ', el('span', { class: 'countdown', 'data-exp': c.exp })));
  }
  const box = el('div', { class: 'token' },
    el('div', { class: 'token-head' },
      where ? el('code', { text: where }) : null,
      el('span', { class: `badge sig sig-${v.signature}`, text: verdicts[v.signature] || v.signature }),
      v.problem ? el('span', { class: 'muted', text: v.problem }) : null),
    times,
    el('div', { class: 'cols' },
      el('div', {}, el('h4', { text: 'header' }), pretty(v.header)),
      el('div', {}, el('h4', { text: 'claims' }), pretty(v.claims))));
  queueMicrotask(tick);
  return box;
}

function inspect(provider, token) {
  return api('POST', `/providers/${enc(provider)}/tokens/inspect`, { token });
}

// --- providers ------------------------------------------------------------------

let providers = [];

function copyButton(value) {
  return el('button', {
    type: 'button', class: 'small', text: 'copy',
    onclick: () => navigator.clipboard.writeText(value).then(() => say('copied'), () => say('copy failed', true)),
  });
}

// secret shows a masked value that a click reveals.
function secret(value) {
  const s = el('button', { type: 'button', class: 'secret small', text: '••••••', title: 'show' });
  s.addEventListener('click', () => { s.textContent = value; s.classList.add('shown'); }, { once: true });
  return s;
}

function endpointRow(ep) {
  const url = new URL(ep.url);
  // A ready-made link (Dotypos' connector) carries a client secret: the
  // text hides it, the link keeps it.
  if (url.searchParams.has('client_secret')) {
    url.searchParams.set('client_secret', '••••••');
    return el('li', {}, el('span', { class: 'ep-name', text: ep.name }),
      el('a', { href: ep.url, target: '_blank', rel: 'noopener noreferrer', class: 'button', text: 'open connector' }),
      ' ', el('code', { class: 'muted', text: url.toString() }));
  }
  return el('li', {}, el('span', { class: 'ep-name', text: ep.name }), el('code', { text: ep.url }), ' ', copyButton(ep.url));
}

function renderProviders() {
  const box = $('#providers');
  box.replaceChildren(...providers.map((p) => {
    const d = p.description || {};
    return el('article', { class: 'panel provider', 'data-provider': p.name },
      el('h2', {}, p.name, ' ', el('span', { class: 'badge', text: p.dialect }), ' ', el('code', { class: 'muted', text: p.url })),
      d.endpoints ? el('div', {}, el('h3', { text: 'Endpoints' }), el('ul', { class: 'endpoints' }, d.endpoints.map(endpointRow))) : null,
      d.clients ? el('div', {}, el('h3', { text: 'Clients' }), el('ul', {}, d.clients.map((c) => el('li', {},
        el('strong', { text: c.id }), ' ', c.secret ? secret(c.secret) : el('span', { class: 'muted', text: 'no secret' }),
        c.note ? el('span', { class: 'muted', text: ` (${c.note})` }) : null,
        (c.redirect_uris || []).map((u) => el('div', { class: 'muted' }, 'redirect ', el('code', { text: u }))))))) : null,
      d.users ? el('div', {}, el('h3', { text: 'Users' }), el('ul', {}, d.users.map((u) => el('li', {},
        el('strong', { text: u.username }), ' ', u.password ? secret(u.password) : el('span', { class: 'muted', text: 'no password' }))))) : null,
      (d.notes || []).map((n) => el('p', { class: 'muted', text: n })));
  }));
}

function fillProviderSelects() {
  for (const s of $$('.provider-select')) {
    const keep = s.value;
    const any = s.dataset.any;
    s.replaceChildren(...(any ? [el('option', { value: '', text: any })] : []),
      ...providers.map((p) => el('option', { value: p.name, text: p.name })));
    if (keep) s.value = keep;
    s.dispatchEvent(new Event('change'));
  }
}

// The providers come from /credentials, /providers unmasked behind the
// admin guard: the page shows a secret when clicked, and the connector link
// needs its client_secret.
async function loadProviders() {
  providers = await api('GET', '/credentials');
  renderProviders();
  fillProviderSelects();
}

// --- journal --------------------------------------------------------------------

const journal = { after: 0, entries: [], open: new Set() };
const JOURNAL_KEEP = 500;

function matches(e) {
  const provider = $('#jf-provider').value;
  const path = $('#jf-path').value.trim();
  const status = $('#jf-status').value.trim().toLowerCase();
  if (provider && e.provider !== provider) return false;
  if (path && !e.path.includes(path)) return false;
  if (status) {
    const s = String(e.status);
    if (/^[1-5]xx$/.test(status) ? s[0] !== status[0] : s !== status) return false;
  }
  return true;
}

function section(title, ...parts) {
  return el('div', { class: 'part' }, el('h4', { text: title }), ...parts);
}

function entryDetails(e) {
  const req = [];
  if (e.query) req.push(section('query', fields(e.query)));
  req.push(section('headers', fields(e.headers)));
  if (e.form) req.push(section('form', fields(e.form)));
  if (e.json !== undefined) req.push(section('json', pretty(e.json)));
  if (e.body_note) req.push(el('p', { class: 'muted', text: e.body_note }));
  const res = [];
  if (e.response.headers) res.push(section('headers', fields(e.response.headers)));
  if (e.response.json !== undefined) res.push(section('json', pretty(e.response.json)));
  res.push(el('p', { class: 'muted', text: `${e.response.bytes} bytes, ${e.duration_ms} ms` }));
  return el('div', { class: 'details' },
    e.fault ? el('p', { class: 'fault', text: `answered by fault rule ${e.fault}` }) : null,
    (e.tokens || []).length ? el('div', { class: 'tokens' }, e.tokens.map((t) => tokenView(t, t.where))) : null,
    el('div', { class: 'cols' },
      el('div', {}, el('h3', { text: `${e.method} ${e.path}` }), ...req),
      el('div', {}, el('h3', { text: `${e.status}` }), ...res)));
}

function entryRow(e) {
  const li = el('li', { class: `entry status-${String(e.status)[0]}`, 'data-seq': e.seq });
  const summary = el('button', { type: 'button', class: 'entry-summary' },
    el('span', { class: 'seq', text: `#${e.seq}` }),
    el('span', { class: 'when', text: time(Date.parse(e.time) / 1000) }),
    el('span', { class: 'badge', text: e.provider || '—' }),
    el('span', { class: 'method', text: e.method }),
    el('span', { class: 'path', text: e.path }),
    el('span', { class: 'status', text: String(e.status) }),
    e.fault ? el('span', { class: 'badge fault', text: `fault ${e.fault}` }) : null,
    (e.tokens || []).map((t) => el('span', { class: `badge sig sig-${t.signature}`, text: `JWT ${verdicts[t.signature] || t.signature}` })));
  li.append(summary);
  const toggle = () => {
    const open = !journal.open.has(e.seq);
    if (open) { journal.open.add(e.seq); li.append(entryDetails(e)); } else { journal.open.delete(e.seq); $('.details', li)?.remove(); }
    li.classList.toggle('open', open);
  };
  summary.addEventListener('click', toggle);
  if (journal.open.has(e.seq)) { li.append(entryDetails(e)); li.classList.add('open'); }
  return li;
}

function renderJournal() {
  const shown = journal.entries.filter(matches).reverse();
  $('#journal').replaceChildren(...shown.map(entryRow));
  $('#journal-count').textContent = `${shown.length} of ${journal.entries.length} exchanges`;
  tick();
}

let polling = false; // one poll at a time, so a slow answer cannot be read twice

async function pollJournal() {
  if (polling) return;
  polling = true;
  try {
    const data = await api('GET', `/journal?after=${journal.after}`);
    if (data.entries.length) {
      journal.entries.push(...data.entries);
      journal.after = data.entries[data.entries.length - 1].seq;
      journal.entries.splice(0, Math.max(0, journal.entries.length - JOURNAL_KEEP));
      const list = $('#journal');
      for (const e of data.entries) if (matches(e)) list.prepend(entryRow(e));
      $('#journal-count').textContent = `${list.children.length} of ${journal.entries.length} exchanges`;
      tick();
    }
  } catch {
    /* the status line shows API errors of actions; polling retries */
  } finally {
    polling = false;
  }
}

// --- token tools ------------------------------------------------------------------

function formData(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function parseJSON(text, what) {
  try { return JSON.parse(text); } catch (err) { throw new Error(`${what} is not valid JSON: ${err.message}`); }
}

function setupTokenTools() {
  $('#inspect-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = formData(ev.target);
    run($('.result', ev.target), async () => tokenView(await inspect(f.provider, f.token.trim())));
  });

  $('#mint-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = formData(ev.target);
    run($('.result', ev.target), async () => {
      const req = {};
      if (f.client_id) req.client_id = f.client_id;
      if (f.username) req.username = f.username;
      if (f.scopes.trim()) req.scopes = f.scopes.trim().split(/\s+/);
      if (f.claims.trim()) req.claims = parseJSON(f.claims, 'extra claims');
      if (f.ttl_seconds) req.ttl_seconds = Number(f.ttl_seconds);
      const res = await api('POST', `/providers/${enc(f.provider)}/tokens`, req);
      const out = el('div', {}, el('p', { class: 'muted', text: `expires_in ${res.expires_in} s${res.jti ? `, jti ${res.jti}` : ''}` }));
      for (const field of ['access_token', 'id_token', 'refresh_token']) {
        if (!res[field]) continue;
        out.append(el('h4', {}, field, ' ', copyButton(res[field])), el('textarea', { rows: 2, readonly: true, class: 'raw' }, res[field]));
        try { out.append(tokenView(await inspect(f.provider, res[field]))); } catch { /* opaque */ }
      }
      say(`minted a token for ${f.provider}`);
      return out;
    });
  });

  $('#select-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = formData(ev.target);
    const action = ev.submitter ? ev.submitter.value : 'revoke';
    run($('.result', ev.target), async () => {
      const n = await api('POST', `/providers/${enc(f.provider)}/tokens/${action}`, { [f.kind]: f.value.trim() });
      say(`${action}: ${n.access_tokens} access, ${n.refresh_tokens} refresh tokens`);
      return el('p', { class: 'counts', text: `${action === 'revoke' ? 'Revoked' : 'Expired'}: ${n.access_tokens} access tokens, ${n.refresh_tokens} refresh tokens` });
    });
  });
}

// --- clock --------------------------------------------------------------------------

function setupClock() {
  const act = (path, body) => run(null, async () => { setClock(await api('POST', path, body)); say(`clock: ${path.split('/').pop()}`); });
  for (const b of $$('[data-advance]')) b.addEventListener('click', () => act('/clock/advance', { seconds: Number(b.dataset.advance) }));
  for (const b of $$('[data-clock]')) b.addEventListener('click', () => act(`/clock/${b.dataset.clock}`));
  $('#advance-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('/clock/advance', { duration: formData(ev.target).duration.trim() });
  });
}

// --- faults -------------------------------------------------------------------------

let routes = [];

async function loadRoutes() {
  const f = $('#fault-form').elements;
  const provider = f.provider.value;
  const list = provider ? (await api('GET', `/providers/${enc(provider)}/routes`)).routes : [];
  if (f.provider.value !== provider) return; // another instance was picked meanwhile
  routes = list;
  f.path.replaceChildren(el('option', { value: '', text: 'any path' }), ...routes.map((r) => el('option', { value: r.path, text: r.path })));
  loadMethods();
}

function loadMethods() {
  const f = $('#fault-form').elements;
  const route = routes.find((r) => r.path === f.path.value);
  const methods = route && route.methods ? route.methods : ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  f.method.replaceChildren(el('option', { value: '', text: 'any method' }), ...methods.map((m) => el('option', { value: m, text: m })));
}

async function refreshFaults() {
  const { rules } = await api('GET', '/faults');
  $('#faults tbody').replaceChildren(...rules.map((r) => el('tr', { 'data-id': r.id },
    el('td', { text: r.id }), el('td', { text: r.provider }), el('td', { text: r.method || 'any' }),
    el('td', { text: r.path || 'any' }), el('td', { text: r.client_id || '' }), el('td', { text: r.user || '' }),
    el('td', { text: r.preset || String(r.status || '') }),
    el('td', { text: r.count === -1 ? '∞' : String(r.remaining) }), el('td', { class: 'fired', text: String(r.fired) }),
    el('td', {}, el('button', {
      type: 'button', class: 'small', text: 'delete',
      onclick: () => run(null, async () => { await api('DELETE', `/faults/${enc(r.id)}`); say(`deleted fault ${r.id}`); await refreshFaults(); }),
    })))));
}

async function loadPresets() {
  const { presets } = await api('GET', '/faults/presets');
  $('#fault-form').elements.preset.replaceChildren(el('option', { value: '', text: 'custom (status and body below)' }),
    ...presets.map((p) => el('option', { value: p.name, text: p.name, title: p.description })));
}

function setupFaults() {
  const f = $('#fault-form');
  const c = f.elements;
  c.provider.addEventListener('change', () => run(null, loadRoutes));
  c.path.addEventListener('change', loadMethods);
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = formData(f);
    run($('.result', f), async () => {
      const rule = { provider: d.provider };
      for (const k of ['path', 'method', 'client_id', 'user', 'preset']) if (d[k]) rule[k] = d[k];
      for (const k of ['count', 'status', 'delay_ms']) if (d[k] !== '') rule[k] = Number(d[k]);
      if (d.body.trim()) rule.body = parseJSON(d.body, 'body');
      const r = await api('POST', '/faults', rule);
      say(`queued fault ${r.id}`);
      await refreshFaults();
      return el('p', { text: `Queued rule ${r.id}.` });
    });
  });
}

// --- fixtures -------------------------------------------------------------------------

const idMember = { users: 'username' };

// mergePatch is the RFC 7396 patch turning a into b: unchanged members are
// left out, so a redacted secret that was not edited is not overwritten by
// its fingerprint.
function mergePatch(a, b) {
  const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);
  const patch = {};
  for (const k of Object.keys(a)) if (!(k in b)) patch[k] = null;
  for (const [k, v] of Object.entries(b)) {
    if (isObj(v) && isObj(a[k])) {
      const sub = mergePatch(a[k], v);
      if (Object.keys(sub).length) patch[k] = sub;
    } else if (JSON.stringify(v) !== JSON.stringify(a[k])) {
      patch[k] = v;
    }
  }
  return patch;
}

function fixturePath() {
  const f = $('#fixture-pick').elements;
  return `/providers/${enc(f.provider.value)}/${enc(f.kind.value)}`;
}

function fixtureItem(kind, item) {
  const id = item[idMember[kind] || 'id'];
  const box = el('article', { class: 'panel fixture', 'data-id': id });
  const view = () => box.replaceChildren(
    el('div', { class: 'row' }, el('strong', { text: String(id) }),
      el('button', { type: 'button', class: 'small', text: 'edit', onclick: edit }),
      el('button', {
        type: 'button', class: 'small danger', text: 'delete',
        onclick: () => run(null, async () => { await api('DELETE', `${fixturePath()}/${enc(id)}`); say(`deleted ${kind} ${id}`); await loadFixtures(); }),
      })),
    pretty(item));
  const edit = () => {
    const text = el('textarea', { rows: 10, spellcheck: 'false', class: 'edit' }, JSON.stringify(item, null, 2));
    const result = el('div', { class: 'result' });
    box.replaceChildren(el('strong', { text: String(id) }), text,
      el('div', { class: 'row' },
        el('button', {
          type: 'button', text: 'save', class: 'save',
          onclick: () => run(result, async () => {
            const patch = mergePatch(item, parseJSON(text.value, 'the item'));
            await api('PATCH', `${fixturePath()}/${enc(id)}`, patch);
            say(`saved ${kind} ${id}`);
            await loadFixtures();
          }),
        }),
        el('button', { type: 'button', text: 'cancel', onclick: view })),
      result);
  };
  view();
  return box;
}

async function loadKinds() {
  const f = $('#fixture-pick').elements;
  const provider = f.provider.value;
  if (!provider) return;
  try {
    const { kinds } = await api('GET', `/providers/${enc(provider)}/fixtures`);
    if (f.provider.value !== provider) return; // another instance was picked meanwhile
    const keep = f.kind.value;
    f.kind.replaceChildren(...kinds.map((k) => el('option', { value: k, text: k })));
    if (kinds.includes(keep)) f.kind.value = keep;
    // Not again if the list shown is this one: that would close an open editor.
    if (fixturePath() !== fixtures.shown) await loadFixtures();
  } catch (err) {
    f.kind.replaceChildren();
    $('#fixture-list').replaceChildren(errorView(err));
  }
}

// fixtures.seq numbers list loads so that only the latest one is shown;
// fixtures.shown is the path of the list on screen.
const fixtures = { seq: 0, shown: '' };

async function loadFixtures() {
  const kind = $('#fixture-pick').elements.kind.value;
  if (!kind) return;
  const path = fixturePath();
  const seq = ++fixtures.seq;
  const data = await api('GET', path);
  if (seq !== fixtures.seq) return; // a newer load is on its way
  fixtures.shown = path;
  $('#fixture-list').replaceChildren(...data[kind].map((item) => fixtureItem(kind, item)));
}

function setupFixtures() {
  const f = $('#fixture-pick').elements;
  f.provider.addEventListener('change', loadKinds);
  f.kind.addEventListener('change', () => run($('#fixture-list'), loadFixtures));
  $('#fixture-add').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = formData(ev.target);
    run($('.result', ev.target), async () => {
      await api('PUT', `${fixturePath()}/${enc(d.id.trim())}`, parseJSON(d.item, 'the item'));
      say(`saved ${f.kind.value} ${d.id}`);
      await loadFixtures();
      return el('p', { text: `Saved ${d.id}.` });
    });
  });
}

// --- reset and tabs ----------------------------------------------------------------------

function setupReset() {
  const ask = $('#reset-ask');
  const confirmRow = $('#reset-confirm');
  ask.addEventListener('click', () => { confirmRow.hidden = false; ask.hidden = true; });
  $('#reset-no').addEventListener('click', () => { confirmRow.hidden = true; ask.hidden = false; });
  $('#reset-yes').addEventListener('click', () => run(null, async () => {
    const res = await api('POST', '/reset', {});
    setClock(res.clock);
    confirmRow.hidden = true;
    ask.hidden = false;
    journal.entries = [];
    journal.open.clear();
    renderJournal();
    await Promise.all([refreshFaults(), loadKinds(), loadProviders()]);
    say('reset: fixtures, state, faults, journal and clock are back to start');
  }));
}

function showTab(name) {
  for (const b of $$('#tabs button')) b.classList.toggle('active', b.dataset.tab === name);
  for (const s of $$('main > section')) s.hidden = s.id !== `tab-${name}`;
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
}

function setupTokenPrompt() {
  const form = $('#token-form');
  if (document.body.dataset.tokenRequired === 'true' && !adminToken) form.hidden = false;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    adminToken = $('#token-input').value;
    sessionStorage.setItem('authmock-admin-token', adminToken);
    form.hidden = true;
    start();
  });
}

let started = false;

async function start() {
  try {
    await refreshClock();
    await loadPresets();
    await loadProviders(); // fills the instance lists, which loads their routes and kinds
    await refreshFaults();
    say('connected');
  } catch (err) {
    say(err.message, true);
    return;
  }
  if (started) return;
  started = true;
  setInterval(pollJournal, 500);
  setInterval(refreshClock, 2000);
  setInterval(() => { if (!$('#tab-faults').hidden) refreshFaults().catch(() => {}); }, 1000);
  setInterval(tick, 250);
  pollJournal();
}

for (const b of $$('#tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
showTab(location.hash.slice(1) && $(`#tab-${CSS.escape(location.hash.slice(1))}`) ? location.hash.slice(1) : 'providers');
for (const id of ['#jf-provider', '#jf-path', '#jf-status']) $(id).addEventListener('input', renderJournal);
$('#jf-provider').addEventListener('change', renderJournal);
$('#journal-filter').addEventListener('submit', (ev) => ev.preventDefault());
$('#journal-clear').addEventListener('click', () => run(null, async () => {
  await api('DELETE', '/journal', {});
  journal.entries = [];
  renderJournal();
  say('journal cleared');
}));
setupTokenTools();
setupClock();
setupFaults();
setupFixtures();
setupReset();
setupTokenPrompt();
start();
