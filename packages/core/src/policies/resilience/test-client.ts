import { request } from 'undici';

/** A response read as far as the gateway sent it: `cut` when the connection was aborted. */
export interface StreamRead {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  cut: boolean;
}

/**
 * Test helper: posts a chat completion to a gateway and reads the answer even when the
 * gateway aborts it mid-stream (what it must do after an upstream failure).
 */
export async function postChat(
  baseUrl: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<StreamRead> {
  const response = await request(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  let text = '';
  let cut = false;
  try {
    for await (const chunk of response.body) text += Buffer.from(chunk as Uint8Array).toString('utf8');
  } catch {
    cut = true;
  }
  return { status: response.statusCode, headers: response.headers, text, cut };
}

/** The `error.code` of an OpenAI-shaped JSON error body, or of the error event ending a stream. */
export function errorCode(text: string): string | undefined {
  const start = text.lastIndexOf('{"error"');
  if (start === -1) return undefined;
  const end = text.indexOf('\n', start);
  return (JSON.parse(end === -1 ? text.slice(start) : text.slice(start, end)) as { error: { code: string } })
    .error.code;
}
