import type { JsonObject } from '../types.js';

const decoder = new TextDecoder();
const lineBreak = /\r\n|\r|\n/;

/** One server-sent event, split into lines, with its single `data:` line located. */
export interface DataEvent {
  lines: string[];
  /** Index of the `data:` line in `lines`. */
  dataLine: number;
  /** The data line's value (after `data:` and its optional space). */
  payload: string;
}

/**
 * Splits a complete event (as `eventStreamEvents` yields it) into lines and finds its data
 * line. Events with no data line, or several (one payload over several lines, which OpenAI never
 * sends), give `undefined`: the filters pass them through untouched.
 *
 * @example
 * readDataEvent(encoder.encode('event: x\ndata: {"a":1}\n\n'))?.payload; // '{"a":1}'
 */
export function readDataEvent(event: Uint8Array): DataEvent | undefined {
  const lines = decoder.decode(event).split(lineBreak);
  let dataLine = -1;
  for (let index = 0; index < lines.length; index++) {
    if (!(lines[index] as string).startsWith('data:')) continue;
    if (dataLine !== -1) return undefined;
    dataLine = index;
  }
  if (dataLine === -1) return undefined;
  return { lines, dataLine, payload: (lines[dataLine] as string).slice(5).trimStart() };
}

/** Parses a payload as a JSON object, or gives `undefined`. */
export function parseObject(payload: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The event again, its data line replaced by `data` (other lines, such as `event:`, kept). */
export function rebuildEvent(parsed: DataEvent, data: JsonObject): string {
  let event = '';
  for (let index = 0; index < parsed.lines.length; index++) {
    const line = parsed.lines[index] as string;
    if (index === parsed.dataLine) event += `data: ${JSON.stringify(data)}\n`;
    else if (line.length > 0) event += `${line}\n`;
  }
  return `${event}\n`;
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
