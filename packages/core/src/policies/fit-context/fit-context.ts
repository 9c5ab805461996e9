import { createHash } from 'node:crypto';
import type { FeatureSetup } from '../../feature.js';
import { createContextWindowTable } from '../../tokens/context-windows.js';
import { countChatTokens } from '../../tokens/count-chat-tokens.js';
import {
  promptTokensOf,
  rememberPromptTokens,
  requestedCompletionTokens,
} from '../../tokens/count-prompt-tokens.js';
import { encodingForModel, type TokenEncoding } from '../../tokens/encodings.js';
import type { GatewayContext, GatewayResponse, Handler, JsonObject, Policy } from '../../types.js';
import { contextLengthExceeded } from './context-errors.js';
import type { ContextOptions } from './context-options.js';
import { splitTurns, type Turn } from './conversation-turns.js';
import { createSummarizer, type Summarize } from './summarizer.js';

/** After summarising, the kept part is brought down to this share of the budget, so the next turns reuse the summary. */
const summaryTargetShare = 0.6;
/** The summary message's own framing (role, prefix line). */
const summaryOverheadTokens = 16;

interface SummaryEntry {
  droppedTurns: number;
  prefixHash: string;
  summary: string;
}

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url');

/**
 * The fit-context stage: when prompt + `max_tokens` exceed the model's window, applies the
 * strategy — `reject` (400 `context_length_exceeded`), `trim` (drop the oldest turns), or
 * `summarize` (a cheaper model condenses the dropped turns into one system message; the summary
 * is cached in the store per conversation and extended as the chat grows). The response says
 * what was done in `x-ferry-context`.
 *
 * @example
 * policies.push(fitContext(options.context, setup));
 */
export function fitContext(options: ContextOptions, setup: FeatureSetup): Policy {
  const windowOf = createContextWindowTable(options.windowTokens, options.defaultWindowTokens);
  const summarizeOptions = options.summarize;
  let summarize: Summarize | undefined;
  if (options.strategy === 'summarize' && summarizeOptions !== undefined) {
    const upstream =
      setup.upstreams.find((candidate) => candidate.name === summarizeOptions.upstream) ?? setup.upstreams[0];
    if (upstream !== undefined) summarize = createSummarizer(upstream, summarizeOptions);
  }
  const store = setup.stores.store;

  return (next) => (context) => {
    const body = context.body;
    if (body === undefined || context.route.name === 'models') return next(context);
    const windowTokens = windowOf(context.model);
    const completion =
      context.route.name === 'embeddings'
        ? 0
        : (requestedCompletionTokens(body) ?? options.defaultCompletionTokens);
    // The common case stays synchronous: no promise of this stage's own per request.
    if (cannotExceed(context, windowTokens - completion)) return next(context);
    return fit(context, next, body, windowTokens, completion);
  };

  async function fit(
    context: GatewayContext,
    next: Handler,
    body: JsonObject,
    windowTokens: number,
    completion: number,
  ): Promise<GatewayResponse> {
    // Exact up to twice the window; beyond, only "too long" matters and counting stops early.
    const cap = 2 * windowTokens;
    const prompt = await promptTokensOf(context, cap);
    if (prompt + completion <= windowTokens) return next(context);
    const tooLong = () => contextLengthExceeded(windowTokens, prompt, completion, prompt > cap);

    const messages = body.messages;
    if (
      options.strategy === 'reject' ||
      context.route.name !== 'chat.completions' ||
      !Array.isArray(messages)
    ) {
      throw tooLong();
    }
    const budget = windowTokens - completion;
    const encoding = await encodingForModel(context.model);
    const turns = splitTurns(messages);
    const plan = createPlan(body, turns, encoding, budget + 1);

    let summaryMessage: JsonObject | undefined;
    let dropped: number;
    let note = '';
    if (summarize !== undefined && summarizeOptions !== undefined) {
      const reserve = summarizeOptions.maxSummaryTokens + summaryOverheadTokens;
      // A conversation is known by its model, instructions and first droppable turn.
      const firstTurn = turns.find((turn) => !turn.pinned);
      const instructions = turns.filter((turn) => turn.pinned && turn !== turns.at(-1));
      const conversation = `ctx:summary:${hashOf([context.model, instructions, firstTurn])}`;
      const cached = await readEntry(store, conversation);
      const reusable =
        cached !== undefined && cached.prefixHash === hashOf(plan.droppableMessages(cached.droppedTurns))
          ? cached
          : undefined;
      if (reusable !== undefined && plan.tokensWithout(reusable.droppedTurns) + reserve <= budget) {
        dropped = reusable.droppedTurns;
        summaryMessage = summaryMessageOf(reusable.summary);
        note = '; cached';
      } else {
        const from = reusable?.droppedTurns ?? 0;
        dropped = plan.dropUntil(Math.floor(budget * summaryTargetShare) - reserve, from);
        if (dropped === -1) dropped = plan.dropUntil(budget - reserve, from);
        if (dropped === -1) throw tooLong();
        try {
          const newlyDropped = plan
            .droppableMessages(dropped)
            .slice(plan.droppableMessages(reusable?.droppedTurns ?? 0).length);
          const summary = await summarize(reusable?.summary, newlyDropped, context.signal);
          summaryMessage = summaryMessageOf(summary);
          const entry: SummaryEntry = {
            droppedTurns: dropped,
            prefixHash: hashOf(plan.droppableMessages(dropped)),
            summary,
          };
          await store.set(conversation, JSON.stringify(entry), summarizeOptions.cacheTtlMs).catch(() => {});
        } catch (error) {
          if (context.aborted) throw error;
          // No summary: the conversation still fits by trimming, which is better than failing.
          dropped = plan.dropUntil(budget, 0);
          note = '; summary-failed';
          context.record.summaryError = (error as { code?: string }).code ?? 'error';
        }
      }
    } else {
      dropped = plan.dropUntil(budget, 0);
    }
    if (dropped === -1) throw tooLong();

    const kept = plan.messagesWithout(dropped, summaryMessage);
    body.messages = kept;
    context.bodyChanged = true;
    const tokens = countChatTokens(body, encoding, cap);
    if (tokens > budget) throw contextLengthExceeded(windowTokens, tokens, completion, tokens > cap);
    rememberPromptTokens(context, tokens);
    const action = summaryMessage === undefined ? 'trimmed' : 'summarized';
    const header = `${action}; dropped=${plan.droppedMessageCount(dropped)}; tokens=${prompt}->${tokens}${note}`;
    context.responseHeaders['x-ferry-context'] = header;
    context.record.context = header;
    return next(context);
  }
}

