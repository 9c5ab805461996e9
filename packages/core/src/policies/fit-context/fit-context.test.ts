import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { send, startGatewayWithMock } from '../../testing/index.js';
import { countChatTokens } from '../../tokens/count-chat-tokens.js';
import { encodingForModel } from '../../tokens/encodings.js';
import { splitTurns } from './conversation-turns.js';

const filler = (index: number) =>
  `Turn ${index}: the ferry crossed the strait carrying cars, bicycles and a choir that sang all the way over.`;

function longChat(turns: number) {
  const messages: Array<Record<string, unknown>> = [
    { role: 'system', content: 'You are the harbour master.' },
  ];
  for (let index = 0; index < turns; index++) {
    messages.push({ role: 'user', content: filler(index) });
    messages.push({ role: 'assistant', content: `Noted ${index}. ${filler(index)}` });
  }
  messages.push({ role: 'user', content: 'When does the last ferry leave?' });
  return messages;
}

const window = { 'gpt-4o-mini': 400 };
const maxTokens = 100;

describe('fit context', () => {
  it('reject: 400 context_length_exceeded, OpenAI-shaped, before any upstream call', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      context: { strategy: 'reject', windowTokens: window },
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages: longChat(10), max_tokens: maxTokens },
      });
      assert.equal(answer.status, 400);
      const error = (answer.json as { error: Record<string, unknown> }).error;
      assert.equal(error.code, 'context_length_exceeded');
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, 'messages');
      assert.match(String(error.message), /maximum context length is 400 tokens/);
      assert.equal(ferry.mock.requests.length, 0);
      // A request that fits passes untouched, without the header.
      const small = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages: longChat(1), max_tokens: maxTokens },
      });
      assert.equal(small.status, 200);
      assert.equal(small.headers['x-ferry-context'], undefined);
    } finally {
      await ferry.close();
    }
  });

  it('trim: drops the oldest turns, keeps the system prompt and the latest user turn, and says so', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      context: { strategy: 'trim', windowTokens: window },
    });
    try {
      const messages = longChat(10);
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages, max_tokens: maxTokens },
      });
      assert.equal(answer.status, 200);
      const forwarded = ferry.mock.requests[0]?.json as {
        messages: Array<{ role: string; content: string }>;
      };
      const sent = forwarded.messages;
      assert.deepEqual(sent[0], messages[0]);
      assert.deepEqual(sent.at(-1), messages.at(-1));
      assert.ok(sent.length < messages.length);
      // What is kept is the most recent stretch of the conversation, in order.
      assert.deepEqual(sent.slice(1), messages.slice(messages.length - (sent.length - 1)));
      const encoding = await encodingForModel('gpt-4o-mini');
      const tokens = countChatTokens({ messages: sent }, encoding);
      assert.ok(tokens + maxTokens <= 400, `${tokens} prompt tokens`);
      assert.match(
        String(answer.headers['x-ferry-context']),
        new RegExp(`^trimmed; dropped=${messages.length - sent.length}; tokens=\\d+->${tokens}$`),
      );
    } finally {
      await ferry.close();
    }
  });

  it('rejects a huge prompt without counting all of it', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      context: { windowTokens: window },
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ferry '.repeat(500_000) }] },
      });
      assert.equal(answer.status, 400);
      const error = (answer.json as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'context_length_exceeded');
      assert.match(error.message, /you requested more than \d+ tokens/);
    } finally {
      await ferry.close();
    }
  });

  it('trim keeps an assistant tool call and its tool results together', () => {
    const turns = splitTurns([
      { role: 'system', content: 's' },
      { role: 'user', content: 'old question' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'a', content: 'result' },
      { role: 'assistant', content: 'old answer' },
      { role: 'user', content: 'new question' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'b', content: 'result' },
    ]);
    assert.deepEqual(
      turns.map((turn) => [turn.pinned, turn.messages.map((message) => message.role)]),
      [
        [true, ['system']],
        [false, ['user']],
        [false, ['assistant', 'tool']],
        [false, ['assistant']],
        [true, ['user', 'assistant', 'tool']],
      ],
    );
  });

  it('summarize: the summary model condenses the dropped turns; the summary is cached for the next turn', async () => {
    const ferry = await startGatewayWithMock(
      {
        upstream: { local: true },
        context: {
          strategy: 'summarize',
          windowTokens: window,
          summarize: { model: 'gpt-4o-mini-summary', maxSummaryTokens: 40 },
        },
      },
      { content: 'Earlier: ferries, cars and a choir.' },
    );
    try {
      const messages = longChat(10);
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages, max_tokens: maxTokens },
      });
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['x-ferry-context']), /^summarized; dropped=\d+; tokens=\d+->\d+$/);
      const [summaryCall, forwarded] = ferry.mock.requests;
      const summaryBody = summaryCall?.json as {
        model: string;
        stream: boolean;
        messages: Array<{ content: string }>;
      };
      assert.equal(summaryBody.model, 'gpt-4o-mini-summary');
      assert.equal(summaryBody.stream, false);
      assert.match(summaryBody.messages[1]?.content ?? '', /Turn 0:/);
      const sent =
        (forwarded?.json as { messages: Array<{ role: string; content: string }> } | undefined)?.messages ??
        [];
      assert.deepEqual(sent[0], messages[0]);
      assert.deepEqual(sent[1], {
        role: 'system',
        content: 'Summary of the earlier conversation:\nEarlier: ferries, cars and a choir.',
      });
      assert.deepEqual(sent.at(-1), messages.at(-1));

      // The next turn of the same conversation reuses the stored summary: no second summary call.
      const next = [
        ...messages,
        { role: 'assistant', content: 'At ten.' },
        { role: 'user', content: 'Thanks!' },
      ];
      const again = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages: next, max_tokens: maxTokens },
      });
      assert.equal(again.status, 200);
      assert.match(String(again.headers['x-ferry-context']), /^summarized; .*; cached$/);
      assert.equal(ferry.mock.requests.length, 3);
    } finally {
      await ferry.close();
    }
  });

  it('summarize falls back to trimming when the summary model fails', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      context: {
        strategy: 'summarize',
        windowTokens: window,
        summarize: { model: 'mock-fault:status=500', maxSummaryTokens: 40 },
      },
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages: longChat(10), max_tokens: maxTokens },
      });
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['x-ferry-context']), /^trimmed; .*; summary-failed$/);
    } finally {
      await ferry.close();
    }
  });
});
