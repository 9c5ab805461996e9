import type { JsonObject } from '../../types.js';

/** The first answer's text: a chat completion's first choice, or a response's output text. */
export function answerText(answer: unknown): string {
  const value = answer as {
    choices?: Array<{ message?: { content?: unknown } }>;
    output?: Array<{ content?: Array<{ type?: unknown; text?: unknown }> }>;
  };
  if (Array.isArray(value.choices)) {
    const content = value.choices[0]?.message?.content;
    return typeof content === 'string' ? content : '';
  }
  let text = '';
  if (Array.isArray(value.output)) {
    for (const item of value.output) {
      for (const part of item.content ?? []) {
        if (part.type === 'output_text' && typeof part.text === 'string') text += part.text;
      }
    }
  }
  return text;
}

/** What `answer` and `stream.final` expressions see. */
export function answerInput(answer: unknown, request: JsonObject | undefined) {
  const value = answer as { usage?: unknown; model?: unknown };
  return {
    answer,
    text: answerText(answer),
    usage: value.usage ?? null,
    model: value.model ?? null,
    request,
  };
}
