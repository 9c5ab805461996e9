import { createHash } from 'node:crypto';
import { invalidOption } from '../config/options-error.js';

import type { ClientIdentity } from '../types.js';
import type { ResolvedClientOptions } from './client-options.js';

/** Looks callers up by key digest (keys themselves are never kept) and clients by id. */
export interface ClientDirectory {
  /** Number of accepted keys. */
  readonly keyCount: number;
  /** The identity of a presented key, or undefined when it is not accepted. */
  identify(presentedKey: string): ClientIdentity | undefined;
  /** The identity a signing key id stands for: the named client's, or a bare one. */
  signer(keyId: string, clientId: string | undefined): ClientIdentity;
  hasClient(clientId: string): boolean;
  /** The key ids of the plain `clientKeys` (for the usage endpoint's listing). */
  plainKeyIds(): readonly string[];
}

const digestPrefix = 'sha256:';

/** Lower-case hex SHA-256 of a key: the form keys are stored and compared in. */
export const keyDigest = (key: string) => createHash('sha256').update(key).digest('hex');

/** The configured form (`sha256:<hex>` or the key itself) as a hex digest. */
const digestOf = (configured: string) =>
  configured.startsWith(digestPrefix)
    ? configured.slice(digestPrefix.length).toLowerCase()
    : keyDigest(configured);

/** A non-secret id for a key: 8 characters of its digest, enough to tell keys apart in logs. */
const keyIdOf = (digest: string) => `key_${Buffer.from(digest, 'hex').toString('base64url').slice(0, 8)}`;

/**
 * Builds the directory from the plain `clientKeys` list and the richer `clients` option. Plain
 * keys belong to no client; a client's keys carry its tenant, allowed models and limits.
 *
 * @example
 * const directory = createClientDirectory(['sk-legacy'], [{ id: 'coze', keys: ['sha256:9f86…'], limits: {} }]);
 * directory.identify('sk-legacy'); // { keyId: 'key_…' }
 */
export function createClientDirectory(
  clientKeys: readonly string[],
  clients: readonly ResolvedClientOptions[],
): ClientDirectory {
  const byDigest = new Map<string, ClientIdentity>();
  const byId = new Map<string, ResolvedClientOptions>();
  const add = (configured: string, client: ResolvedClientOptions | undefined, field: string) => {
    const digest = digestOf(configured);
    if (byDigest.has(digest)) {
      throw invalidOption(field, 'the same key is configured twice');
    }
    byDigest.set(digest, Object.freeze(identityOf(keyIdOf(digest), client)));
  };
  const plainKeyIds: string[] = [];
  clientKeys.forEach((key, index) => {
    add(key, undefined, `clientKeys.${index}`);
    plainKeyIds.push(keyIdOf(digestOf(key)));
  });
  clients.forEach((client, clientIndex) => {
    if (byId.has(client.id)) {
      throw invalidOption(`clients.${clientIndex}.id`, 'duplicate id');
    }
    byId.set(client.id, client);
    client.keys.forEach((key, index) => {
      add(key, client, `clients.${clientIndex}.keys.${index}`);
    });
  });

  return {
    keyCount: byDigest.size,
    identify: (presentedKey) => byDigest.get(keyDigest(presentedKey)),
    signer(keyId, clientId) {
      const client = byId.get(clientId ?? keyId);
      if (clientId !== undefined && client === undefined) return { keyId };
      return identityOf(keyId, client);
    },
    hasClient: (clientId) => byId.has(clientId),
    plainKeyIds: () => plainKeyIds,
  };
}

/**
 * Replaces every client key in resolved options by its `sha256:` digest, in place, once the
 * directory holds them: a host app that logs or dumps the options then holds no client key.
 *
 * @example
 * scrubClientKeys(options); // options.clientKeys: ['sha256:9f86…']
 */
export function scrubClientKeys(options: { clientKeys: string[]; clients: Array<{ keys: string[] }> }): void {
  const scrub = (key: string) => (key.startsWith(digestPrefix) ? key : `${digestPrefix}${keyDigest(key)}`);
  options.clientKeys = options.clientKeys.map(scrub);
  for (const client of options.clients) client.keys = client.keys.map(scrub);
}

function identityOf(keyId: string, client: ResolvedClientOptions | undefined): ClientIdentity {
  if (client === undefined) return { keyId };
  return {
    keyId,
    clientId: client.id,
    tenant: client.tenant,
    allowedModels: client.allowedModels,
    limits: client.limits,
  };
}

/** True when `model` is allowed by the list (exact names, or prefixes ending in `*`). */
export function modelAllowed(model: string, allowedModels: readonly string[]): boolean {
  for (const allowed of allowedModels) {
    if (allowed.endsWith('*') ? model.startsWith(allowed.slice(0, -1)) : model === allowed) return true;
  }
  return false;
}
