import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeSseEvent, parseSseText, readSseEvent } from './sse-message.js';

describe('SSE messages', () => {
  it('reads the event name and the data payload of one event', () => {
    assert.deepEqual(readSseEvent(Buffer.from('event: ping\r\ndata: {"type": "ping"}\r\n\r\n')), {
      event: 'ping',
      data: '{"type": "ping"}',
    });
    assert.deepEqual(readSseEvent(Buffer.from('data: [DONE]\n\n')), { data: '[DONE]' });
  });

  it('skips comment-only events and keep-alives', async () => {
    assert.deepEqual(await parseSseText(': OPENROUTER PROCESSING\n\ndata: {"a":1}\n\n:\n\n'), [
      { data: '{"a":1}' },
    ]);
  });

  it('encodes events that parse back to themselves', async () => {
    const events = [{ event: 'message_stop', data: '{"type":"message_stop"}' }, { data: '[DONE]' }];
    assert.deepEqual(await parseSseText(events.map(encodeSseEvent).join('')), events);
  });
});
