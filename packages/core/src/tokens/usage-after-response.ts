import { usageFromTail } from '../streaming/usage-tap.js';
import type { GatewayContext, GatewayResponse, Usage } from '../types.js';
import { promptTokensOf } from './count-prompt-tokens.js';
import { countStreamedTokens } from './count-streamed-tokens.js';
import { encodingForModel } from './encodings.js';

/** Called once when the response is over: with the usage (upstream's or estimated), or none. */
export type UsageListener = (usage: Usage | undefined, failure: unknown) => void;

/** Beyond this much streamed text a cut stream is estimated from the bytes kept so far. */
const maxKeptBytes = 4 * 1024 * 1024;
const decoder = new TextDecoder();

interface Tracker {
  listeners: UsageListener[];
  chunks: Uint8Array[];
  keptBytes: number;
}

const trackers = new WeakMap<GatewayContext, Tracker>();

/**
 * Calls `listener` when the response to `context` is over: when its body has been relayed to
 * the end, failed, or the client left. The usage is the upstream's own report when it came
 * (the gateway's usage tap runs before this one), else for a stream a local count: the prompt
 * as counted before forwarding plus the tokens of the text actually streamed. Streamed chunks
 * are kept by reference only (no copy, no parsing) and read only when no usage arrived.
 *
 * @example
 * afterResponse(context, response, (usage) => settle(usage?.totalTokens ?? reserved));
 */
export function afterResponse(
  context: GatewayContext,
  response: GatewayResponse,
  listener: UsageListener,
): void {
  const body = response.body;
  if (body === undefined || body instanceof Uint8Array) {
    const usage =
      body !== undefined && response.status < 400 && context.route.json
        ? usageFromTail(decoder.decode(body.subarray(Math.max(0, body.byteLength - 8_192))))
        : undefined;
    listener(usage, undefined);
    return;
  }
  let tracker = trackers.get(context);
  if (tracker !== undefined) {
    tracker.listeners.push(listener);
    return;
  }
  const created: Tracker = { listeners: [listener], chunks: [], keptBytes: 0 };
  tracker = created;
  trackers.set(context, created);
  const keep = context.stream && response.status < 400;
  context.taps.push({
    chunk(bytes) {
      if (!keep || created.keptBytes >= maxKeptBytes) return;
      created.chunks.push(bytes);
      created.keptBytes += bytes.byteLength;
    },
    end(failure) {
      const notify = (usage: Usage | undefined) => {
        created.chunks.length = 0;
        for (const each of created.listeners) each(usage, failure);
      };
      if (context.usage !== undefined || !keep) {
        notify(context.usage);
        return;
      }
      estimateStreamUsage(context, created.chunks).then(notify, () => notify(undefined));
    },
  });
}

async function estimateStreamUsage(context: GatewayContext, chunks: readonly Uint8Array[]): Promise<Usage> {
  const promptTokens = await promptTokensOf(context);
  const completionTokens = countStreamedTokens(chunks, await encodingForModel(context.model));
  const usage: Usage = {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    source: 'estimate',
  };
  context.usage ??= usage;
  return usage;
}
