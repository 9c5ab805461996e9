// @ts-check
// A bot that sends only its new message each turn. Start the gateway with conversations on:
//   FERRY_BOT_KEY=sk-bot FERRY_CONFIG=examples/conversation-bot/ferry.conversations.json pnpm start
// then, in another shell: FERRY_BOT_KEY=sk-bot node examples/conversation-bot/src/bot.js
import { createConversationBot } from './conversation-bot.js';

const bot = createConversationBot({
  baseURL: process.env.FERRY_URL ?? 'http://127.0.0.1:8787/v1',
  apiKey: process.env.FERRY_BOT_KEY ?? 'sk-bot',
  conversation: process.env.FERRY_CONVERSATION ?? `bot-${Date.now()}`,
});

for (const line of [
  'Hello, my name is Lin.',
  'I live in Hangzhou.',
  'Where do I live, and what is my name?',
]) {
  console.log(`> ${line}`);
  console.log(`< ${await bot.say(line)}`);
}
const stored = await bot.history();
console.log(
  `the gateway holds ${stored.length} turns of this conversation; the bot sent one message per turn`,
);

let previous;
for (const line of ['Responses API, turn one.', 'And turn two.']) {
  const { id, text } = await bot.respond(line, previous);
  console.log(`> ${line}\n< ${text} (${id})`);
  previous = id;
}
await bot.forget();
console.log('conversation erased');
