// What the openid-client e2e scripts share beyond the check harness.
import * as client from 'openid-client';

// expectOAuthError requires a call (a function, or a promise already under
// way) to fail with the given OAuth error code from the server's JSON body,
// and returns openid-client's error for further checks.
export async function expectOAuthError(call, code, what) {
  let result;
  try {
    result = await (typeof call === 'function' ? call() : call);
  } catch (err) {
    if (err instanceof client.ResponseBodyError) {
      if (err.error !== code) throw new Error(`${what}: error code: got ${JSON.stringify(err.error)}, want ${JSON.stringify(code)}`);
      return err;
    }
    throw new Error(`${what}: want OAuth error ${code}, got ${err?.name}: ${err?.message}`, { cause: err });
  }
  throw new Error(`${what}: want OAuth error ${code}, got success ${JSON.stringify(result)}`);
}
