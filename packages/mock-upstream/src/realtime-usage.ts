import { textLength } from './token-estimate.js';

/**
 * `response.done.response.usage` of the Realtime API (GA shape).
 *
 * @example
 * const usage: RealtimeUsage = realtimeUsage({ text: 12, audioBytes: 0, instructions: 0 }, 0, { text: 5, audio: 0 });
 */
export interface RealtimeUsage {
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
  input_token_details: {
    text_tokens: number;
    audio_tokens: number;
    image_tokens: number;
    cached_tokens: number;
    cached_tokens_details: { text_tokens: number; audio_tokens: number; image_tokens: number };
  };
  output_token_details: { text_tokens: number; audio_tokens: number };
}

/** Bytes of 24 kHz mono PCM16 per mock audio token (100 ms): the mock's deterministic rate. */
export const audioBytesPerToken = 4_800;

/**
 * What the conversation holds when a response starts: characters of text (items and
 * instructions) and bytes of input audio.
 */
export interface ConversationSize {
  text: number;
  audioBytes: number;
}

/**
 * Deterministic usage of one Realtime response: text input tokens are ceil(characters / 4),
 * audio input tokens one per 4800 bytes of PCM16 (100 ms), cached tokens are the input tokens
 * the previous response of the session already saw (never more than the current input).
 *
 * @example
 * realtimeUsage({ text: 8, audioBytes: 0 }, 0, { text: 3, audio: 0 }).total_tokens; // 2 + 3
 */
export function realtimeUsage(
  size: ConversationSize,
  previousInput: { text: number; audio: number },
  output: { text: number; audio: number },
): RealtimeUsage {
  const text = Math.ceil(size.text / 4);
  const audio = Math.ceil(size.audioBytes / audioBytesPerToken);
  const cachedText = Math.min(previousInput.text, text);
  const cachedAudio = Math.min(previousInput.audio, audio);
  const input = text + audio;
  const outputTokens = output.text + output.audio;
  return {
    total_tokens: input + outputTokens,
    input_tokens: input,
    output_tokens: outputTokens,
    input_token_details: {
      text_tokens: text,
      audio_tokens: audio,
      image_tokens: 0,
      cached_tokens: cachedText + cachedAudio,
      cached_tokens_details: { text_tokens: cachedText, audio_tokens: cachedAudio, image_tokens: 0 },
    },
    output_token_details: { text_tokens: output.text, audio_tokens: output.audio },
  };
}

/**
 * Characters of text and bytes of audio in one conversation item's content parts
 * (`input_text`, `output_text`, `text` carry `text`; `output_audio` carries `transcript`;
 * `input_audio` carries base64 `audio`).
 *
 * @example
 * itemSize({ type: 'message', content: [{ type: 'input_text', text: 'Hi' }] }); // { text: 2, audioBytes: 0 }
 */
export function itemSize(item: Record<string, unknown>): ConversationSize {
  let text = 0;
  let audioBytes = 0;
  const { content } = item;
  if (Array.isArray(content)) {
    for (const part of content) {
      if (typeof part !== 'object' || part === null) continue;
      const { audio, transcript } = part as { audio?: unknown; transcript?: unknown };
      if (typeof audio === 'string') audioBytes += base64Bytes(audio);
      else if (typeof transcript === 'string') text += transcript.length;
    }
    text += textLength(content);
  }
  // Function call outputs and arguments count as text too.
  if (typeof item.output === 'string') text += item.output.length;
  if (typeof item.arguments === 'string') text += item.arguments.length;
  return { text, audioBytes };
}

/** Decoded length of a base64 string, without decoding it. */
export function base64Bytes(base64: string): number {
  let padding = 0;
  if (base64.endsWith('==')) padding = 2;
  else if (base64.endsWith('=')) padding = 1;
  return Math.max(0, Math.floor((base64.length * 3) / 4) - padding);
}
