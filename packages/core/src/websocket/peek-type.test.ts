import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { peekType } from './peek-type.js';

describe('peekType reads the event type without parsing', () => {
  it('reads a top-level type wherever it sits among plain fields', () => {
    assert.equal(peekType(Buffer.from('{"type":"response.done","response":{"type":"x"}}')), 'response.done');
    assert.equal(peekType(Buffer.from('{"event_id":"e1", "type" : "session.created"}')), 'session.created');
  });

  it('gives up (undefined) when a nested object or array comes first, or there is no type', () => {
    assert.equal(peekType(Buffer.from('{"response":{"type":"message"},"type":"response.done"}')), undefined);
    assert.equal(peekType(Buffer.from('{"list":[1],"type":"a"}')), undefined);
    assert.equal(peekType(Buffer.from('{"delta":"abc"}')), undefined);
    assert.equal(peekType(Buffer.from('{"type":"a\\"b"}')), undefined);
  });

  it('never disagrees with JSON.parse when it answers', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (fields, type) => {
        const text = JSON.stringify({ ...fields, type });
        const peeked = peekType(Buffer.from(text));
        if (peeked !== undefined) assert.equal(peeked, (JSON.parse(text) as { type: string }).type);
      }),
    );
  });
});
