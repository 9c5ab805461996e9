// @ts-check
// A signed caller for the starter gateway: `pnpm --filter @ferry/example-signed-caller start`.
// See README.md for how to start the starter with signing turned on.
import { createSignedClient, streamedText } from './signed-client.js';

const secret = process.env.FERRY_SIGNING_SECRET;
if (!secret) {
  console.error('Set FERRY_SIGNING_SECRET (the same value the gateway was started with).');
  process.exit(1);
}
const client = createSignedClient({
  baseUrl: process.env.FERRY_URL ?? 'http://127.0.0.1:8787/v1',
  keyId: process.env.FERRY_KEY_ID ?? 'coze-plugin',
  secret,
});
const messages = [{ role: 'user', content: 'Say hello in Chinese and English.' }];

const models = await client.get('/models');
console.log(`GET /models → ${models.response.status}`);

const chat = await client.post('/chat/completions', { model: 'gpt-4o-mini', messages });
/** @typedef {{ choices?: Array<{ message?: { content?: string } }>, error?: { code: string, message: string } }} ChatAnswer */
const answer = /** @type {ChatAnswer} */ (await chat.response.json());
console.log(
  `POST /chat/completions → ${chat.response.status}: ${answer.choices?.[0]?.message?.content ?? JSON.stringify(answer)}`,
);

const stream = await client.post('/chat/completions', { model: 'gpt-4o-mini', messages, stream: true });
console.log(
  `POST /chat/completions (stream) → ${stream.response.status}: ${await streamedText(stream.response)}`,
);

// The same signed request sent again: its nonce is already used, so the gateway refuses it.
const replay = await client.replay(
  'POST',
  '/chat/completions',
  { model: 'gpt-4o-mini', messages },
  chat.signature,
);
const refusal = /** @type {ChatAnswer} */ (await replay.response.json());
console.log(`replayed request → ${replay.response.status} ${refusal.error?.code}: ${refusal.error?.message}`);
