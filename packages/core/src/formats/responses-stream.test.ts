import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncompleteStreamError } from './incomplete-stream-error.js';
import { responseToEvents } from './response-to-events.js';
import { type ResponseObject, ResponsesStreamAggregator } from './responses-stream-aggregator.js';
import type { SseEvent } from './sse-message.js';
import { aggregate, fixtureEvents, fixtureJson } from './test-fixtures.js';

const typeOf = (event: SseEvent) => (JSON.parse(event.data) as { type: string }).type;
const withoutRepeats = (types: string[]) => types.filter((type, index) => type !== types[index - 1]);

const documentedText = () => {
  const content = fixtureJson<ResponseObject>('responses-completed.json').output[0]?.content as
    | Array<{ text: string }>
    | undefined;
  return content?.[0]?.text;
};

const toolAndReasoning: ResponseObject = {
  id: 'resp_2',
  object: 'response',
  created_at: 1,
  status: 'incomplete',
  incomplete_details: { reason: 'max_output_tokens' },
  model: 'o4-mini',
  output: [
    { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Look it up.' }] },
    {
      id: 'fc_1',
      type: 'function_call',
      status: 'completed',
      call_id: 'call_1',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    },
    {
      id: 'msg_1',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [
        {
          type: 'output_text',
          text: 'See [1].',
          annotations: [{ type: 'url_citation', url: 'https://example.com', start_index: 4, end_index: 7 }],
        },
        { type: 'refusal', refusal: 'No more.' },
      ],
    },
    { id: 'ws_1', type: 'web_search_call', status: 'completed' },
  ],
  usage: { input_tokens: 5, output_tokens: 9, total_tokens: 14 },
};

describe('Responses API streams', () => {
  it('aggregates the documented event examples into the response.completed object', async () => {
    const response = aggregate(await fixtureEvents('responses-stream.sse'), new ResponsesStreamAggregator());
    assert.deepEqual(response, fixtureJson('responses-completed.json'));
  });

  it('assembles the output from the deltas when the terminal event carries an empty output', async () => {
    const events = await fixtureEvents('responses-stream.sse');
    const last = events.pop() as SseEvent;
    const terminal = JSON.parse(last.data) as { response: ResponseObject };
    terminal.response.output = [];
    events.push({ event: last.event, data: JSON.stringify(terminal) });
    const response = aggregate(events, new ResponsesStreamAggregator());
    assert.deepEqual(response.output, [
      {
        id: 'msg_123',
        status: 'completed',
        type: 'message',
        role: 'assistant',
        content: [
          {
            type: 'output_text',
            text: documentedText(),
            annotations: [],
          },
        ],
      },
    ]);
  });

  it('reports a stream cut before response.completed as incomplete, with the text so far', async () => {
    const events = (await fixtureEvents('responses-stream.sse')).slice(0, 8);
    assert.throws(
      () => aggregate(events, new ResponsesStreamAggregator()),
      (error: unknown) => {
        if (!(error instanceof IncompleteStreamError) || error.reason !== 'cut') return false;
        const partial = error.partial as ResponseObject;
        const part = (partial.output[0]?.content as Array<{ text: string }> | undefined)?.[0];
        return (
          partial.status === 'in_progress' &&
          partial.id === 'resp_123' &&
          part?.text === 'In a shimmering forest'
        );
      },
    );
  });

  it('reports an error event as a failed stream', async () => {
    const events = (await fixtureEvents('responses-stream.sse')).slice(0, 4);
    events.push({
      event: 'error',
      data: JSON.stringify({
        type: 'error',
        code: 'server_error',
        message: 'boom',
        param: null,
        sequence_number: 4,
      }),
    });
    assert.throws(
      () => aggregate(events, new ResponsesStreamAggregator()),
      (error: unknown) => error instanceof IncompleteStreamError && error.reason === 'upstream_error',
    );
  });

  it('synthesises the documented event sequence from a response, sequence numbers from 0', async () => {
    const response = fixtureJson<ResponseObject>('responses-completed.json');
    const events = responseToEvents(response);
    const documented = await fixtureEvents('responses-stream.sse');
    assert.deepEqual(withoutRepeats(events.map(typeOf)), withoutRepeats(documented.map(typeOf)));
    assert.deepEqual(
      events.map((event) => (JSON.parse(event.data) as { sequence_number: number }).sequence_number),
      events.map((_, index) => index),
    );
    assert.ok(events.every((event) => event.event === typeOf(event)));
    assert.deepEqual(aggregate(events, new ResponsesStreamAggregator()), response);
  });

  it('round-trips reasoning summaries, function calls, annotations, refusals and other items, with the status event', () => {
    const events = responseToEvents(toolAndReasoning);
    assert.equal(typeOf(events[events.length - 1] as SseEvent), 'response.incomplete');
    assert.ok(events.some((event) => typeOf(event) === 'response.function_call_arguments.delta'));
    assert.ok(events.some((event) => typeOf(event) === 'response.reasoning_summary_text.delta'));
    assert.ok(events.some((event) => typeOf(event) === 'response.output_text.annotation.added'));
    assert.ok(events.some((event) => typeOf(event) === 'response.refusal.delta'));
    const terminal = events.pop() as SseEvent;
    // Without the terminal event, the assembled output alone must already be the answer.
    const cut = new ResponsesStreamAggregator();
    for (const event of events) cut.push(event);
    assert.throws(
      () => cut.finish(),
      (error: unknown) =>
        error instanceof IncompleteStreamError &&
        JSON.stringify((error.partial as ResponseObject).output) === JSON.stringify(toolAndReasoning.output),
    );
    assert.deepEqual(aggregate([...events, terminal], new ResponsesStreamAggregator()), toolAndReasoning);
  });
});
