/** `@ferry/core/tokens`: token counting and context windows, as the gateway counts them. */
export { createContextWindowTable, defaultContextWindows } from '../tokens/context-windows.js';
export { countChatTokens } from '../tokens/count-chat-tokens.js';
export {
  type EncodingName,
  encodingForModel,
  encodingNameForModel,
  loadEncoding,
  type TokenEncoding,
} from '../tokens/encodings.js';
