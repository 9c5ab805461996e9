import type { GatewayOptions } from '@ferry/core';

/** What a Ferry server says when it starts. */
export interface StartupFacts {
  /** `http://127.0.0.1:8787` */
  origin: string;
  /** The gateway's API base, `/v1`. */
  basePath: string;
  options: GatewayOptions;
  /** The in-process mock's API base, when it runs. */
  mockUrl: string | undefined;
}

/**
 * The lines printed at start: where it listens (the first line, which scripts and tests wait
 * for), the upstream or the mock, the metrics route when the gateway serves one, and a curl
 * command to try it.
 *
 * @example
 * for (const line of startupLines(facts)) console.log(line);
 */
export function startupLines({ origin, basePath, options, mockUrl }: StartupFacts): string[] {
  const apiBase = `${origin}${basePath}`;
  const lines = [`Ferry gateway listening on ${apiBase} (use it as the OpenAI baseURL)`];
  lines.push(
    mockUrl === undefined
      ? `Forwarding to ${upstreamList(options)}`
      : `No FERRY_UPSTREAM_URL set: started the mock upstream in-process at ${mockUrl}`,
  );
  const metricsPath = options.metrics === undefined ? false : (options.metrics.path ?? '/ferry/metrics');
  if (metricsPath !== false) lines.push(`Prometheus metrics: GET ${apiBase}${metricsPath}`);
  const { clientKeys = [], clients = [] } = options;
  lines.push(curlExample(apiBase, clientKeys.length > 0 || clients.length > 0));
  return lines;
}

/** `openai at https://api.openai.com/v1`, without any credentials or query the URL may carry. */
function upstreamList(options: GatewayOptions): string {
  const upstreams = [...(options.upstream ? [options.upstream] : []), ...(options.upstreams ?? [])];
  return upstreams
    .map((upstream) => {
      const url = new URL(upstream.url);
      return `${upstream.name ?? 'default'} at ${url.origin}${url.pathname}`;
    })
    .join(', ');
}

function curlExample(apiBase: string, needsKey: boolean): string {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] });
  return [
    'Try it:',
    `  curl ${apiBase}/chat/completions \\`,
    "    -H 'Content-Type: application/json' \\",
    ...(needsKey ? ["    -H 'Authorization: Bearer <one of FERRY_CLIENT_KEYS>' \\"] : []),
    `    -d '${body}'`,
  ].join('\n');
}
