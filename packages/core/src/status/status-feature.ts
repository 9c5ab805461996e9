import { invalidOption } from '../config/options-error.js';
import { createPriceTable } from '../cost/price-table.js';
import type { Feature } from '../feature.js';
import { limitsSchema } from '../policies/rate-limit/limits-options.js';
import { StatusBoard } from './status-board.js';
import { statusPageSchema } from './status-options.js';
import { statusRoutes } from './status-routes.js';

/**
 * The live status page (docs/operations.md): `GET /v1/ferry/status` and its JSON twin, fed by
 * the gateway's events. Adds no policy; off when `statusPage` is left out.
 */
export const statusPageFeature: Feature = {
  name: 'status-page',
  stages: [],
  options: { statusPage: statusPageSchema },
  setup({ options, upstreams, events, onClose }) {
    const settings = options.statusPage;
    if (settings === undefined) return undefined;
    const adminKey = settings.adminKey ?? options.metrics?.adminKey ?? options.usageEndpoint?.adminKey;
    // The page shows spend per tenant and upstream health: never open to anyone.
    if (adminKey === undefined)
      throw invalidOption(
        'statusPage.adminKey',
        'required (or set metrics.adminKey or usageEndpoint.adminKey)',
      );
    const board = new StatusBoard(
      settings,
      upstreams.map((upstream) => upstream.name),
      createPriceTable(options.prices),
      options.limits?.tenantHeader ?? limitsTenantHeaderDefault,
    );
    const unsubscribe = board.subscribe(events);
    onClose(() => {
      for (const off of unsubscribe) off();
    });
    return { routes: statusRoutes(board, adminKey, settings.refreshMs) };
  },
};

// The tenant header when `limits` is off: the limits schema's own default, not a copy of it.
const limitsTenantHeaderDefault = limitsSchema.parse({}).tenantHeader;
