import type { JsonObject } from '../../types.js';

/** Messages that are dropped or kept together. */
export interface Turn {
  messages: JsonObject[];
  /** System/developer prompts and the current turn are never dropped. */
  pinned: boolean;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isInstruction = (message: JsonObject) => message.role === 'system' || message.role === 'developer';

/**
 * Splits a chat into turns for trimming: each system or developer message is pinned; the
 * latest user message and everything after it (the tool loop of the current turn) form one
 * pinned turn; an assistant message with `tool_calls` stays together with the `tool` results
 * that answer it, because an upstream rejects a tool result without its call and vice versa.
 *
 * @example
 * splitTurns([{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }]);
 */
export function splitTurns(messages: readonly unknown[]): Turn[] {
  let latestUser = -1;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (isObject(message) && message.role === 'user') {
      latestUser = index;
      break;
    }
  }
  const turns: Turn[] = [];
  let current: Turn | undefined;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (!isObject(message)) continue;
    if (latestUser !== -1 && index >= latestUser) {
      if (index === latestUser) turns.push({ messages: [], pinned: true });
      (turns.at(-1) as Turn).messages.push(message);
      current = undefined;
      continue;
    }
    if (isInstruction(message)) {
      turns.push({ messages: [message], pinned: true });
      current = undefined;
    } else if (message.role === 'tool' && current !== undefined) {
      current.messages.push(message);
    } else {
      const turn: Turn = { messages: [message], pinned: false };
      turns.push(turn);
      current = message.role === 'assistant' && Array.isArray(message.tool_calls) ? turn : undefined;
    }
  }
  return turns;
}
