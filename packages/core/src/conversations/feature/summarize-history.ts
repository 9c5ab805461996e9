import type { Summarize } from '../../policies/fit-context/summarizer.js';
import { countChatTokens } from '../../tokens/count-chat-tokens.js';
import type { TokenEncoding } from '../../tokens/encodings.js';
import type { JsonObject } from '../../types.js';
import type { ConversationStore } from '../conversation-store.js';
import type { ConversationSummary, ConversationWindow, Turn } from '../conversation-types.js';

/** After summarising, the kept turns are cut to this share of the budget, so the next turns reuse the summary. */
export const summaryKeepShare = 0.6;
/** Most older turns one summary call reads and condenses; a longer gap is summarised over several turns. */
const maxTurnsPerSummary = 1_000;

/** The stored summary as the message the upstream gets. */
export const summaryMessage = (text: string): JsonObject => ({
  role: 'system',
  content: `Summary of the earlier conversation:\n${text}`,
});

export interface SummarizedHistory {
  summary: Pick<ConversationSummary, 'text'> | undefined;
  turns: Turn[];
  /** `created` when this turn wrote a summary, `reused` when it sent a stored one. */
  action: 'created' | 'reused' | undefined;
}

/**
 * Fits a conversation with the summarise strategy: when the window left older turns out, they
 * (and the window's oldest turns, down to `keepTokens` of the newest) are condensed into the
 * stored summary, extending the previous one, and the summary is stored for the next turns. Only
 * the turns being summarised are read, at most 1 000 per call; a turn that finds its summary
 * current sends it as it is.
 *
 * @example
 * const fitted = await summarizeHistory({ store, id, owner, window, summarize, keepTokens: 2_400, encoding, signal });
 */
export async function summarizeHistory(input: {
  store: ConversationStore;
  id: string;
  owner: string;
  window: ConversationWindow;
  summarize: Summarize;
  keepTokens: number;
  encoding: TokenEncoding;
  signal: AbortSignal;
}): Promise<SummarizedHistory> {
  const { store, id, owner, window } = input;
  const previous = window.summary;
  if (window.olderTurns === 0)
    return { summary: previous, turns: window.turns, action: previous === undefined ? undefined : 'reused' };

  const afterSeq = previous?.throughSeq ?? 0;
  const gap = Math.min(window.olderTurns, maxTurnsPerSummary);
  const older = (await store.readTurns(id, owner, afterSeq, gap)) ?? [];
  let kept = window.turns;
  let dropped = older;
  if (gap === window.olderTurns) {
    // The gap is closed: also fold the window's oldest turns in, keeping the newest within keepTokens.
    let tokens = 0;
    let first = window.turns.length;
    while (first > 0 && tokens + (window.turns[first - 1]?.tokens ?? 0) <= input.keepTokens) {
      first--;
      tokens += window.turns[first]?.tokens ?? 0;
    }
    kept = window.turns.slice(first);
    dropped = [...older, ...window.turns.slice(0, first)];
  }
  const last = dropped.at(-1);
  if (last === undefined) return { summary: previous, turns: kept, action: undefined };
  const text = await input.summarize(
    previous?.text,
    dropped.map((turn) => turn.message as unknown as JsonObject),
    input.signal,
  );
  const tokens = countChatTokens({ messages: [summaryMessage(text)] }, input.encoding);
  // False when a concurrent wider summary won; this turn still sends its own.
  await store.setSummary(id, owner, { text, throughSeq: last.seq, tokens });
  return { summary: { text }, turns: kept, action: 'created' };
}
