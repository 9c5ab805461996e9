import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayRequest } from '../types.js';

/**
 * The bridge's request with the handshake's headers replaced (the subprotocol key moved to
 * `authorization`, the `sec-websocket-*` headers removed); everything else, the client's
 * disconnect included, is the original's.
 * @internal
 */
export class UpgradeGatewayRequest implements GatewayRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: undefined = undefined;
  readonly remoteAddress: string | undefined;
  readonly failure: unknown;
  readonly onClientGone: ((listener: () => void) => void) | undefined;

  constructor(
    private readonly original: GatewayRequest,
    readonly headers: IncomingHttpHeaders,
  ) {
    this.method = original.method;
    this.path = original.path;
    this.query = original.query;
    this.remoteAddress = original.remoteAddress;
    this.failure = original.failure;
    this.onClientGone = original.onClientGone;
  }

  get signal(): AbortSignal {
    return this.original.signal;
  }

  get aborted(): boolean {
    return this.original.aborted ?? this.original.signal.aborted;
  }
}
