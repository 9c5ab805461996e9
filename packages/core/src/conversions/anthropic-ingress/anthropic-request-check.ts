import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../errors.js';
import type { JsonObject } from '../../types.js';

const versionPattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What the Messages API itself refuses, refused before conversion with the parameter named:
 * `max_tokens` is required there, `messages` must be turns of `user` and `assistant` whose
 * content is a string or blocks. A malformed `anthropic-version` is refused too; an absent one
 * is accepted (Ferry answers in the one version it speaks, `2023-06-01`).
 *
 * @internal
 */
export function checkAnthropicRequest(body: JsonObject, headers: IncomingHttpHeaders): void {
  const version = headers['anthropic-version'];
  if (version !== undefined && (typeof version !== 'string' || !versionPattern.test(version))) {
    throw new GatewayError(
      'invalid_value',
      'The anthropic-version header must be a date such as 2023-06-01.',
      {
        param: 'anthropic-version',
      },
    );
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw new GatewayError('invalid_type', 'model: a model name is required.', { param: 'model' });
  }
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new GatewayError('invalid_type', 'max_tokens: a whole number of at least 1 is required.', {
      param: 'max_tokens',
    });
  }
  const messages = body.messages;
  if (!Array.isArray(messages)) {
    throw new GatewayError('invalid_type', 'messages: a list of turns is required.', { param: 'messages' });
  }
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as { role?: unknown; content?: unknown } | null;
    const param = `messages[${index}]`;
    if (typeof message !== 'object' || message === null) {
      throw new GatewayError('invalid_type', `${param}: a turn must be an object.`, { param });
    }
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw new GatewayError('invalid_value', `${param}.role: must be "user" or "assistant".`, {
        param: `${param}.role`,
      });
    }
    const content = message.content;
    if (typeof content === 'string') continue;
    if (!isListOfObjects(content)) {
      throw new GatewayError('invalid_type', `${param}.content: a string or a list of blocks is required.`, {
        param: `${param}.content`,
      });
    }
  }
  const system = body.system;
  if (system !== undefined && typeof system !== 'string' && !isListOfObjects(system)) {
    throw new GatewayError('invalid_type', 'system: a string or a list of text blocks is required.', {
      param: 'system',
    });
  }
  const tools = body.tools;
  if (tools !== undefined && !isListOfObjects(tools)) {
    throw new GatewayError('invalid_type', 'tools: a list of tools is required.', { param: 'tools' });
  }
}

const isListOfObjects = (value: unknown): boolean =>
  Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null);
