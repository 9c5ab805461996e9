import type { Feature } from '../../feature.js';
import { contextSchema } from './context-options.js';
import { fitContext } from './fit-context.js';

/** Context fitting: `reject` (the default), `trim` or `summarize` when a prompt exceeds the window. */
export const fitContextFeature: Feature = {
  name: 'fit-context',
  stages: ['fit'],
  options: { context: contextSchema },
  setup: (setup) => ({ policies: { fit: fitContext(setup.options.context, setup) } }),
};
