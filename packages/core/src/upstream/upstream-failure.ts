import { GatewayError } from '../errors.js';

/** Where an upstream exchange failed: decides status, code and (later) whether a retry is safe. */
export type FailurePhase = 'before-headers' | 'in-body';

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const resetCodes = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

/**
 * Maps an undici failure to a client-facing GatewayError with a stable code. The message
 * never carries the upstream's address or the error's own text: both can leak internals.
 */
export function upstreamFailure(error: unknown, phase: FailurePhase, upstreamName: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = errorCode(error);
  const where = `upstream "${upstreamName}"`;
  if (phase === 'in-body') {
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      return new GatewayError('upstream_idle_timeout', `The ${where} stopped sending mid-response.`, {
        cause: error,
      });
    }
    return new GatewayError('upstream_stream_error', `The ${where} failed mid-response.`, {
      cause: error,
    });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new GatewayError('upstream_connect_timeout', `Connecting to the ${where} timed out.`, {
      cause: error,
    });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new GatewayError('upstream_timeout', `The ${where} did not answer in time.`, {
      cause: error,
    });
  }
  if (code !== undefined && unreachableCodes.has(code)) {
    return new GatewayError('upstream_unreachable', `The ${where} is unreachable.`, { cause: error });
  }
  if (code !== undefined && resetCodes.has(code)) {
    return new GatewayError(
      'upstream_connection_reset',
      `The ${where} closed the connection before answering.`,
      { cause: error },
    );
  }
  return new GatewayError('upstream_error', `The request to the ${where} failed.`, { cause: error });
}

/** The client went away; nobody will read this error, but logs and metrics will. */
export const clientClosedRequest = () =>
  new GatewayError('client_closed_request', 'The client closed the request.');
