/** `@ferry/core/filter`: the content scanner the gateway's filter uses, for scans of your own. */
export {
  type ContentRule,
  type ContentScanner,
  createContentScanner,
  type ScanResult,
} from '../filter/content-scanner.js';
export type { ContentFilterOptions } from '../filter/filter-options.js';
export { maskRanges } from '../filter/mask-ranges.js';
export { readWordLists } from '../filter/word-lists.js';
