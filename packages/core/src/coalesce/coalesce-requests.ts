import { legContext } from '../request-context.js';
import { usageOfBytes } from '../streaming/usage-tap.js';
import type { GatewayContext, GatewayResponse, Policy } from '../types.js';
import type { CoalesceOptions } from './coalesce-options.js';
import { SharedCall } from './shared-call.js';

/**
 * In-flight coalescing at the `cache` stage (inside the exact cache, so concurrent misses of
 * one key call the upstream once). Requests with the same exact-answer key, stream flag and
 * `include_usage` share the call of the first one (the leader) while it is in flight. The
 * leader is accounted with the upstream's usage; every caller that joined settles with zero
 * usage (`source: 'shared'`), so spend and token limits count the one call once. A caller that
 * leaves takes only itself away; the leader's failure (an error, an error status) reaches every
 * caller of that call and is not kept: the next request calls again.
 *
 * @example
 * policies.cache = coalesceRequests(options.coalesce, keyOf);
 */
export function coalesceRequests(
  options: CoalesceOptions,
  keyOf: (context: GatewayContext) => string | null,
): Policy {
  const calls = new Map<string, SharedCall>();

  return (next) => async (context) => {
    const answerKey = keyOf(context);
    if (answerKey === null) return next(context);
    const includeUsage = (context.body?.stream_options as { include_usage?: unknown } | undefined)
      ?.include_usage;
    const key = `${answerKey}:${context.stream ? 's' : 'j'}${includeUsage === true ? 'u' : ''}`;
    let call = calls.get(key);
    const leads = call === undefined || !call.open || call.callers >= options.maxCallers;
    if (leads) {
      const controller = new AbortController();
      const leg = legContext(context, controller.signal);
      const started = new SharedCall(
        () => next(leg).then((response) => ({ response, leg })),
        () => controller.abort(),
        options.maxBufferedBytes,
        () => {
          if (calls.get(key) === started) calls.delete(key);
        },
      );
      call = started;
      // A full call goes on for its callers; the next ones join this one instead.
      calls.set(key, started);
      context.record.coalesced = 'leader';
    } else {
      context.record.coalesced = 'joined';
      context.usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0, source: 'shared' };
    }
    const shared = call as SharedCall;
    const leave = shared.join();
    if (context.onClientGone !== undefined) context.onClientGone(leave);
    else context.signal.addEventListener('abort', leave, { once: true });
    const waitStarted = performance.now();
    let head: Awaited<SharedCall['head']>;
    try {
      head = await shared.head;
    } catch (error) {
      leave();
      throw error;
    }
    const { response, leg } = head;
    if (leads) context.upstreamWaitMs += leg.upstreamWaitMs;
    else context.upstreamWaitMs += performance.now() - waitStarted;
    context.upstream = leg.upstream;
    context.record.adopt(leg.record);
    Object.assign(context.responseHeaders, leg.responseHeaders);
    for (const transform of leg.transforms) context.transforms.push(transform);
    const joined = !leads;
    const body = shared.body(leave, (failure) => {
      if (!joined || failure !== undefined) return;
      // What the joined caller did not pay for: the usage of the one call it shared.
      const tail = shared.tail();
      const usage = tail === undefined ? undefined : usageOfBytes(tail);
      if (usage !== undefined) context.record.savedTokens = usage.totalTokens;
    });
    const copy: GatewayResponse = { status: response.status, headers: { ...response.headers }, body };
    return copy;
  };
}
