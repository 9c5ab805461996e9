import { readFileSync } from 'node:fs';
import { parseSseText, type SseEvent } from './sse-message.js';
import type { StreamAggregator, StreamConverter } from './stream-converter.js';

// Test helpers shared by the format tests: the golden fixtures and running events through.

const folder = new URL('./fixtures/', import.meta.url);

export const fixtureText = (name: string): string => readFileSync(new URL(name, folder), 'utf8');
export const fixtureJson = <T = unknown>(name: string): T => JSON.parse(fixtureText(name)) as T;
export const fixtureEvents = (name: string): Promise<SseEvent[]> => parseSseText(fixtureText(name));

export function aggregate<T>(events: readonly SseEvent[], aggregator: StreamAggregator<T>): T {
  for (const event of events) aggregator.push(event);
  return aggregator.finish();
}

export function convertAll(events: readonly SseEvent[], converter: StreamConverter): SseEvent[] {
  return [...events.flatMap((event) => converter.push(event)), ...converter.end()];
}

/** The `type` (or `event:` name) of each event, `[DONE]` as itself. */
export const typesOf = (events: readonly SseEvent[]): string[] =>
  events.map((event) => event.event ?? (event.data === '[DONE]' ? '[DONE]' : 'chunk'));

/** The JSON payloads of the events, `[DONE]` left out. */
export const payloadsOf = (events: readonly SseEvent[]): Array<Record<string, unknown>> =>
  events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as Record<string, unknown>);
