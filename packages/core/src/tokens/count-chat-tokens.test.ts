import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { functionCallingTestCases } from 'gpt-tokenizer/fixtures/functionCallingTestCases';
import { countChatTokens } from './count-chat-tokens.js';
import { encodingForModel, encodingNameForModel, loadEncoding } from './encodings.js';

// The example conversation of OpenAI's cookbook "How to count tokens with tiktoken", whose
// published output is 129 prompt tokens for gpt-3.5-turbo-0613 and gpt-4-0613 (cl100k_base)
// and 124 for gpt-4o and gpt-4o-mini (o200k_base), as counted by the OpenAI API.
const cookbookMessages = [
  {
    role: 'system',
    content:
      'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
  },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  {
    role: 'system',
    name: 'example_assistant',
    content: 'Things working well together will increase revenue.',
  },
  {
    role: 'system',
    name: 'example_user',
    content:
      "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
  },
  {
    role: 'system',
    name: 'example_assistant',
    content: "Let's talk later when we're less busy about how to do better.",
  },
  {
    role: 'user',
    content: "This late pivot means we don't have time to boil the ocean for the client deliverable.",
  },
];

describe('chat token counts', () => {
  for (const [model, expected] of [
    ['gpt-3.5-turbo-0613', 129],
    ['gpt-4-0613', 129],
    ['gpt-4o', 124],
    ['gpt-4o-mini', 124],
  ] as const) {
    it(`counts the cookbook example as ${expected} prompt tokens for ${model}`, async () => {
      const encoding = await encodingForModel(model);
      assert.equal(countChatTokens({ model, messages: cookbookMessages }, encoding), expected);
    });
  }

  // gpt-tokenizer checks these against gpt-4o (o200k_base) in its own suite.
  it("matches every case of gpt-tokenizer's own function-calling fixtures (gpt-4o)", async () => {
    const encoding = await encodingForModel('gpt-4o');
    assert.ok(functionCallingTestCases.length > 20);
    for (const fixture of functionCallingTestCases) {
      const { tokens, ...request } = fixture as unknown as { tokens: number } & Record<string, unknown>;
      assert.equal(countChatTokens(request, encoding), tokens, JSON.stringify(request).slice(0, 200));
    }
  });

  it('counts `tools` exactly as the equivalent legacy `functions`', async () => {
    const encoding = await loadEncoding('o200k_base');
    const definition = {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } } },
    };
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const withTools = countChatTokens(
      { messages, tools: [{ type: 'function', function: definition }] },
      encoding,
    );
    assert.equal(withTools, countChatTokens({ messages, functions: [definition] }, encoding));
    assert.ok(withTools > countChatTokens({ messages }, encoding) + 10);
  });

  it('counts the text parts of array content and estimates images', async () => {
    const encoding = await loadEncoding('o200k_base');
    const plain = countChatTokens({ messages: [{ role: 'user', content: 'Describe this' }] }, encoding);
    const parts = countChatTokens(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Describe this' },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
            ],
          },
        ],
      },
      encoding,
    );
    assert.equal(parts, plain + 85);
  });

  it('counts special-token text in a message as plain text instead of throwing', async () => {
    const encoding = await loadEncoding('o200k_base');
    const tokens = countChatTokens(
      { messages: [{ role: 'user', content: 'end <|endoftext|> here' }] },
      encoding,
    );
    assert.ok(tokens > 8);
  });

  it('with a cap, counts exactly below it and reports cap + 1 above it', async () => {
    const encoding = await loadEncoding('o200k_base');
    const small = { messages: [{ role: 'user', content: 'short' }] };
    assert.equal(countChatTokens(small, encoding, 1_000), countChatTokens(small, encoding));
    const huge = { messages: [{ role: 'user', content: 'ferry '.repeat(1_000_000) }] };
    // The message alone is cut at cap + 1; framing adds its few tokens.
    assert.ok(countChatTokens(huge, encoding, 1_000) <= 1_000 + 1 + 10);
  });

  it('maps models to their encodings', () => {
    assert.equal(encodingNameForModel('gpt-4-0613'), 'cl100k_base');
    assert.equal(encodingNameForModel('gpt-3.5-turbo'), 'cl100k_base');
    assert.equal(encodingNameForModel('gpt-4o-2024-08-06'), 'o200k_base');
    assert.equal(encodingNameForModel('gpt-4.1-mini'), 'o200k_base');
    assert.equal(encodingNameForModel('o3-mini'), 'o200k_base');
    assert.equal(encodingNameForModel('llama-3.1-70b'), 'o200k_base');
  });
});
