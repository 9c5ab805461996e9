/**
 * Deterministic token estimates. The mock has no tokenizer: it reports roughly four characters
 * (UTF-16 code units) per token, rounded up, plus three tokens of framing per chat message.
 * Tests can compute the same numbers; nothing should treat them as real token counts.
 *
 * @example
 * estimateTextTokens('abcdefgh'); // 2
 */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Chat prompt tokens: ceil(characters of all message text / 4) + 3 per message. Text parts of
 * array contents (`{type:'text', text}`) count; other parts (images, audio) do not.
 *
 * @example
 * estimateChatPromptTokens([{ role: 'user', content: 'Hi there' }]); // ceil(8 / 4) + 3 = 5
 */
export function estimateChatPromptTokens(messages: readonly unknown[]): number {
  let characters = 0;
  for (const message of messages) {
    if (typeof message === 'object' && message !== null) {
      characters += textLength((message as { content?: unknown }).content);
    }
  }
  return Math.ceil(characters / 4) + 3 * messages.length;
}

/**
 * Prompt tokens of a legacy completion or embedding input: strings are estimated as text,
 * token arrays (numbers) count one per element. Arrays of either are summed.
 *
 * @example
 * estimateInputTokens(['abcd', [1, 2, 3]]); // 1 + 3 = 4
 */
export function estimateInputTokens(input: unknown): number {
  if (typeof input === 'string') return estimateTextTokens(input);
  if (!Array.isArray(input)) return 0;
  let tokens = 0;
  for (const element of input) {
    if (typeof element === 'number') tokens += 1;
    else tokens += estimateInputTokens(element);
  }
  return tokens;
}

/**
 * Characters of text in a chat message content or Responses API input: a string, or an array
 * of parts whose `text` (chat) or nested `content` (Responses items) is counted.
 *
 * @example
 * textLength([{ type: 'text', text: 'abc' }]); // 3
 */
export function textLength(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let length = 0;
  for (const part of content) {
    if (typeof part === 'string') length += part.length;
    else if (typeof part === 'object' && part !== null) {
      const { text, content: nested } = part as { text?: unknown; content?: unknown };
      if (typeof text === 'string') length += text.length;
      else length += textLength(nested);
    }
  }
  return length;
}
