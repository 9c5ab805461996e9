import type { Policy } from '../types.js';
import type { Upstream } from '../upstream/upstream.js';

/** Sends every request to the first configured upstream. Routing policies replace this. */
export function selectUpstream(upstreams: readonly Upstream[]): Policy {
  const primary = upstreams[0];
  return (next) => (context) => {
    context.upstream ??= primary;
    context.record.upstream = context.upstream?.name;
    return next(context);
  };
}
