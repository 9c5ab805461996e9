import { isIP, type Socket } from 'node:net';
import { buildConnector, errors } from 'undici';
import { GatewayError } from '../../errors.js';
import { isPrivateAddress } from './address-guard.js';
import type { HostResolver, ResolvedAddress } from './host-resolver.js';
import { openTunnel } from './proxy-tunnel.js';

/** How one upstream reaches its host. */
export interface ConnectorSettings {
  upstreamName: string;
  /** A `local` upstream may connect to private addresses; no other may. */
  local: boolean;
  resolver: HostResolver;
  connectTimeoutMs: number;
  proxy?: URL | undefined;
  ca?: string | string[] | undefined;
}

/**
 * The undici `connect` function of an upstream's pool: resolves the host through the
 * upstream's resolver (address map, DoH, system), refuses private addresses unless the
 * upstream is `local` (before any socket is opened, on every new connection), optionally
 * tunnels through the CONNECT proxy, then lets undici's own connector open TCP/TLS to the
 * chosen address with `servername` set to the real hostname, so the certificate is checked
 * against the name, not the address. The connect timeout covers resolution and tunnel too.
 * When the name has several addresses, a refused or timed-out one passes to the next (each
 * gets an equal share of the remaining budget) and sorts last for a while afterwards.
 *
 * @example
 * new Pool(origin, { connect: createConnector({ upstreamName: 'openai', local: false, resolver, connectTimeoutMs: 15_000 }) });
 */
export function createConnector(settings: ConnectorSettings): buildConnector.connector {
  // Shared by the pool's connections; bounded by the addresses the resolver returns.
  const failedAt = new Map<string, number>();
  const base = buildConnector({
    timeout: settings.connectTimeoutMs,
    ...(settings.ca === undefined ? {} : { ca: settings.ca }),
  });
  return (options, callback) => {
    const controller = new AbortController();
    let finished = false;
    const finish = (error: Error | null, socket?: Socket) => {
      if (finished) {
        socket?.destroy();
        return;
      }
      finished = true;
      clearTimeout(timer);
      if (error !== null) callback(error, null);
      else callback(null, socket as Socket);
    };
    const timer = setTimeout(() => {
      controller.abort(new errors.ConnectTimeoutError());
      finish(new errors.ConnectTimeoutError());
    }, settings.connectTimeoutMs);

    const hostname = options.hostname.replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    const startedAt = Date.now();
    settings.resolver
      .resolve(hostname)
      .then(async (addresses) => {
        const usable = orderByHealth(
          settings.local ? addresses : addresses.filter(({ address }) => !isPrivateAddress(address)),
        );
        if (usable.length === 0) throw refused(settings.upstreamName);
        // Each address gets an equal share of what is left of the budget, so a black-holed
        // first address cannot eat the time the next one needed.
        for (let index = 0; index < usable.length; index++) {
          const address = (usable[index] as ResolvedAddress).address;
          const remainingMs = settings.connectTimeoutMs - (Date.now() - startedAt);
          const shareMs = remainingMs / (usable.length - index);
          try {
            const socket = await connectTo(address, shareMs);
            if (socket === undefined) return; // the whole budget ran out meanwhile
            failedAt.delete(address);
            finish(null, socket);
            return;
          } catch (error) {
            if (finished) return;
            if (failedAt.size >= maximumRememberedFailures) failedAt.clear();
            failedAt.set(address, Date.now());
            if (index === usable.length - 1 || !isConnectFailure(error)) throw error;
          }
        }
      })
      .catch((error: Error) => finish(error));

    /** One address, within `shareMs`; undefined when the overall budget fired first. */
    async function connectTo(address: string, shareMs: number): Promise<Socket | undefined> {
      const attempt = new AbortController();
      const onAbort = () => attempt.abort(controller.signal.reason);
      controller.signal.addEventListener('abort', onAbort, { once: true });
      const shareTimer = setTimeout(() => attempt.abort(new errors.ConnectTimeoutError()), shareMs);
      try {
        const tunnel =
          settings.proxy === undefined
            ? undefined
            : await openTunnel(settings.proxy, address, port, attempt.signal);
        if (finished || attempt.signal.aborted) {
          tunnel?.destroy();
          if (finished) return undefined;
          throw attempt.signal.reason;
        }
        if (tunnel !== undefined && options.protocol !== 'https:') return tunnel.setNoDelay(true);
        return await new Promise<Socket>((resolve, reject) => {
          let settled = false;
          const onAttemptAbort = () => {
            settled = true;
            reject(attempt.signal.reason);
          };
          attempt.signal.addEventListener('abort', onAttemptAbort, { once: true });
          base(
            {
              ...options,
              hostname: address,
              port: String(port),
              servername: isIP(hostname) === 0 ? hostname : undefined,
              httpSocket: tunnel,
            },
            (error, socket) => {
              attempt.signal.removeEventListener('abort', onAttemptAbort);
              if (settled) {
                // Abandoned for the next address or the overall timeout: not ours any more.
                (socket as Socket | null)?.destroy();
                return;
              }
              settled = true;
              if (error !== null) reject(error);
              else resolve(socket as Socket);
            },
          );
        });
      } finally {
        clearTimeout(shareTimer);
        controller.signal.removeEventListener('abort', onAbort);
      }
    }
  };

  /** Addresses that failed recently go last (stable otherwise), so new connections skip a dead one. */
  function orderByHealth(addresses: ResolvedAddress[]): ResolvedAddress[] {
    if (failedAt.size === 0 || addresses.length < 2) return addresses;
    const now = Date.now();
    const healthy: ResolvedAddress[] = [];
    const failing: ResolvedAddress[] = [];
    for (const entry of addresses) {
      const failed = failedAt.get(entry.address);
      if (failed !== undefined && now - failed < failedAddressPenaltyMs) failing.push(entry);
      else healthy.push(entry);
    }
    return healthy.concat(failing);
  }
}

// How long a refused or timed-out address sorts last for new connections.
const failedAddressPenaltyMs = 30_000;
// DoH answers can rotate through many addresses; forget them all rather than grow.
const maximumRememberedFailures = 64;
const connectFailureCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** A failure that another address of the same name may not have (not a TLS or proxy refusal). */
function isConnectFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && connectFailureCodes.has(code);
}

const refused = (upstreamName: string) =>
  new GatewayError(
    'upstream_address_refused',
    `The upstream "${upstreamName}" resolves to a private or loopback address; mark it \`local: true\` if that is intended.`,
  );
