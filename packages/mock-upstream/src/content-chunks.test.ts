import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentChunks } from './content-chunks.js';
import { estimateChatPromptTokens, estimateInputTokens } from './token-estimate.js';

describe('contentChunks', () => {
  it('splits into nearly equal pieces that join back to the content', () => {
    const content = 'Hello from the mock upstream. 你好，世界！';
    const pieces = contentChunks(content, 5);
    assert.equal(pieces.length, 5);
    assert.equal(pieces.join(''), content);
    const lengths = pieces.map((piece) => Array.from(piece).length);
    assert.ok(Math.max(...lengths) - Math.min(...lengths) <= 1, `uneven: ${lengths}`);
  });

  it('never cuts a multi-byte character or a surrogate pair', () => {
    const content = '😀你😀好😀';
    const pieces = contentChunks(content, 5);
    assert.deepEqual(pieces, ['😀', '你', '😀', '好', '😀']);
    for (const piece of pieces) assert.ok(!Buffer.from(piece).toString().includes('\ufffd'));
  });

  it('gives one piece per code point when there are fewer than chunks, none for empty content', () => {
    assert.deepEqual(contentChunks('ab', 5), ['a', 'b']);
    assert.deepEqual(contentChunks('', 5), []);
  });
});

describe('token estimates', () => {
  it('counts chat text as ceil(characters / 4) + 3 per message', () => {
    const messages = [
      { role: 'system', content: 'abcdefgh' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'abc' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
      },
    ];
    assert.equal(estimateChatPromptTokens(messages), Math.ceil(11 / 4) + 6);
  });

  it('counts legacy inputs: strings by characters, token arrays by length', () => {
    assert.equal(estimateInputTokens('abcde'), 2);
    assert.equal(estimateInputTokens(['abcd', [1, 2, 3]]), 4);
    assert.equal(estimateInputTokens(undefined), 0);
  });
});
