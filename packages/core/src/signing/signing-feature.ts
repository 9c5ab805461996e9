import type { Feature } from '../feature.js';
import { requireSignature } from '../policies/require-signature.js';
import { signingOptionsSchema } from './signing-options.js';

/** Signed requests with replay protection (docs/security.md), before client keys are read. */
export const signingFeature: Feature = {
  name: 'signing',
  stages: ['authenticate'],
  options: { signing: signingOptionsSchema },
  setup({ options, stores, clients, logger, events }) {
    if (options.signing === undefined) return undefined;
    return {
      policies: { authenticate: requireSignature(options.signing, stores.store, clients, logger, events) },
    };
  },
};
