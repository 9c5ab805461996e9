import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type DohFormat, queryDoh } from './doh-client.js';

/** An address to connect to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** How one upstream turns its hostname into addresses. */
export interface ResolverSettings {
  /** A hosts file: hostname → addresses, consulted first. */
  addresses?: Readonly<Record<string, readonly string[]>> | undefined;
  dns?:
    | {
        /** A URL, or a URL with its own format. */
        dohUrls: ReadonlyArray<string | { url: string; format?: DohFormat | undefined }>;
        /** Format of the URLs that name none. */
        format: DohFormat;
        timeoutMs: number;
        maxTtlMs: number;
        systemFallback: boolean;
      }
    | undefined;
}

interface CacheEntry {
  addresses: ResolvedAddress[];
  expiresAt: number;
}

/**
 * Resolves an upstream's hostname: IP literals as they are, then the static address map,
 * then DNS-over-HTTPS (cached for the answer's TTL, capped at `maxTtlMs`; concurrent lookups
 * of one name share a query), then the system resolver. Only the address changes: the
 * connector still sends the real name for TLS (SNI and certificate check).
 *
 * @example
 * const resolver = new HostResolver({ addresses: { 'api.openai.com': ['104.18.6.192'] } });
 * await resolver.resolve('api.openai.com'); // [{ address: '104.18.6.192', family: 4 }]
 */
export class HostResolver {
  readonly #map = new Map<string, ResolvedAddress[]>();
  readonly #cache = new Map<string, CacheEntry>();
  readonly #pending = new Map<string, Promise<ResolvedAddress[]>>();
  readonly #dns: ResolverSettings['dns'];

  constructor(settings: ResolverSettings) {
    for (const [name, addresses] of Object.entries(settings.addresses ?? {})) {
      this.#map.set(
        name.toLowerCase(),
        addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 })),
      );
    }
    this.#dns = settings.dns;
  }

  /** Addresses for `hostname` (brackets of IPv6 literals allowed); rejects when none is found. */
  async resolve(hostname: string): Promise<ResolvedAddress[]> {
    const name = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const literal = isIP(name);
    if (literal !== 0) return [{ address: name, family: literal === 6 ? 6 : 4 }];
    const key = name.toLowerCase();
    const mapped = this.#map.get(key);
    if (mapped !== undefined) return mapped;
    if (this.#dns === undefined) return system(name);
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached.addresses;
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#viaDoh(key).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #viaDoh(name: string): Promise<ResolvedAddress[]> {
    const dns = this.#dns as NonNullable<ResolverSettings['dns']>;
    let lastError: unknown;
    for (const entry of dns.dohUrls) {
      const url = typeof entry === 'string' ? entry : entry.url;
      const format = (typeof entry === 'string' ? undefined : entry.format) ?? dns.format;
      try {
        let answers = await queryDoh(url, name, 4, dns.timeoutMs, format);
        if (answers.length === 0) answers = await queryDoh(url, name, 6, dns.timeoutMs, format);
        if (answers.length === 0) continue;
        const ttlMs = Math.min(dns.maxTtlMs, Math.min(...answers.map((answer) => answer.ttlSeconds)) * 1000);
        const addresses = answers.map(({ address, family }) => ({ address, family }));
        if (ttlMs > 0) this.#cache.set(name, { addresses, expiresAt: Date.now() + ttlMs });
        return addresses;
      } catch (error) {
        // The next resolver, then the system's.
        lastError = error;
      }
    }
    if (dns.systemFallback) return system(name);
    const reason = lastError instanceof Error ? ` (last: ${lastError.message})` : '';
    throw Object.assign(new Error(`no DoH resolver could resolve ${name}${reason}`, { cause: lastError }), {
      code: 'ENOTFOUND',
    });
  }
}

async function system(name: string): Promise<ResolvedAddress[]> {
  const answers = await lookup(name, { all: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}
