import { canonicalBody } from '../cache/canonical-body.js';
import { GatewayError } from '../errors.js';
import { legContext } from '../request-context.js';
import type { GatewayContext, GatewayResponse, Handler, JsonObject, ResponseTap } from '../types.js';
import { clientClosedRequest, upstreamFailure } from '../upstream/upstream-failure.js';
import { allocate } from './allocate-usage.js';
import type { EmbeddingsBatchingOptions } from './batching-options.js';
import type { EmbeddingInputs } from './embedding-inputs.js';

/** One caller waiting in a batch. */
export interface BatchCaller {
  context: GatewayContext;
  inputs: EmbeddingInputs;
  /** Tokens of its inputs, counted locally: its share of the batch's usage. */
  tokens: number;
  resolve(response: GatewayResponse): void;
  reject(error: unknown): void;
  dispatched: boolean;
}

interface OpenBatch {
  key: string;
  callers: BatchCaller[];
  inputs: number;
  tokens: number;
  timer: NodeJS.Timeout;
}

interface EmbeddingItem {
  index: number;
  [field: string]: unknown;
}

const encoder = new TextEncoder();

/**
 * Gathers embeddings callers whose requests differ only in `input` (and `user`) into one
 * upstream call: a batch is sent when its window ends, or at once when the next caller would
 * pass `maxInputs` or `maxTokens`. The answer's `data` is split back by `index`; each caller's
 * usage is its share (by locally counted tokens) of the upstream's, and the shares sum to the
 * upstream's total exactly. An upstream 400 for a batch of several callers is one poisoned
 * input: the batch is split in halves and each half sent again, so only its owner fails.
 * Anything else the upstream or the pipeline answers reaches every caller of the batch.
 */
export class MicroBatcher {
  readonly #open = new Map<string, OpenBatch>();
  /** Inputs waiting in open batches (the bound on what may wait). */
  pendingInputs = 0;

  constructor(
    private readonly options: EmbeddingsBatchingOptions,
    private readonly next: Handler,
  ) {}

  /** The batch a request may join: everything but its inputs, and their kind. */
  static groupOf(body: JsonObject, kind: EmbeddingInputs['kind']): string | undefined {
    const { input: _input, user: _user, ...rest } = body;
    const canonical = canonicalBody(rest);
    return canonical === undefined ? undefined : `${kind}\n${canonical}`;
  }

