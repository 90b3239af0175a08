// The check harness both e2e scripts share: every check prints "ok - <name>"
// or "not ok - <name>" with the error indented below, and finish() prints
// the closing "N passed, M failed" line CI reads and exits 1 on failures.

let passed = 0;
let failed = 0;

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (err) {
    fail(name, err);
  }
}

// fail records a failure that happened outside a check.
export function fail(name, err) {
  failed++;
  console.log(`not ok - ${name}`);
  console.log(indent(describe(err)));
}

// describe includes the OAuth error fields openid-client puts on its errors.
function describe(err) {
  if (!(err instanceof Error)) return String(err);
  const parts = [err.stack || String(err)];
  if (err.code) parts.push(`code: ${err.code}`);
  if (err.error) parts.push(`error: ${err.error} (${err.error_description ?? ''}) status ${err.status ?? '?'}`);
  if (err.cause && !(err.cause instanceof Error)) parts.push(`cause: ${JSON.stringify(err.cause)}`);
  return parts.join('\n');
}

function indent(s) {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

export function assertEqual(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

// baseURL reads the script's one argument, authmock's base URL on the
// loopback, or exits 2 with the usage line.
export function baseURL(script) {
  const base = (process.argv[2] || '').replace(/\/+$/, '');
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
    console.error(`usage: node ${script} http://127.0.0.1:PORT`);
    process.exit(2);
  }
  return base;
}

export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

// closeSoon closes a Playwright page or browser but waits at most 5 s:
// Chromium under Docker's 64 MiB /dev/shm was seen to leave close() pending
// for minutes, which only the CI watchdog ended. A page that will not close
// is dropped with the browser at the end of the script.
export async function closeSoon(target) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve('late'), 5000); });
  const closing = target.close().then(() => 'closed', (err) => `failed: ${err.message}`);
  const outcome = await Promise.race([closing, late]);
  clearTimeout(timer);
  if (outcome !== 'closed') console.error(`# close: ${outcome}; going on`);
}
