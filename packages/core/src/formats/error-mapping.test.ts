import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors.js';
import type { AnthropicErrorBody } from './anthropic-types.js';
import { anthropicErrorToOpenAI, gatewayErrorToAnthropic, openaiErrorToAnthropic } from './error-mapping.js';
import type { OpenAIErrorBody } from './openai-chat-types.js';
import { fixtureJson } from './test-fixtures.js';

const documented = fixtureJson<Array<{ status: number; body: AnthropicErrorBody }>>('anthropic-errors.json');

const expected: Record<number, [number, string]> = {
  400: [400, 'invalid_request_error'],
  401: [401, 'authentication_error'],
  403: [403, 'permission_error'],
  404: [404, 'invalid_request_error'],
  413: [413, 'invalid_request_error'],
  429: [429, 'rate_limit_error'],
  500: [500, 'server_error'],
  529: [503, 'server_error'],
};

describe('errors', () => {
  for (const { status, body } of documented) {
    it(`Anthropic ${status} ${body.error.type} ⇄ OpenAI shape`, () => {
      const converted = anthropicErrorToOpenAI(status, body);
      const [openaiStatus, openaiType] = expected[status] as [number, string];
      assert.deepEqual(converted, {
        status: openaiStatus,
        body: {
          error: { message: body.error.message, type: openaiType, param: null, code: body.error.type },
        },
      });
      // And back: the same Anthropic status and type.
      assert.deepEqual(openaiErrorToAnthropic(converted.status, converted.body), {
        status,
        body: { type: 'error', error: body.error },
      });
    });
  }

  it('converts the documented OpenAI 401 into authentication_error', () => {
    const { status, body } = fixtureJson<{ status: number; body: OpenAIErrorBody }>('openai-error.json');
    assert.deepEqual(openaiErrorToAnthropic(status, body), {
      status: 401,
      body: { type: 'error', error: { type: 'authentication_error', message: body.error.message } },
    });
  });

  it('gives other statuses their Anthropic family: 4xx invalid_request_error, 5xx api_error', () => {
    assert.equal(openaiErrorToAnthropic(422, {}).body.error.type, 'invalid_request_error');
    assert.deepEqual(openaiErrorToAnthropic(504, { error: { message: 'late' } }), {
      status: 504,
      body: { type: 'error', error: { type: 'api_error', message: 'late' } },
    });
  });

  it("converts Ferry's own errors for /v1/messages clients", () => {
    const error = new GatewayError('rate_limit_exceeded', 'Too many requests.');
    assert.deepEqual(gatewayErrorToAnthropic(error), {
      status: 429,
      body: { type: 'error', error: { type: 'rate_limit_error', message: 'Too many requests.' } },
    });
  });
});
