import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { createMemoryStore } from './memory-store.js';
import type { Store } from './store.js';

describe('memory store', () => {
  let store: Store;
  beforeEach(() => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    store = createMemoryStore();
  });
  afterEach(async () => {
    await store.close();
    mock.timers.reset();
  });

  it('sets a key only when it is absent, until its TTL expires', async () => {
    assert.equal(store.kind, 'memory');
    assert.equal(await store.setIfAbsent('nonce:a', '1', 1_000), true);
    assert.equal(await store.setIfAbsent('nonce:a', '2', 1_000), false);
    assert.equal(await store.get('nonce:a'), '1');
    mock.timers.tick(999);
    assert.equal(await store.setIfAbsent('nonce:a', '3', 1_000), false);
    mock.timers.tick(1);
    assert.equal(await store.get('nonce:a'), undefined);
    assert.equal(await store.setIfAbsent('nonce:a', '4', 1_000), true);
    assert.equal(await store.get('nonce:a'), '4');
  });

  it('keeps a key without TTL, and replaces value and TTL on set', async () => {
    await store.set('k', 'v');
    mock.timers.tick(10 ** 9);
    assert.equal(await store.get('k'), 'v');
    await store.set('k', 'w', 100);
    mock.timers.tick(100);
    assert.equal(await store.get('k'), undefined);
  });

  it('increments by fractional amounts, with the TTL set on creation only', async () => {
    assert.equal(await store.incrementBy('spend', 0.25, 1_000), 0.25);
    mock.timers.tick(600);
    assert.equal(await store.incrementBy('spend', 1.5, 1_000), 1.75);
    // The second call did not extend the TTL: the window still ends 1000 ms after creation.
    mock.timers.tick(400);
    assert.equal(await store.get('spend'), undefined);
    assert.equal(await store.incrementBy('spend', 2, 1_000), 2);
    assert.equal(await store.incrementBy('count', -3), -3);
  });

  it('adds to several counters in one call, each as incrementBy would', async () => {
    await store.incrementBy('a', 1, 1_000);
    mock.timers.tick(600);
    await store.addMany([
      { key: 'a', amount: 0.5, ttlMs: 1_000 },
      { key: 'b', amount: 2, ttlMs: 1_000 },
      { key: 'c', amount: 3 },
    ]);
    assert.equal(await store.get('a'), '1.5');
    assert.equal(await store.get('b'), '2');
    mock.timers.tick(400);
    // `a` keeps the TTL of its creation; `b` got its own; `c` has none.
    assert.equal(await store.get('a'), undefined);
    assert.equal(await store.get('b'), '2');
    mock.timers.tick(10 ** 9);
    assert.equal(await store.get('c'), '3');
    await store.addMany([]);
  });

  it('deletes keys', async () => {
    await store.set('k', 'v');
    await store.delete('k');
    await store.delete('never-set');
    assert.equal(await store.get('k'), undefined);
    assert.equal(await store.setIfAbsent('k', 'again', 10), true);
  });
});
