// @ts-check
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startMockUpstream } from '@ferry/mock-upstream';
import { startFerryServer } from '@ferry/server';
import { createConversationBot } from './conversation-bot.js';

const configFile = fileURLToPath(new URL('../ferry.conversations.json', import.meta.url));
const botKey = 'sk-example-bot';

describe('the conversation bot against the starter with ferry.conversations.json', () => {
  /** @type {import('@ferry/mock-upstream').MockUpstream} */
  let mock;
  /** @type {import('@ferry/server').RunningServer} */
  let running;
  before(async () => {
    mock = await startMockUpstream({ content: 'Noted.' });
    running = await startFerryServer({
      port: 0,
      configFile,
      logger: false,
      print: () => {},
      environment: { FERRY_BOT_KEY: botKey, FERRY_UPSTREAM_URL: mock.url },
    });
  });
  after(async () => {
    await running.close();
    await mock.close();
  });

  it('sends one message per turn while the upstream gets the whole conversation', async () => {
    const bot = createConversationBot({ baseURL: running.url, apiKey: botKey, conversation: 'example-lin' });
    assert.equal(await bot.say('My name is Lin.'), 'Noted.');
    assert.equal(await bot.say('What is my name?'), 'Noted.');
    const sent = /** @type {{ messages: unknown[] }} */ (mock.requests.at(-1)?.json);
    assert.deepEqual(sent.messages, [
      { role: 'user', content: 'My name is Lin.' },
      { role: 'assistant', content: 'Noted.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    assert.equal((await bot.history()).length, 4);
    const first = await bot.respond('one', undefined);
    await bot.respond('two', first.id);
    const input = /** @type {{ input: unknown[] } | undefined} */ (mock.requests.at(-1)?.json)?.input;
    assert.equal(input?.length, 3, 'the first input, its answer, the new input');
    await bot.forget();
    await assert.rejects(bot.history(), /404/);
  });

  it('runs as `node src/bot.js`', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./bot.js', import.meta.url))], {
      env: { ...process.env, FERRY_URL: running.url, FERRY_BOT_KEY: botKey },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, output);
    assert.match(output, /the gateway holds 6 turns of this conversation/);
    assert.match(output, /conversation erased/);
  });
});
