import type { BodyTransform, Policy } from '../types.js';

const replacement = Buffer.from('[redacted]');

/**
 * Removes the upstream keys from upstream error bodies before they are passed through: some
 * providers quote the key they were sent in a 401 ("Incorrect API key provided: sk-..."), and
 * Ferry relays upstream errors with their body. Successful answers are not touched (no cost on
 * the hot path); error bodies are small and read whole.
 *
 * @example
 * policies.push(redactUpstreamKeys(['sk-upstream-key']));
 */
export function redactUpstreamKeys(keys: readonly string[]): Policy {
  const needles = [...new Set(keys)].filter((key) => key.length >= 8).map((key) => Buffer.from(key));
  const redact: BodyTransform = async function* redacted(source) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) chunks.push(chunk);
    let body: Buffer = Buffer.concat(chunks);
    for (const needle of needles) body = replaceAll(body, needle);
    yield body;
  };
  return (next) => async (context) => {
    const response = await next(context);
    const body = response.body;
    if (response.status < 400 || body === undefined) return response;
    if (body instanceof Uint8Array) {
      let bytes: Buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      for (const needle of needles) bytes = replaceAll(bytes, needle);
      response.body = bytes;
      return response;
    }
    context.transforms.push(redact);
    return response;
  };
}

function replaceAll(haystack: Buffer, needle: Buffer): Buffer {
  let at = haystack.indexOf(needle);
  if (at === -1) return haystack;
  const parts: Buffer[] = [];
  let from = 0;
  while (at !== -1) {
    parts.push(haystack.subarray(from, at), replacement);
    from = at + needle.length;
    at = haystack.indexOf(needle, from);
  }
  parts.push(haystack.subarray(from));
  return Buffer.concat(parts);
}
