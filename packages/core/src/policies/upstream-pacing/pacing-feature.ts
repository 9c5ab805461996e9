import type { Feature } from '../../feature.js';
import { pacingSchema } from './pacing-options.js';
import { upstreamPacing } from './upstream-pacing.js';

/** Upstream pacing, innermost: every attempt (of a retry, of a fallback) waits for its own slot. */
export const pacingFeature: Feature = {
  name: 'pacing',
  stages: ['pace'],
  options: { pacing: pacingSchema },
  setup: (setup) =>
    setup.options.pacing === undefined
      ? undefined
      : { policies: { pace: upstreamPacing(setup.options.pacing, setup) } },
};
