import { isIP, type Socket } from 'node:net';
import { buildConnector, errors } from 'undici';
import { GatewayError } from '../../errors.js';
import { isPrivateAddress } from './address-guard.js';
import type { HostResolver } from './host-resolver.js';
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
 *
 * @example
 * new Pool(origin, { connect: createConnector({ upstreamName: 'openai', local: false, resolver, connectTimeoutMs: 15_000 }) });
 */
export function createConnector(settings: ConnectorSettings): buildConnector.connector {
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
    settings.resolver
      .resolve(hostname)
      .then(async (addresses) => {
        const usable = settings.local
          ? addresses
          : addresses.filter(({ address }) => !isPrivateAddress(address));
        const chosen = usable[0];
        if (chosen === undefined) throw refused(settings.upstreamName);
        const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
        const tunnel =
          settings.proxy === undefined
            ? undefined
            : await openTunnel(settings.proxy, chosen.address, port, controller.signal);
        if (finished) {
          tunnel?.destroy();
          return;
        }
        if (tunnel !== undefined && options.protocol !== 'https:') {
          finish(null, tunnel.setNoDelay(true));
          return;
        }
        clearTimeout(timer);
        base(
          {
            ...options,
            hostname: chosen.address,
            port: String(port),
            servername: isIP(hostname) === 0 ? hostname : undefined,
            httpSocket: tunnel,
          },
          (error, socket) => finish(error, socket as Socket),
        );
      })
      .catch((error: Error) => finish(error));
  };
}

const refused = (upstreamName: string) =>
  new GatewayError(
    'upstream_address_refused',
    502,
    `The upstream "${upstreamName}" resolves to a private or loopback address; mark it \`local: true\` if that is intended.`,
  );
