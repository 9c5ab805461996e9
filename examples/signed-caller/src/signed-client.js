// @ts-check
import { signRequest } from '@ferry/core';

/**
 * @typedef {object} SignedClientSettings
 * @property {string} baseUrl The gateway's API base, e.g. `http://127.0.0.1:8787/v1`.
 * @property {string} keyId The key id the gateway knows the secret by.
 * @property {string} secret The shared signing secret.
 */

/**
 * A tiny OpenAI-style client that signs every request. The body is serialised once and those
 * exact bytes are both signed and sent: a signature covers the raw bytes, not the JSON value.
 *
 * @param {SignedClientSettings} settings
 *
 * @example
 * const client = createSignedClient({ baseUrl: 'http://127.0.0.1:8787/v1', keyId: 'coze-plugin', secret });
 * const answer = await client.post('/chat/completions', { model: 'gpt-4o-mini', messages });
 */
export function createSignedClient(settings) {
  const base = settings.baseUrl.replace(/\/$/, '');

  /**
   * Signs and sends one request; returns the fetch Response and the headers it was signed with.
   *
   * @param {'GET' | 'POST'} method
   * @param {string} path Below the API base, e.g. `/chat/completions` or `/models?limit=5`.
   * @param {unknown} [json]
   * @param {Record<string, string>} [reuseSignature] Headers of an earlier request (to show a replay).
   */
  async function send(method, path, json, reuseSignature) {
    const url = `${base}${path}`;
    const body = json === undefined ? undefined : JSON.stringify(json);
    const signature =
      reuseSignature ?? signRequest({ keyId: settings.keyId, secret: settings.secret, method, url, body });
    const response = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...signature },
      body,
    });
    return { response, signature };
  }

  return {
    /** @param {string} path */
    get: (path) => send('GET', path),
    /** @param {string} path @param {unknown} json */
    post: (path, json) => send('POST', path, json),
    /** Sends an already-signed request again, exactly: the gateway must refuse it. */
    replay: send,
  };
}

/**
 * Reads a streamed chat completion and returns its text (server-sent events, `data: {...}`).
 *
 * @param {Response} response
 */
export async function streamedText(response) {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let buffered = '';
  let text = '';
  for await (const bytes of response.body) {
    buffered += decoder.decode(bytes, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf('\n\n');
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
      const chunk = JSON.parse(event.slice(6));
      if (chunk.error) throw new Error(`stream failed: ${chunk.error.code}`);
      text += chunk.choices?.[0]?.delta?.content ?? '';
    }
  }
  return text;
}
