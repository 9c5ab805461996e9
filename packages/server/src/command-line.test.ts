import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandLine } from './command-line.js';
import { listenSettings } from './listen-settings.js';

describe('commandLine', () => {
  const environment = { FERRY_CONFIG: 'from-variable.json' };

  it('reads --config, --host and --port, short forms too', () => {
    assert.deepEqual(commandLine(['-c', 'ferry.json', '--host', '0.0.0.0', '-p', '0'], environment), {
      help: false,
      settings: { environment, configFile: 'ferry.json', host: '0.0.0.0', port: 0 },
    });
    assert.deepEqual(commandLine([], environment), {
      help: false,
      settings: { environment, configFile: undefined, host: undefined, port: undefined },
    });
  });

  it('reads the flags after the -- that pnpm passes on', () => {
    assert.deepEqual(commandLine(['--', '--port', '0'], environment), {
      help: false,
      settings: { environment, configFile: undefined, host: undefined, port: 0 },
    });
    assert.deepEqual(commandLine(['--', '--help'], environment), { help: true });
  });

  it('asks for help with -h and --help', () => {
    assert.deepEqual(commandLine(['--help'], environment), { help: true });
    assert.deepEqual(commandLine(['--port', 'x', '-h'], environment), { help: true });
  });

  it('refuses unknown options, arguments and ports in one short line each', () => {
    for (const [args, message] of [
      [['--conifg', 'x.json'], /^unknown option --conifg \(ferry --help lists the options\)$/],
      [['ferry.json'], /^unexpected argument ferry\.json /],
      [['--port', '80a'], /^--port must be a port number, not "80a"$/],
      [['--config'], /argument missing/],
    ] as const) {
      assert.throws(() => commandLine(args, environment), { name: 'SettingsError', message }, args.join(' '));
    }
  });
});

describe('listenSettings', () => {
  it('takes what is given, then PORT, HOST, FERRY_SHUTDOWN_GRACE_MS and FERRY_ACCEPT_LANES, then the defaults', () => {
    assert.deepEqual(listenSettings({}, {}), {
      port: 8787,
      host: '127.0.0.1',
      shutdownGraceMs: 10_000,
      acceptLanes: 15,
    });
    const environment = {
      PORT: '9000',
      HOST: '0.0.0.0',
      FERRY_SHUTDOWN_GRACE_MS: '500',
      FERRY_ACCEPT_LANES: '0',
    };
    assert.deepEqual(listenSettings({}, environment), {
      port: 9000,
      host: '0.0.0.0',
      shutdownGraceMs: 500,
      acceptLanes: 0,
    });
    assert.deepEqual(
      listenSettings({ port: 0, host: '::1', shutdownGraceMs: 0, acceptLanes: 3 }, environment),
      {
        port: 0,
        host: '::1',
        shutdownGraceMs: 0,
        acceptLanes: 3,
      },
    );
    // An empty variable is an unset one (`PORT= ferry`), not port 0.
    assert.equal(listenSettings({}, { PORT: '', HOST: '' }).port, 8787);
    assert.equal(listenSettings({}, { PORT: '', HOST: '' }).host, '127.0.0.1');
  });

  it('names the setting that is not a number in range', () => {
    assert.throws(() => listenSettings({}, { PORT: '80 ' }), /PORT must be a port number, not "80 "/);
    assert.throws(() => listenSettings({}, { PORT: '70000' }), /from 0 to 65535, not 70000/);
    assert.throws(() => listenSettings({ port: -1 }, {}), /from 0 to 65535, not -1/);
    assert.throws(
      () => listenSettings({}, { FERRY_SHUTDOWN_GRACE_MS: '10s' }),
      /FERRY_SHUTDOWN_GRACE_MS must be a whole number of milliseconds, not "10s"/,
    );
    assert.throws(
      () => listenSettings({}, { FERRY_ACCEPT_LANES: 'many' }),
      /FERRY_ACCEPT_LANES must be a whole number, not "many"/,
    );
    assert.throws(() => listenSettings({}, { FERRY_ACCEPT_LANES: '1000' }), /from 0 to 256, not 1000/);
  });
});
