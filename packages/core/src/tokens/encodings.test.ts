import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';
import { createCountMemo, encodingForModel } from './encodings.js';

describe('token counts, remembered per text', () => {
  it('answers what the tokenizer answers, first time and again, capped or not', async () => {
    const encoding = await encodingForModel('gpt-4o');
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 300 }), (text, cap) => {
        const exact = o200kCount(text, { disallowedSpecial: new Set() });
        assert.equal(encoding.countTokens(text), exact);
        assert.equal(encoding.countTokens(text), exact);
        const capped = encoding.countTokensUpTo(text, cap);
        assert.equal(capped, exact > cap ? cap + 1 : exact);
      }),
    );
  });

  it('does not remember a count it only knows past a cap', async () => {
    const encoding = await encodingForModel('gpt-4o');
    const text = 'word '.repeat(2_000);
    assert.equal(encoding.countTokensUpTo(text, 10), 11);
    assert.equal(encoding.countTokens(text), o200kCount(text));
  });

  it('forgets the least recently used texts past its bounds', () => {
    const memo = createCountMemo();
    memo.set('kept', 1);
    for (let index = 0; index < 5_000; index++) {
      memo.set(`text ${index}`, index);
      if (index % 100 === 0) assert.equal(memo.get('kept'), 1); // used, so kept
    }
    assert.equal(memo.get('kept'), 1);
    assert.equal(memo.get('text 0'), undefined);
    assert.equal(memo.get('text 4999'), 4_999);
    memo.set('x'.repeat(300 * 1024), 7);
    assert.equal(memo.get('x'.repeat(300 * 1024)), undefined);
  });
});
