import type { Feature } from '../../feature.js';
import { compileEnvelopes } from './compile-envelopes.js';
import { responseEnvelopesSchema } from './envelope-options.js';
import { responseEnvelopes } from './envelopes.js';

/**
 * Response envelopes (`responseEnvelopes`, docs/formats.md): answers, streams and errors mapped
 * by JSONata expressions into the shape a business system expects, compiled once here.
 */
export const envelopesFeature: Feature = {
  name: 'envelopes',
  stages: ['redact'],
  options: { responseEnvelopes: responseEnvelopesSchema.optional() },
  setup: ({ options }) =>
    options.responseEnvelopes === undefined
      ? undefined
      : { policies: { redact: responseEnvelopes(compileEnvelopes(options.responseEnvelopes)) } },
};
