import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicStopToOpenAI, openaiFinishToAnthropic } from './stop-reasons.js';
import { anthropicUsageToOpenAI, openaiUsageToAnthropic } from './usage-mapping.js';

describe('usage rules', () => {
  it('prompt_tokens includes cache reads and writes that Anthropic input_tokens excludes', () => {
    const usage = anthropicUsageToOpenAI({
      input_tokens: 10,
      cache_read_input_tokens: 200,
      cache_creation_input_tokens: 30,
      output_tokens: 5,
    });
    assert.equal(usage.prompt_tokens, 240);
    assert.equal(usage.total_tokens, 245);
  });

  it('cached_tokens counts cache reads only, not cache writes', () => {
    const usage = anthropicUsageToOpenAI({
      input_tokens: 10,
      cache_read_input_tokens: 200,
      cache_creation_input_tokens: 30,
      output_tokens: 5,
    });
    assert.equal(usage.prompt_tokens_details?.cached_tokens, 200);
  });

  it('missing cache fields count as zero', () => {
    assert.deepEqual(anthropicUsageToOpenAI({ input_tokens: 25, output_tokens: 15 }), {
      prompt_tokens: 25,
      completion_tokens: 15,
      total_tokens: 40,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it('the reverse split takes cached (and cache_write) tokens out of input_tokens', () => {
    assert.deepEqual(
      openaiUsageToAnthropic({
        prompt_tokens: 240,
        completion_tokens: 5,
        total_tokens: 245,
        prompt_tokens_details: { cached_tokens: 200, cache_write_tokens: 30 },
      }),
      { input_tokens: 10, cache_creation_input_tokens: 30, cache_read_input_tokens: 200, output_tokens: 5 },
    );
    assert.deepEqual(openaiUsageToAnthropic(undefined), {
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 0,
    });
  });
});

describe('stop reasons', () => {
  const cases: Array<[string, string]> = [
    ['end_turn', 'stop'],
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['tool_use', 'tool_calls'],
    ['pause_turn', 'stop'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
  ];
  for (const [anthropic, openai] of cases) {
    it(`${anthropic} → ${openai}`, () =>
      assert.equal(anthropicStopToOpenAI(anthropic, anthropic === 'tool_use'), openai));
  }

  it('pending tool calls are never a plain stop: end_turn and pause_turn with tool calls → tool_calls', () => {
    assert.equal(anthropicStopToOpenAI('end_turn', true), 'tool_calls');
    assert.equal(anthropicStopToOpenAI('pause_turn', true), 'tool_calls');
    assert.equal(anthropicStopToOpenAI(null, true), 'tool_calls');
    assert.equal(openaiFinishToAnthropic('stop', true), 'tool_use');
  });

  const reverse: Array<[string | null, string]> = [
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ];
  for (const [openai, anthropic] of reverse) {
    it(`${openai} → ${anthropic}`, () => assert.equal(openaiFinishToAnthropic(openai, false), anthropic));
  }
});
