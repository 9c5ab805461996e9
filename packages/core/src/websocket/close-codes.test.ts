import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutCloseReason, isSendableCloseCode, maxCloseReasonBytes, relayedCloseCode } from './close-codes.js';

describe('close codes and reasons relayed between the legs', () => {
  it('maps each unsendable code: 1005 to 1000, 1006 and 1015 (and the reserved 1004) to 1011', () => {
    assert.equal(relayedCloseCode(1005), 1000);
    assert.equal(relayedCloseCode(1006), 1011);
    assert.equal(relayedCloseCode(1015), 1011);
    assert.equal(relayedCloseCode(1004), 1011);
    assert.equal(relayedCloseCode(2000), 1011);
    assert.equal(relayedCloseCode(5000), 1011);
  });

  it('keeps every code an endpoint may send', () => {
    for (const code of [
      1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999,
    ])
      assert.equal(relayedCloseCode(code), code);
    assert.equal(isSendableCloseCode(1006), false);
  });

  it('cuts reasons to 123 bytes without splitting a UTF-8 character', () => {
    assert.equal(cutCloseReason('short'), 'short');
    const ascii = cutCloseReason('x'.repeat(500));
    assert.equal(Buffer.byteLength(ascii), maxCloseReasonBytes);
    // 'é' is 2 bytes: 61 fit in 122, the 62nd would need bytes 123-124.
    const accented = cutCloseReason(Buffer.from('é'.repeat(100)));
    assert.equal(accented, 'é'.repeat(61));
    const emoji = cutCloseReason('😀'.repeat(40));
    assert.equal(emoji, '😀'.repeat(30));
    assert.ok(!emoji.includes('\uFFFD'));
  });
});
