// @ts-check
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tryIt } from './try-it.js';

it('three instances sharing Redis admit exactly one limit together', async () => {
  const { admitted, limited, sample429 } = await tryIt({ requests: 60, limit: 20, print: () => {} });
  assert.equal(
    admitted.reduce((sum, each) => sum + each, 0),
    20,
  );
  assert.equal(
    limited.reduce((sum, each) => sum + each, 0),
    40,
  );
  assert.equal(sample429?.headers['x-ratelimit-limit-requests'], '20');
  assert.ok(Number(sample429?.headers['retry-after']) >= 1);
});
