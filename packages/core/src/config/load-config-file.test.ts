import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createGateway, gatewayInternals } from '../gateway.js';
import { GatewayOptionsError } from '../options.js';
import { expandEnvironment, loadConfigFile } from './load-config-file.js';

/** `${NAME}`, the reference syntax of config files. */
const ref = (name: string) => `\${${name}}`;

const folder = mkdtempSync(join(tmpdir(), 'ferry-config-'));
const file = (name: string, content: unknown) => {
  const path = join(folder, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('loadConfigFile', () => {
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('reads a config of the options shape and expands environment references', async () => {
    const path = file('ferry.json', {
      upstream: { url: `${ref('BASE')}/v1`, apiKey: ref('UPSTREAM_KEY') },
      clientKeys: [ref('CLIENT_A'), `literal-${ref('CLIENT_A')}-suffix`],
      connectTimeoutMs: 2000,
      requestStreamUsage: true,
    });
    const options = loadConfigFile(path, {
      BASE: 'https://api.example.com',
      UPSTREAM_KEY: 'sk-up',
      CLIENT_A: 'ka',
    });
    assert.deepEqual(options, {
      upstream: { url: 'https://api.example.com/v1', apiKey: 'sk-up' },
      clientKeys: ['ka', 'literal-ka-suffix'],
      connectTimeoutMs: 2000,
      requestStreamUsage: true,
    });
    const gateway = createGateway({ ...options, logger: false });
    assert.equal(gatewayInternals(gateway).upstreams[0]?.authorization, 'Bearer sk-up');
    await gateway.close();
  });

  it('names the field and the variable when a variable is not set', () => {
    const path = file('missing.json', {
      upstreams: [{ url: 'https://a.example/v1', apiKey: ref('NOT_SET') }],
    });
    assert.throws(
      () => loadConfigFile(path, {}),
      (error: unknown) =>
        error instanceof GatewayOptionsError &&
        /upstreams\.0\.apiKey/.test(error.message) &&
        /\$\{NOT_SET\}/.test(error.message),
    );
  });

  it('throws a GatewayOptionsError for a missing file or invalid JSON', () => {
    assert.throws(() => loadConfigFile(join(folder, 'absent.json'), {}), GatewayOptionsError);
    assert.throws(() => loadConfigFile(file('broken.json', '{"upstream":'), {}), GatewayOptionsError);
  });

  it('leaves non-string values and strings without references alone', () => {
    assert.deepEqual(expandEnvironment({ a: 1, b: [true, null], c: '$HOME {x}' }, { HOME: '/h' }), {
      a: 1,
      b: [true, null],
      c: '$HOME {x}',
    });
  });
});

describe('loadConfigFile syntax errors', () => {
  const fakeKey = 'sk-fake-canary-4b7e2d9a1c';

  const brokenFolder = mkdtempSync(join(tmpdir(), 'ferry-config-broken-'));
  after(() => rmSync(brokenFolder, { recursive: true, force: true }));
  let count = 0;

  const failure = (content: string) => {
    count += 1;
    const path = join(brokenFolder, `broken-${count}.json`);
    writeFileSync(path, content);
    try {
      loadConfigFile(path, {});
    } catch (error) {
      assert.ok(error instanceof GatewayOptionsError);
      assert.ok(error.message.includes(path), 'names the file');
      assert.doesNotMatch(error.message, /sk-fake|canary/);
      return error.message;
    }
    assert.fail('a broken config file must not load');
  };

  it('reports line and column of a syntax error right after a key, never the key', () => {
    // A missing comma after the key's string: V8's message would quote the key.
    const message = failure(`{\n  "upstream": {\n    "apiKey": "${fakeKey}" "url": "https://x"\n  }\n}`);
    assert.match(message, /not valid JSON at line 3, column 43$/);
  });

  it('finds the position of an unexpected token, whose parser message has none', () => {
    const message = failure(`{\n  "clientKeys": ["${fakeKey}", x]\n}`);
    assert.match(message, /not valid JSON at line 2, column 47$/);
    const short = failure('{"a": x}');
    assert.match(short, /at line 1, column 7$/);
  });

  it('places a truncated file at its end, and says when a file is empty', () => {
    assert.match(failure(`{"clientKeys": ["${fakeKey}"`), /at line 1, column 44$/);
    assert.match(failure(''), /ends too early/);
  });

  it('reports a missing file by its error code, not its content', () => {
    assert.throws(() => loadConfigFile(join(brokenFolder, 'missing.json'), {}), /missing\.json: ENOENT$/);
  });
});
