import { GatewayError } from '../errors.js';

/** Why an aggregate could not be completed. */
export type IncompleteReason = 'cut' | 'upstream_error';

/**
 * Thrown by the stream aggregators when a stream did not end as complete (no `[DONE]`, no
 * `message_stop`, no `response.completed`) or carried an error event: the answer built so far
 * is in `partial`, for accounting, never for the client as a success. The client-facing body
 * is the usual OpenAI error (`code: "upstream_stream_incomplete"` or `"upstream_stream_error"`).
 *
 * @example
 * try { aggregator.finish(); } catch (error) { if (error instanceof IncompleteStreamError) log(error.partial); }
 */
export class IncompleteStreamError<T = unknown> extends GatewayError {
  readonly reason: IncompleteReason;
  readonly partial: T;
  /** The error the upstream sent in the stream, when `reason` is `upstream_error`. */
  readonly upstreamError: unknown;

  constructor(reason: IncompleteReason, partial: T, upstreamError?: unknown) {
    super(
      reason === 'cut' ? 'upstream_stream_incomplete' : 'upstream_stream_error',
      reason === 'cut'
        ? 'The upstream stream ended before it was complete.'
        : 'The upstream reported an error in the middle of its stream.',
      { type: 'upstream_error' },
    );
    this.name = 'IncompleteStreamError';
    this.reason = reason;
    this.partial = partial;
    this.upstreamError = upstreamError;
  }
}