  add(group: string, caller: BatchCaller): void {
    const { maxInputs, maxTokens, windowMs } = this.options;
    const count = caller.inputs.items.length;
    let batch = this.#open.get(group);
    if (
      batch !== undefined &&
      (batch.inputs + count > maxInputs || batch.tokens + caller.tokens > maxTokens)
    ) {
      this.#dispatch(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      const opened: OpenBatch = { key: group, callers: [], inputs: 0, tokens: 0, timer: undefined as never };
      opened.timer = setTimeout(() => this.#dispatch(opened), windowMs);
      this.#open.set(group, opened);
      batch = opened;
    }
    batch.callers.push(caller);
    batch.inputs += count;
    batch.tokens += caller.tokens;
    this.pendingInputs += count;
    const joined = batch;
    const leave = () => this.#leave(joined, caller);
    if (caller.context.onClientGone !== undefined) caller.context.onClientGone(leave);
    else caller.context.signal.addEventListener('abort', leave, { once: true });
    if (batch.inputs >= maxInputs || batch.tokens >= maxTokens) this.#dispatch(batch);
  }

  /** A caller who left before its batch went out is taken out of it. */
  #leave(batch: OpenBatch, caller: BatchCaller): void {
    if (caller.dispatched) return;
    const position = batch.callers.indexOf(caller);
    if (position === -1) return;
    batch.callers.splice(position, 1);
    batch.inputs -= caller.inputs.items.length;
    batch.tokens -= caller.tokens;
    this.pendingInputs -= caller.inputs.items.length;
    caller.reject(clientClosedRequest());
    if (batch.callers.length === 0) {
      clearTimeout(batch.timer);
      if (this.#open.get(batch.key) === batch) this.#open.delete(batch.key);
    }
  }

  #dispatch(batch: OpenBatch): void {
    clearTimeout(batch.timer);
    if (this.#open.get(batch.key) === batch) this.#open.delete(batch.key);
    this.pendingInputs -= batch.inputs;
    if (batch.callers.length === 0) return;
    for (const caller of batch.callers) caller.dispatched = true;
    void this.#send(batch.callers);
  }

  /** One upstream call for `callers`; a poisoned batch is split and sent again. */
  async #send(callers: readonly BatchCaller[]): Promise<void> {
    const first = callers[0] as BatchCaller;
    // The call runs on a context of its own: no single caller leaving can cut it.
    const leg = legContext(first.context, new AbortController().signal);
    const { user: _user, ...body } = first.context.body as JsonObject;
    const merged: Array<string | number[]> = [];
    for (const caller of callers) for (const item of caller.inputs.items) merged.push(item);
    leg.body = { ...body, input: merged };
    leg.bodyChanged = true;
    let response: GatewayResponse;
    let bytes: Uint8Array;
    try {
      response = await this.next(leg);
    } catch (error) {
      for (const caller of callers) caller.reject(error);
      return;
    }
    try {
      bytes = await readWhole(response, leg.taps);
    } catch (thrown) {
      const error = upstreamFailure(thrown, 'in-body', leg.upstream?.name ?? 'unknown');
      for (const caller of callers) caller.reject(error);
      return;
    }
    if (response.status === 400 && callers.length > 1) {
      const half = Math.ceil(callers.length / 2);
      await Promise.all([this.#send(callers.slice(0, half)), this.#send(callers.slice(half))]);
      return;
    }
    const headers = { ...response.headers };
    delete headers['content-length'];
    for (const caller of callers) adopt(caller.context, leg);
    if (response.status !== 200) {
      for (const caller of callers)
        caller.resolve({ status: response.status, headers: { ...headers }, body: bytes });
      return;
    }
    let answer: {
      data?: unknown;
      model?: unknown;
      usage?: { prompt_tokens?: unknown; total_tokens?: unknown };
    };
    try {
      answer = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      answer = {};
    }
    const data = answer.data;
    if (!Array.isArray(data) || data.length !== merged.length) {
      const error = new GatewayError(
        'upstream_error',
        'The upstream answered a batched embeddings call without one result per input.',
      );
      for (const caller of callers) caller.reject(error);
      return;
    }
    const byIndex = new Array<EmbeddingItem | undefined>(merged.length);
    for (const item of data as EmbeddingItem[]) {
      if (Number.isInteger(item?.index) && item.index >= 0 && item.index < merged.length)
        byIndex[item.index] = item;
    }
    const weights = callers.map((caller) => caller.tokens);
    const prompt = allocate(numberOr(answer.usage?.prompt_tokens, 0), weights);
    const total = allocate(
      numberOr(answer.usage?.total_tokens, numberOr(answer.usage?.prompt_tokens, 0)),
      weights,
    );
    headers['x-ferry-batch'] = `${callers.length}; usage=allocated`;
    let offset = 0;
    callers.forEach((caller, position) => {
      const count = caller.inputs.items.length;
      const own: EmbeddingItem[] = [];
      for (let index = 0; index < count; index++) {
        const item = byIndex[offset + index];
        if (item !== undefined) own.push({ ...item, index });
      }
      offset += count;
      const body = {
        object: 'list',
        data: own,
        model: answer.model,
        usage: { prompt_tokens: prompt[position], total_tokens: total[position] },
      };
      caller.resolve({ status: 200, headers: { ...headers }, body: encoder.encode(JSON.stringify(body)) });
    });
  }
}

const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);

/** What the merged call learned (its upstream, attempts, headers) becomes each caller's. */
function adopt(context: GatewayContext, leg: GatewayContext): void {
  context.upstream = leg.upstream;
  context.upstreamWaitMs += leg.upstreamWaitMs;
  Object.assign(context.responseHeaders, leg.responseHeaders);
  context.record.adopt(leg.record);
}

/** The whole body of the merged call (embeddings answers are small JSON), through its taps. */
async function readWhole(response: GatewayResponse, taps: readonly ResponseTap[]): Promise<Uint8Array> {
  const body = response.body;
  if (body === undefined || body instanceof Uint8Array) {
    const bytes = body ?? new Uint8Array(0);
    for (const tap of taps) tap.chunk?.(bytes);
    for (const tap of taps) tap.end?.(undefined);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of body) {
      for (const tap of taps) tap.chunk?.(chunk);
      chunks.push(chunk);
    }
  } catch (error) {
    for (const tap of taps) tap.end?.(error);
    throw error;
  }
  for (const tap of taps) tap.end?.(undefined);
  return Buffer.concat(chunks);
}
