/**
 * Reads how long an upstream asks us to wait, in milliseconds: `retry-after-ms` (OpenAI,
 * Azure) first, then `Retry-After` as whole seconds or an HTTP date. Garbage, negative and
 * absurd values are ignored (undefined), so a broken header never stalls a request.
 *
 * @example
 * retryAfterMs({ 'retry-after': '2' }); // 2000
 * retryAfterMs({ 'retry-after': 'soon' }); // undefined
 */
export function retryAfterMs(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  now: number = Date.now(),
): number | undefined {
  const milliseconds = single(headers['retry-after-ms']);
  if (milliseconds !== undefined && decimal.test(milliseconds)) {
    const value = Number(milliseconds);
    if (value <= maximumMs) return Math.ceil(value);
  }
  const retryAfter = single(headers['retry-after']);
  if (retryAfter === undefined) return undefined;
  if (wholeSeconds.test(retryAfter)) {
    const value = Number(retryAfter) * 1000;
    return value <= maximumMs ? value : undefined;
  }
  if (!httpDate.test(retryAfter)) return undefined;
  const at = Date.parse(retryAfter);
  if (Number.isNaN(at)) return undefined;
  const wait = at - now;
  return wait <= maximumMs ? Math.max(0, wait) : undefined;
}

/** The integer seconds a client-facing `Retry-After` carries (never 0 for a real wait). */
export const retryAfterSeconds = (milliseconds: number) =>
  String(Math.max(1, Math.ceil(milliseconds / 1000)));

// A day: anything longer is a misconfigured upstream, not advice.
const maximumMs = 86_400_000;
const decimal = /^\s*\d{1,12}(?:\.\d+)?\s*$/;
const wholeSeconds = /^\s*\d{1,9}\s*$/;
// IMF-fixdate and its obsolete forms all name a weekday or month; `Date.parse` alone accepts "1".
const httpDate = /^\s*[A-Za-z]{3},?\s.*\d{2}:\d{2}:\d{2}\s*(?:GMT|UTC)\s*$/;

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
