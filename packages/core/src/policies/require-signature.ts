import type { Logger } from 'pino';
import type { ClientDirectory } from '../clients/client-directory.js';
import { invalidOption } from '../config/options-error.js';
import { GatewayError } from '../errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import { StoreHealth } from '../events/store-health.js';

import { signatureHeaderNames } from '../signing/canonical-request.js';
import type { ResolvedSigningOptions } from '../signing/signing-options.js';
import { verifySignature } from '../signing/verify-signature.js';
import type { Store } from '../stores/store.js';
import type { GatewayContext, Policy } from '../types.js';

const invalidSignature = (reason: string) =>
  new GatewayError('invalid_signature', `Invalid request signature: ${reason}.`);

/**
 * Checks the HMAC signature of every request (or of signed ones when `required` is false) and
 * remembers each nonce with SET NX for longer than the timestamp window, so a copy of a
 * request fails wherever and whenever it is replayed. The nonce is stored only after the
 * signature checks out, so unsigned junk cannot fill the store. A verified key id becomes the
 * caller's identity (its client's tenant, models and limits).
 *
 * @example
 * policies.push(requireSignature(options.signing, stores.store, directory, logger));
 */
export function requireSignature(
  options: ResolvedSigningOptions,
  store: Store,
  directory: ClientDirectory,
  logger: Logger,
  events?: GatewayEvents,
): Policy {
  const health = new StoreHealth(events, 'nonces');
  const secrets = new Map<string, readonly string[]>();
  const clientOf = new Map<string, string | undefined>();
  options.keys.forEach((key, index) => {
    if (secrets.has(key.keyId)) {
      throw invalidOption(`signing.keys.${index}.keyId`, 'duplicate key id');
    }
    if (key.client !== undefined && !directory.hasClient(key.client)) {
      throw invalidOption(`signing.keys.${index}.client`, `no client with id "${key.client}"`);
    }
    secrets.set(key.keyId, key.secrets);
    clientOf.set(key.keyId, key.client);
  });
  const verifyOptions = {
    secretsFor: (keyId: string) => secrets.get(keyId),
    maxSkewSeconds: options.maxSkewSeconds,
  };
  // A nonce must outlive every timestamp that could still carry it: ts - skew .. ts + skew.
  const nonceTtlMs = (2 * options.maxSkewSeconds + 60) * 1000;

  const signed = (context: GatewayContext) => {
    const headers = context.request.headers;
    return (
      headers[signatureHeaderNames.signature] !== undefined ||
      headers[signatureHeaderNames.keyId] !== undefined
    );
  };

  return (next) => async (context) => {
    if (!options.required && !signed(context)) return next(context);
    const verdict = verifySignature(context.request, verifyOptions);
    if (!verdict.valid) {
      context.record.signature = verdict.reason;
      throw invalidSignature(verdict.reason);
    }
    let fresh: boolean;
    try {
      fresh = await store.setIfAbsent(`nonce:${verdict.keyId}:${verdict.nonce}`, '1', nonceTtlMs);
      health.ok();
    } catch (error) {
      health.failed((error as { code?: string }).code ?? 'error');
      if (options.onNonceStoreFailure === 'reject') {
        context.record.signature = 'nonce store unavailable';
        throw new GatewayError(
          'nonce_store_unavailable',
          'The gateway cannot check request nonces right now; retry shortly.',
          { headers: { 'retry-after': '1' }, cause: error },
        );
      }
      logger.warn(
        { requestId: context.requestId },
        'nonce store unavailable: accepting a signed request unchecked',
      );
      fresh = true;
    }
    if (!fresh) {
      context.record.signature = 'replayed nonce';
      throw invalidSignature('nonce already used');
    }
    const identity = directory.signer(verdict.keyId, clientOf.get(verdict.keyId));
    context.client = identity;
    context.record.client = identity.clientId ?? identity.keyId;
    context.record.signed = true;
    return next(context);
  };
}
