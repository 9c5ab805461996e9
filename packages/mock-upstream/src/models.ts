import { BoundedCache } from './bounded-cache.js';
import type { Endpoint } from './endpoint.js';
import { jsonResponse } from './planned-response.js';

// A fixed `created` keeps the body byte-identical across runs and lets it be cached.
const createdSeconds = 1_700_000_000;
const bodies = new BoundedCache<readonly string[], string>(16);

/**
 * `GET /v1/models`: the ids of the `models` option as OpenAI model objects owned by `ferry-mock`.
 *
 * @example
 * models({ id: 1, body: {}, settings, options }); // {"object":"list","data":[{"id":"gpt-4o-mini",...}]}
 */
export const models: Endpoint = ({ options }) => {
  const body =
    bodies.get(options.models) ??
    bodies.set(
      options.models,
      JSON.stringify({
        object: 'list',
        data: options.models.map((id) => ({
          id,
          object: 'model',
          created: createdSeconds,
          owned_by: 'ferry-mock',
        })),
      }),
    );
  return jsonResponse(200, body);
};
