/**
 * Anthropic `stop_reason` as OpenAI `finish_reason`. Pending tool calls are never a plain
 * `stop`: when the answer carries tool calls, `end_turn` (and `pause_turn`) become `tool_calls`.
 * What is lost: `stop_sequence` and `end_turn` both become `stop` (the matched sequence is
 * dropped); `pause_turn` (a server tool paused a long turn; the client should send the answer
 * back to continue) becomes `stop`, so an OpenAI client sees the turn as finished;
 * `model_context_window_exceeded` and `max_tokens` both become `length`.
 *
 * @example
 * anthropicStopToOpenAI('tool_use', true); // 'tool_calls'
 * anthropicStopToOpenAI('end_turn', true); // 'tool_calls'
 */
export function anthropicStopToOpenAI(reason: string | null | undefined, hasToolCalls: boolean): string {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn, and anything newer.
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}

/**
 * OpenAI `finish_reason` as Anthropic `stop_reason`; the reverse of `anthropicStopToOpenAI`.
 * `stop` becomes `end_turn` (OpenAI does not say whether a stop sequence matched), and a `stop`
 * with tool calls (some compatible providers send that) becomes `tool_use`.
 *
 * @example
 * openaiFinishToAnthropic('length', false); // 'max_tokens'
 */
export function openaiFinishToAnthropic(reason: string | null | undefined, hasToolCalls: boolean): string {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return hasToolCalls ? 'tool_use' : 'end_turn';
  }
}
