import assert from 'node:assert/strict';
import type { ReadResponse } from './http.js';

/**
 * Asserts an OpenAI-shaped error answer: the status, a JSON body with exactly
 * `{"error":{"message","type","param","code"}}`, the code, a Server-Timing header, and no
 * stack trace or secret anywhere in it.
 *
 * @example
 * assertErrorAnswer(await send(url), 404, 'unknown_url', { secrets: ['sk-upstream'] });
 */
export function assertErrorAnswer(
  answer: ReadResponse,
  status: number,
  code: string,
  { type, secrets = [] }: { type?: string; secrets?: readonly string[] } = {},
): { message: string; type: string; param: string | null; code: string } {
  assert.equal(answer.status, status, `status of ${answer.text}`);
  assert.match(String(answer.headers['content-type']), /^application\/json/);
  const body = answer.json as {
    error: { message: string; type: string; param: string | null; code: string };
  };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  if (type !== undefined) assert.equal(body.error.type, type);
  assert.doesNotMatch(answer.text, /\bat .+:\d+:\d+\)?|node:internal|stack/i);
  assertServerTiming(answer);
  const everything = JSON.stringify(answer.headers) + answer.text;
  for (const secret of secrets) assert.ok(!everything.includes(secret), 'a secret leaked into the answer');
  return body.error;
}

/** Asserts `Server-Timing: gateway;dur=<number>` and returns the number. */
export function assertServerTiming(answer: Pick<ReadResponse, 'headers'>): number {
  const header = String(answer.headers['server-timing']);
  const match = /^gateway;dur=(\d+(?:\.\d+)?)$/.exec(header);
  assert.ok(match, `Server-Timing is "${header}"`);
  return Number(match[1]);
}
