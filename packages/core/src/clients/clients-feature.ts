import type { Feature } from '../feature.js';
import { allowedModels } from '../policies/allowed-models.js';
import { authenticate } from '../policies/authenticate.js';
import { clientSchema } from './client-options.js';

/**
 * Client keys: `clientKeys` and `clients[]` (a tenant, allowed models and limits per client).
 * Authenticates at `authenticate` when any key is configured, and refuses a model the client
 * may not use at `validate`.
 */
export const clientsFeature: Feature = {
  name: 'clients',
  stages: ['authenticate', 'validate'],
  options: { clients: clientSchema },
  setup({ options, clients }) {
    const restrictsModels = options.clients.some((client) => client.allowedModels !== undefined);
    if (clients.keyCount === 0 && !restrictsModels) return undefined;
    return {
      policies: {
        ...(clients.keyCount > 0 ? { authenticate: authenticate(clients) } : {}),
        ...(restrictsModels ? { validate: allowedModels() } : {}),
      },
    };
  },
};
