import { GatewayError } from '../../errors.js';
import type { JsonObject } from '../../types.js';
import type { Upstream } from '../../upstream/upstream.js';

export interface SummarizerOptions {
  model: string;
  maxSummaryTokens: number;
  timeoutMs: number;
}

const instructions =
  'You condense the earlier part of a conversation so it can continue without it. Write a concise ' +
  'summary of the facts, decisions, names, numbers and open questions in the transcript below, in the ' +
  'language of the conversation. Write only the summary.';

const textOf = (message: JsonObject): string => {
  const parts: string[] = [];
  if (typeof message.content === 'string') parts.push(message.content);
  else if (Array.isArray(message.content)) {
    for (const part of message.content) {
      const text = (part as JsonObject | null)?.text;
      if (typeof text === 'string') parts.push(text);
    }
  }
  if (Array.isArray(message.tool_calls)) parts.push(`tool calls: ${JSON.stringify(message.tool_calls)}`);
  return parts.join('\n');
};

/**
 * Asks a (cheaper) model, through the same upstream pool and key as the request itself, to
 * condense dropped turns into one summary. A previous summary is extended, not redone, so a
 * long chat costs one short summary call per trimmed stretch, not one over its whole history.
 *
 * @example
 * const summarize = createSummarizer(upstream, { model: 'gpt-4o-mini', maxSummaryTokens: 512, timeoutMs: 30_000 });
 * const summary = await summarize(undefined, droppedMessages, context.signal);
 */
export function createSummarizer(upstream: Upstream, options: SummarizerOptions) {
  const encoder = new TextEncoder();
  const headers: Record<string, string> = { ...upstream.headers, 'content-type': 'application/json' };
  if (upstream.authorization !== undefined) headers.authorization = upstream.authorization;

  return async function summarize(
    previousSummary: string | undefined,
    dropped: readonly JsonObject[],
    signal: AbortSignal,
  ): Promise<string> {
    const transcript = dropped.map((message) => `${String(message.role)}: ${textOf(message)}`).join('\n\n');
    const earlier =
      previousSummary === undefined ? '' : `Summary so far:\n${previousSummary}\n\nContinuation:\n`;
    const body = {
      model: options.model,
      stream: false,
      max_tokens: options.maxSummaryTokens,
      messages: [
        { role: 'system', content: instructions },
        { role: 'user', content: earlier + transcript },
      ],
    };
    const answer = await upstream.pool.request({
      method: 'POST',
      path: `${upstream.basePath}/chat/completions`,
      headers,
      body: encoder.encode(JSON.stringify(body)),
      signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    const text = await answer.body.text();
    if (answer.statusCode !== 200) {
      throw new GatewayError('summary_failed', `The summary model answered ${answer.statusCode}.`);
    }
    const content = (JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> })
      .choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.length === 0) {
      throw new GatewayError('summary_failed', 'The summary model returned no text.');
    }
    return content;
  };
}

export type Summarize = ReturnType<typeof createSummarizer>;
