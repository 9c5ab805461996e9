import type { Feature } from '../../feature.js';
import { breaker } from './breaker.js';
import { breakerSchema } from './breaker-options.js';

/** A circuit breaker per upstream (or upstream and model), around each attempt. */
export const breakerFeature: Feature = {
  name: 'breaker',
  stages: ['breaker'],
  options: { breaker: breakerSchema },
  setup({ options, logger, events, onClose }) {
    if (options.breaker === undefined) return undefined;
    const stage = breaker(options.breaker, logger, events);
    onClose(() => stage.registry.close());
    return { policies: { breaker: stage.policy } };
  },
};
