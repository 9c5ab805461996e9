import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorCatalogue } from './error-catalogue.js';
import { GatewayError } from './errors.js';

const architecture = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');

/** The rows of the catalogue table in docs/architecture.md: `| status | \`code\` | \`type\` | yes/no | when |`. */
function documentedRows() {
  const rows = new Map<string, { status: number; type: string; retryable: boolean }>();
  const section = architecture.slice(architecture.indexOf('### The error catalogue'));
  for (const line of section.split('\n')) {
    const match = /^\| (\d{3}) \| `([a-z_]+)` \| `([a-z_]+)` \| (yes|no) \|/.exec(line);
    if (match === null) continue;
    rows.set(match[2] as string, {
      status: Number(match[1]),
      type: match[3] as string,
      retryable: match[4] === 'yes',
    });
  }
  return rows;
}

describe('the error catalogue', () => {
  it('matches the table in docs/architecture.md, both ways', () => {
    const documented = documentedRows();
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      assert.deepEqual(
        documented.get(code),
        { status: entry.status, type: entry.type, retryable: entry.retryable },
        `docs row for ${code}`,
      );
    }
    for (const code of documented.keys())
      assert.ok(code in errorCatalogue, `docs list ${code}, the catalogue does not`);
  });

  it('gives every error its status, type and retry flag from the table', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      const error = new GatewayError(code as keyof typeof errorCatalogue, 'message');
      assert.equal(error.status, entry.status, code);
      assert.equal(error.type, entry.type, code);
      assert.equal(error.retryable, entry.retryable, code);
    }
  });

  it('marks as retryable only what the OpenAI SDKs may usefully send again', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      // A 4xx other than 408/409/429 is the caller's to fix; retrying cannot change it.
      if (entry.status < 500 && ![408, 409, 429].includes(entry.status))
        assert.equal(entry.retryable, false, code);
    }
    assert.equal(errorCatalogue.insufficient_quota.retryable, false);
    assert.equal(errorCatalogue.rate_limit_exceeded.retryable, true);
  });
});
