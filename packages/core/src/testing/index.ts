export { assertErrorAnswer, assertServerTiming } from './assertions.js';
export { eventually } from './eventually.js';
export {
  type GatewayServer,
  type GatewayWithMock,
  type RawUpstream,
  startGatewayServer,
  startGatewayWithMock,
  startRawUpstream,
} from './gateway-server.js';
export {
  decodeChunked,
  type RawExchange,
  type ReadResponse,
  rawExchange,
  send,
  splitRawResponse,
} from './http.js';
export { captureLogs, type LogCapture } from './log-capture.js';
export { fromPieces, splitAt } from './pieces.js';
