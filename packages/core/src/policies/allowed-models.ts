import { modelAllowed } from '../clients/client-directory.js';
import { GatewayError } from '../errors.js';
import type { Policy } from '../types.js';

/**
 * Refuses a model the authenticated client may not use (its `allowedModels`), after the body
 * is parsed and before anything costs money. Requests without a model pass (`GET /models`).
 */
export function allowedModels(): Policy {
  return (next) => (context) => {
    const allowed = context.client?.allowedModels;
    const model = context.model;
    if (allowed !== undefined && model !== undefined && !modelAllowed(model, allowed)) {
      throw new GatewayError(
        'model_not_allowed',
        `This key may not use the model "${model.slice(0, 100)}".`,
        {
          param: 'model',
        },
      );
    }
    return next(context);
  };
}
