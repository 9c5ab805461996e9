// @ts-check
import OpenAI from 'openai';

/**
 * A chat bot that sends only its new message each turn: the gateway keeps the conversation
 * named by `x-ferry-conversation`, puts the stored history before the new message, and stores
 * the answer. The bot keeps no history at all, so a turn costs the same bytes on the wire on
 * turn 1 and turn 1 000.
 *
 * @param {{ baseURL: string, apiKey: string, conversation: string, model?: string }} settings
 *
 * @example
 * const bot = createConversationBot({ baseURL: 'http://127.0.0.1:8787/v1', apiKey: 'sk-bot', conversation: 'user-42' });
 * await bot.say('My name is Lin.');
 * await bot.say('What is my name?'); // the gateway sent the first turn along
 */
export function createConversationBot({ baseURL, apiKey, conversation, model = 'gpt-4o-mini' }) {
  const client = new OpenAI({
    baseURL,
    apiKey,
    defaultHeaders: { 'x-ferry-conversation': conversation },
  });
  return {
    /**
     * Sends one message; resolves with the assistant's answer.
     * @param {string} text
     */
    async say(text) {
      const answer = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: text }],
      });
      return answer.choices[0]?.message.content ?? '';
    },
    /**
     * The same with the Responses API: each turn names the previous response, and the gateway
     * rebuilds the chain for upstreams that keep no state.
     * @param {string} text
     * @param {string | undefined} previous the id the last turn returned
     */
    async respond(text, previous) {
      const response = await client.responses.create({
        model,
        input: text,
        ...(previous === undefined ? {} : { previous_response_id: previous }),
      });
      return { id: response.id, text: response.output_text };
    },
    /** What the gateway stored, as its management API exports it. */
    async history() {
      const response = await fetch(`${baseURL}/ferry/conversations/${encodeURIComponent(conversation)}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      if (!response.ok) throw new Error(`export failed: ${response.status}`);
      const exported = /** @type {{ messages: Array<{ message: { role: string, content: string } }> }} */ (
        await response.json()
      );
      return exported.messages.map((turn) => turn.message);
    },
    /** Erases the conversation on the gateway. */
    async forget() {
      await fetch(`${baseURL}/ferry/conversations/${encodeURIComponent(conversation)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${apiKey}` },
      });
    },
  };
}
