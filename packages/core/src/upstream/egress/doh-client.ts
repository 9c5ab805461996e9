import { request } from 'undici';

/** One address from a DNS answer, with its TTL. */
export interface DnsAnswer {
  address: string;
  family: 4 | 6;
  ttlSeconds: number;
}

interface JsonAnswer {
  Status?: number;
  Answer?: Array<{ type?: number; data?: string; TTL?: number }>;
}

const recordTypes = { 4: 1, 6: 28 } as const;

/**
 * Asks a DNS-over-HTTPS resolver (the JSON API of RFC 8484 servers: Cloudflare, Google,
 * AliDNS, DNSPod) for the A or AAAA records of a name. Rejects on any failure so the caller
 * can try the next resolver.
 *
 * @example
 * await queryDoh('https://1.1.1.1/dns-query', 'api.openai.com', 4, 2000);
 */
export async function queryDoh(
  resolverUrl: string,
  hostname: string,
  family: 4 | 6,
  timeoutMs: number,
): Promise<DnsAnswer[]> {
  const url = new URL(resolverUrl);
  url.searchParams.set('name', hostname);
  url.searchParams.set('type', family === 4 ? 'A' : 'AAAA');
  const response = await request(url, {
    headers: { accept: 'application/dns-json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`DoH resolver answered ${response.statusCode}`);
  }
  const json = (await response.body.json()) as JsonAnswer;
  if (json.Status !== 0 && json.Status !== 3) throw new Error(`DoH resolver status ${json.Status}`);
  const wanted = recordTypes[family];
  const answers: DnsAnswer[] = [];
  for (const record of json.Answer ?? []) {
    if (record.type !== wanted || typeof record.data !== 'string') continue;
    answers.push({ address: record.data, family, ttlSeconds: Math.max(0, Number(record.TTL) || 0) });
  }
  return answers;
}
