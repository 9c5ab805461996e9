import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFault } from './fault.js';
import { FaultRegistry } from './fault-registry.js';

describe('parseFault', () => {
  it('parses every item', () => {
    assert.deepEqual(parseFault('status=429;retry-after=2;retry-after-ms=1500;times=3'), {
      status: 429,
      retryAfter: '2',
      retryAfterMs: '1500',
      times: 3,
    });
    assert.deepEqual(parseFault('reset-before-headers'), { resetBeforeHeaders: true });
    assert.deepEqual(parseFault('stall-before-headers'), { stallBeforeHeaders: true });
    assert.deepEqual(parseFault('reset-after=2'), { resetAfter: 2 });
    assert.deepEqual(parseFault('stall-after=0'), { stallAfter: 0 });
    assert.deepEqual(parseFault('malformed-after=1;split=7'), { malformedAfter: 1, splitBytes: 7 });
    assert.deepEqual(parseFault('trickle=5'), { trickleMs: 5 });
    assert.deepEqual(parseFault('reset-after=3;close-code=1011'), { resetAfter: 3, closeCode: 1011 });
    assert.deepEqual(parseFault('close-code=4999;oversize=3400000'), {
      closeCode: 4999,
      oversizeBytes: 3_400_000,
    });
    // 1005 is a close frame without a code.
    assert.deepEqual(parseFault('reset-after=2;close-code=1005'), { resetAfter: 2, closeCode: 1005 });
  });

  it('keeps retry-after values verbatim, dates and garbage included', () => {
    assert.equal(
      parseFault('status=503;retry-after=Wed, 21 Oct 2015 07:28:00 GMT').retryAfter,
      'Wed, 21 Oct 2015 07:28:00 GMT',
    );
    assert.equal(parseFault('status=503;retry-after=soon-ish!').retryAfter, 'soon-ish!');
    assert.equal(parseFault('retry-after-ms=-1').retryAfterMs, '-1');
  });

  it('tolerates spaces and empty items around separators', () => {
    assert.deepEqual(parseFault(' status = 500 ; ;times=1; '), { status: 500, times: 1 });
  });

  it('throws on typos so a test does not silently run the happy path', () => {
    const cases: [string, RegExp][] = [
      ['stauts=500', /unknown mock fault item 'stauts'/],
      ['status', /needs a value/],
      ['status=abc', /whole number/],
      ['status=200', /400-599/],
      ['status=600', /400-599/],
      ['times=0', /must be >= 1/],
      ['split=0', /must be >= 1/],
      ['reset-after=-1', /whole number/],
      ['trickle=1.5', /whole number/],
      ['reset-before-headers=1', /takes no value/],
      ['status=500;status=503', /given twice/],
      ['', /empty/],
      ['reset-before-headers;stall-before-headers', /both reset and stall/],
      ['reset-after=1;stall-after=1', /both reset and stall/],
      ['retry-after=a\u0001b', /cannot carry/],
      // 1006 and 1015 can never be sent (ws throws); 1004 is reserved.
      ['close-code=1006', /a WebSocket can send/],
      ['close-code=1015', /a WebSocket can send/],
      ['close-code=1004', /a WebSocket can send/],
      ['close-code=2000', /a WebSocket can send/],
      ['close-code=5000', /a WebSocket can send/],
      ['oversize=0', /must be >= 1/],
    ];
    for (const [spec, message] of cases) {
      assert.throws(() => parseFault(spec), message, spec);
    }
  });
});

describe('FaultRegistry', () => {
  it('applies a times=n fault to the first n requests of that exact spec only', () => {
    const registry = new FaultRegistry();
    assert.deepEqual(registry.claim('status=503;times=2'), { status: 503, times: 2 });
    assert.deepEqual(registry.claim('status=503;times=1'), { status: 503, times: 1 });
    assert.deepEqual(registry.claim('status=503;times=2'), { status: 503, times: 2 });
    assert.equal(registry.claim('status=503;times=2'), undefined);
    assert.equal(registry.claim('status=503;times=1'), undefined);
    registry.reset();
    assert.deepEqual(registry.claim('status=503;times=1'), { status: 503, times: 1 });
  });

  it('applies a fault without times every time', () => {
    const registry = new FaultRegistry();
    for (let round = 0; round < 3; round += 1)
      assert.deepEqual(registry.claim('status=500'), { status: 500 });
  });
});
