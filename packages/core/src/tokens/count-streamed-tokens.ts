import type { TokenEncoding } from './encodings.js';

const decoder = new TextDecoder();
const contentField = /"(?:content|text|arguments|refusal)":"((?:[^"\\]|\\.)*)"/g;

/**
 * Counts the completion tokens in what was streamed so far (server-sent `chat.completion.chunk`
 * or `text_completion` events): the text of every delta, tokenised together. Used only when a
 * stream was cut or carried no usage, so it runs once per such stream, off the hot path.
 *
 * @example
 * countStreamedTokens([bytes], encoding); // 42
 */
export function countStreamedTokens(chunks: readonly Uint8Array[], encoding: TokenEncoding): number {
  let text = '';
  for (const event of decoder.decode(Buffer.concat(chunks)).split('\n')) {
    if (!event.startsWith('data:') || event.includes('[DONE]')) continue;
    for (const match of event.matchAll(contentField)) {
      try {
        text += JSON.parse(`"${match[1] ?? ''}"`) as string;
      } catch {
        // A cut event ends mid-string: its readable part still counts below.
        text += match[1] ?? '';
      }
    }
  }
  return text.length === 0 ? 0 : encoding.countTokens(text);
}
