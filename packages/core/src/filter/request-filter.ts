import { GatewayError } from '../errors.js';
import type { JsonObject } from '../types.js';
import type { ContentScanner } from './content-scanner.js';
import { maskRanges } from './mask-ranges.js';

/** Deeper bodies are refused: no API nests this far, and re-encoding them would overflow the stack. */
export const maxFilteredDepth = 256;

/** What filtering a request body did. */
export interface RequestFilterOutcome {
  masked: boolean;
  matched: string[];
}

/**
 * Scans every string of a request body (messages, prompt, input, tool arguments — all but the
 * top-level `model`), without recursion so a hostile nesting cannot overflow the stack. `block`
 * throws a 400 `content_filter`; `mask` replaces the matched characters in place.
 *
 * @example
 * const outcome = filterRequestBody(context.body, scanner, 'mask');
 * if (outcome.masked) context.bodyChanged = true;
 */
export function filterRequestBody(
  body: JsonObject,
  scanner: ContentScanner,
  action: 'block' | 'mask',
): RequestFilterOutcome {
  const outcome: RequestFilterOutcome = { masked: false, matched: [] };
  const containers: unknown[] = [body];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop() as JsonObject | unknown[];
    const depth = depths.pop() as number;
    const keys = Array.isArray(container) ? undefined : Object.keys(container);
    const count = keys === undefined ? (container as unknown[]).length : keys.length;
    for (let position = 0; position < count; position++) {
      const key = keys === undefined ? position : (keys[position] as string);
      const value = (container as Record<string | number, unknown>)[key];
      if (typeof value === 'string') {
        if (container === body && key === 'model') continue;
        const { ranges, matched } = scanner.scan(value, true);
        if (ranges.length === 0) continue;
        outcome.matched.push(...matched);
        if (action === 'block') {
          throw new GatewayError('content_filter', 'The request was rejected by the content filter.');
        }
        (container as Record<string | number, unknown>)[key] = maskRanges(value, ranges);
        outcome.masked = true;
      } else if (typeof value === 'object' && value !== null) {
        if (depth >= maxFilteredDepth) {
          throw new GatewayError(
            'invalid_body',
            `The request body is nested more than ${maxFilteredDepth} levels deep.`,
          );
        }
        containers.push(value);
        depths.push(depth + 1);
      }
    }
  }
  return outcome;
}
