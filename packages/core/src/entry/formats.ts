/** `@ferry/core/formats`: conversions between stream and JSON answers, and OpenAI ⇄ Anthropic shapes. */
export * from '../formats/index.js';
