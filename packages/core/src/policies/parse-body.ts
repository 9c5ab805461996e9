import { GatewayError } from '../errors.js';
import type { JsonObject, Policy } from '../types.js';

const decoder = new TextDecoder();

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses the JSON body of POST routes once, so later policies read `context.body` instead of
 * bytes, and rejects what no upstream could accept before any upstream call.
 */
export function parseBody(): Policy {
  return (next) => (context) => {
    if (!context.route.json) return next(context);
    const { request } = context;
    const contentType = request.headers['content-type'];
    if (contentType !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
      throw new GatewayError('unsupported_media_type', 'The request body must be application/json.');
    }
    let body: unknown = request.parsedBody;
    if (body === undefined) {
      if (request.body === undefined || request.body.byteLength === 0) {
        throw new GatewayError('missing_body', 'The request needs a JSON body.');
      }
      try {
        // The bridge hands over a Buffer: its own UTF-8 slice is cheaper than a TextDecoder call.
        const text = Buffer.isBuffer(request.body)
          ? request.body.toString('utf8')
          : decoder.decode(request.body);
        body = JSON.parse(text);
      } catch {
        throw new GatewayError('invalid_json', 'The request body is not valid JSON.');
      }
    }
    if (!isObject(body)) {
      throw new GatewayError('invalid_body', 'The request body must be a JSON object.');
    }
    const { model, stream } = body;
    if (model !== undefined && typeof model !== 'string') {
      throw new GatewayError('invalid_type', '"model" must be a string.', { param: 'model' });
    }
    if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
      throw new GatewayError('invalid_type', '"stream" must be a boolean.', { param: 'stream' });
    }
    context.body = body;
    context.model = model;
    context.stream = stream === true;
    context.record.model = model;
    if (context.stream) context.record.stream = true;
    return next(context);
  };
}