/** Token counts can only exceed the window when the body has more bytes than the budget has tokens. */
function cannotExceed(context: GatewayContext, budget: number): boolean {
  const bytes = context.request.body?.byteLength;
  if (bytes === undefined || bytes > budget) return false;
  // Images are counted per picture, not per byte of their URL.
  const messages = context.body?.messages;
  if (!Array.isArray(messages)) return true;
  for (const message of messages) if (Array.isArray((message as JsonObject | null)?.content)) return false;
  return true;
}

const summaryMessageOf = (summary: string): JsonObject => ({
  role: 'system',
  content: `Summary of the earlier conversation:\n${summary}`,
});

async function readEntry(
  store: FeatureSetup['stores']['store'],
  key: string,
): Promise<SummaryEntry | undefined> {
  try {
    const text = await store.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as SummaryEntry);
  } catch {
    return undefined;
  }
}

/** Token arithmetic over turns, counted once each. */
function createPlan(body: JsonObject, turns: readonly Turn[], encoding: TokenEncoding, capTokens: number) {
  // Framing and tool definitions: what the body costs with no messages at all.
  const base = countChatTokens({ ...body, messages: [] }, encoding, capTokens);
  const primed = countChatTokens({ messages: [] }, encoding);
  // A turn above the cap can never be kept, so its exact size does not matter.
  const costs = turns.map(
    (turn) => countChatTokens({ messages: turn.messages }, encoding, capTokens) - primed,
  );
  const droppable = turns.map((turn, index) => (turn.pinned ? -1 : index)).filter((index) => index !== -1);
  const total = costs.reduce((sum, cost) => sum + cost, base);

  const tokensWithout = (count: number) => {
    let tokens = total;
    for (let index = 0; index < count; index++) tokens -= costs[droppable[index] as number] as number;
    return tokens;
  };
  return {
    tokensWithout,
    /** The fewest oldest turns (at least `from`) to drop to get to `target` tokens; -1 when impossible. */
    dropUntil(target: number, from: number): number {
      for (let count = from; count <= droppable.length; count++)
        if (tokensWithout(count) <= target) return count;
      return -1;
    },
    droppableMessages(count: number): JsonObject[] {
      return droppable.slice(0, count).flatMap((index) => (turns[index] as Turn).messages);
    },
    droppedMessageCount(count: number): number {
      return this.droppableMessages(count).length;
    },
    /** The chat without the first `count` droppable turns, the summary after the leading instructions. */
    messagesWithout(count: number, summary: JsonObject | undefined): JsonObject[] {
      const droppedTurns = new Set(droppable.slice(0, count));
      const messages: JsonObject[] = [];
      let placed = summary === undefined;
      turns.forEach((turn, index) => {
        const role = turn.messages[0]?.role;
        if (!placed && !(turn.pinned && (role === 'system' || role === 'developer'))) {
          messages.push(summary as JsonObject);
          placed = true;
        }
        if (!droppedTurns.has(index)) messages.push(...turn.messages);
      });
      if (!placed) messages.push(summary as JsonObject);
      return messages;
    },
  };
}
