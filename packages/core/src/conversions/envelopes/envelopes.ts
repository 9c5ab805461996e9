import type { GatewayError } from '../../errors.js';
import type { GatewayContext, JsonObject, Policy } from '../../types.js';
import { jsonBytes, parseJson, readAll } from '../body-bytes.js';
import type { CompiledEnvelope } from './compile-envelopes.js';
import { answerInput } from './envelope-input.js';
import { envelopeStream, evaluate, mapError } from './envelope-stream.js';

/** The first envelope for this request's client and route; none for the Anthropic ingress. */
function envelopeFor(envelopes: readonly CompiledEnvelope[], context: GatewayContext) {
  if (context.record.ingress !== undefined || context.route.name === 'messages') return undefined;
  const client = context.client?.clientId;
  for (const envelope of envelopes) {
    if (!envelope.routes.has(context.route.name)) continue;
    if (envelope.clients !== undefined && (client === undefined || !envelope.clients.has(client))) continue;
    return envelope;
  }
  return undefined;
}

/**
 * Response envelopes, outermost (decided on the way back, when the client is known): answers,
 * streams and errors are mapped by the client's envelope as the last transform, so the content
 * filter masks the text the client gets and accounting reads the upstream's own answer.
 * Ferry's own errors (a refused key, a limit) are mapped through `context.renderError`.
 *
 * @internal
 */
export function responseEnvelopes(envelopes: readonly CompiledEnvelope[]): Policy {
  return (next) => async (context) => {
    let response: Awaited<ReturnType<typeof next>>;
    try {
      response = await next(context);
    } catch (thrown) {
      const envelope = envelopeFor(envelopes, context);
      if (envelope?.error !== undefined) {
        const mapping = envelope.error;
        context.record.envelope = envelope.name;
        context.renderError = async (error: GatewayError) => ({
          status: error.status,
          body: jsonBytes(await mapError(mapping, error.toJSON().error, error.status, context.body)),
        });
      }
      throw thrown;
    }
    const envelope = envelopeFor(envelopes, context);
    if (envelope === undefined) return response;
    context.record.envelope = envelope.name;
    const request = context.body;
    const headers = response.headers;
    const contentType = headers['content-type'] ?? '';
    if (response.status >= 400) {
      if (envelope.error === undefined) return response;
      const upstream = parseJson(await readAll(response.body)) as { error?: unknown } | undefined;
      const error = upstream?.error ?? upstream ?? null;
      delete headers['content-length'];
      headers['content-type'] = 'application/json';
      const mapped = await mapError(envelope.error, error, response.status, request);
      return { status: response.status, headers, body: jsonBytes(mapped) };
    }
    if (response.body === undefined) return response;
    if (contentType.startsWith('text/event-stream')) {
      if (envelope.stream === undefined) return response;
      const chat = context.route.name === 'chat.completions';
      if (envelope.stream.format === 'ndjson') headers['content-type'] = 'application/x-ndjson';
      context.transforms.push((source) => envelopeStream(source, envelope, chat, request));
    } else if (contentType.startsWith('application/json')) {
      context.transforms.push((source) => envelopeAnswer(source, envelope, request));
    }
    return response;
  };
}

async function* envelopeAnswer(
  source: AsyncIterable<Uint8Array>,
  envelope: CompiledEnvelope,
  request: JsonObject | undefined,
): AsyncGenerator<Uint8Array> {
  const answer = parseJson(await readAll(source));
  yield jsonBytes(await evaluate(envelope.answer, answerInput(answer, request), 'answer'));
}
