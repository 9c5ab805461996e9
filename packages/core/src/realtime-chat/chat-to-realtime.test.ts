import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors.js';
import { chatToRealtime } from './chat-to-realtime.js';
import { chatUsage, finishReason } from './realtime-to-chat.js';

const frames = (body: Record<string, unknown>) =>
  chatToRealtime(body).frames.map((frame) => JSON.parse(frame));

describe('chatToRealtime', () => {
  it('sends developer messages as system items, image parts as input_image, and skips empty assistant turns', () => {
    const sent = frames({
      model: 'gpt-realtime',
      max_completion_tokens: 20,
      temperature: 0.2,
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Rules.' }] },
        { role: 'assistant', content: null },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    });
    assert.deepEqual(
      sent.map((frame) => frame.type),
      ['session.update', 'conversation.item.create', 'conversation.item.create', 'response.create'],
    );
    assert.deepEqual(sent[1].item, {
      type: 'message',
      role: 'system',
      content: [{ type: 'input_text', text: 'Rules.' }],
    });
    assert.deepEqual(sent[2].item.content[1], {
      type: 'input_image',
      image_url: 'data:image/png;base64,AAAA',
    });
    assert.deepEqual(sent[3].response, { output_modalities: ['text'], max_output_tokens: 20 });
  });

  it('refuses with a 400 naming the field what a realtime turn cannot carry', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ messages: [] }, 'messages'],
      [{ messages: 'hi' }, 'messages'],
      [
        { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '' } }] }] },
        'messages[0].content[0]',
      ],
      [
        { messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
        'messages[0].content[0]',
      ],
      [{ messages: [{ role: 'assistant', content: 'x', tool_calls: [] }] }, 'messages[0].tool_calls'],
      [{ messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
      [{ messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens'],
      [{ messages: [{ role: 'user', content: 'x' }], stop: 'END' }, 'stop'],
      [{ messages: [{ role: 'user', content: 'x' }], logprobs: true }, 'logprobs'],
    ];
    for (const [body, param] of cases) {
      assert.throws(
        () => chatToRealtime({ model: 'gpt-realtime', ...body }),
        (error: unknown) => error instanceof GatewayError && error.status === 400 && error.param === param,
        param,
      );
    }
    // Empty tool lists, `n: 1`, `stop: null` and a text response format change nothing.
    assert.doesNotThrow(() =>
      chatToRealtime({
        model: 'gpt-realtime',
        messages: [{ role: 'user', content: 'x' }],
        tools: [],
        n: 1,
        stop: null,
        response_format: { type: 'text' },
      }),
    );
  });
});

describe('the realtime answer as a chat answer', () => {
  it('maps usage details and finish reasons', () => {
    assert.deepEqual(
      chatUsage({
        input_tokens: 10,
        output_tokens: 4,
        total_tokens: 14,
        input_token_details: { cached_tokens: 6, audio_tokens: 2 },
        output_token_details: { audio_tokens: 1 },
      }),
      {
        prompt_tokens: 10,
        completion_tokens: 4,
        total_tokens: 14,
        prompt_tokens_details: { cached_tokens: 6, audio_tokens: 2 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 1,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
    );
    assert.equal(chatUsage(null), undefined);
    assert.equal(finishReason({ status: 'completed' }), 'stop');
    assert.equal(
      finishReason({ status: 'incomplete', status_details: { reason: 'max_output_tokens' } }),
      'length',
    );
    assert.equal(
      finishReason({ status: 'incomplete', status_details: { reason: 'content_filter' } }),
      'content_filter',
    );
  });
});
