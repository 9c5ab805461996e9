import dnsPacket from 'dns-packet';
import { request } from 'undici';

/** One address from a DNS answer, with its TTL. */
export interface DnsAnswer {
  address: string;
  family: 4 | 6;
  ttlSeconds: number;
}

/**
 * How a DoH resolver is asked: `wire` is RFC 8484 proper (`application/dns-message`, GET with
 * `?dns=<base64url>`), which every public resolver serves; `json` is the `application/dns-json`
 * API some also offer (Cloudflare, Google, AliDNS).
 */
export type DohFormat = 'wire' | 'json';

/** A DoH answer that cannot be used: the caller moves on to the next resolver. */
export class DohAnswerError extends Error {
  override readonly name = 'DohAnswerError';
}

interface JsonAnswer {
  Status?: number;
  Answer?: Array<{ type?: number; data?: string; TTL?: number }>;
}

const recordTypes = { 4: 1, 6: 28 } as const;
const wireTypes = { 4: 'A', 6: 'AAAA' } as const;
// A chain longer than this is a loop or an attack, not a CDN.
const maximumCnameHops = 8;
// An A/AAAA answer with a CNAME chain fits in a few hundred bytes; cap what we read.
const maximumAnswerBytes = 64 * 1024;
const rcodeNoError = 0;
const rcodeNameError = 3;

/**
 * Asks a DNS-over-HTTPS resolver for the A or AAAA records of a name, in RFC 8484 wire
 * format (default) or the JSON API. Follows CNAME chains inside the answer. Rejects on any
 * failure (status, timeout, truncated or malformed answer) so the caller can try the next
 * resolver.
 *
 * @example
 * await queryDoh('https://223.5.5.5/dns-query', 'api.openai.com', 4, 2000);
 * await queryDoh('https://1.1.1.1/dns-query', 'api.openai.com', 4, 2000, 'json');
 */
export async function queryDoh(
  resolverUrl: string,
  hostname: string,
  family: 4 | 6,
  timeoutMs: number,
  format: DohFormat = 'wire',
): Promise<DnsAnswer[]> {
  return format === 'wire'
    ? queryWire(resolverUrl, hostname, family, timeoutMs)
    : queryJson(resolverUrl, hostname, family, timeoutMs);
}

async function queryWire(
  resolverUrl: string,
  hostname: string,
  family: 4 | 6,
  timeoutMs: number,
): Promise<DnsAnswer[]> {
  // id 0 (RFC 8484 §4.1): identical queries are identical URLs, so HTTP caches can serve them.
  const query = dnsPacket.encode({
    type: 'query',
    id: 0,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: wireTypes[family], name: hostname, class: 'IN' }],
  });
  const url = new URL(resolverUrl);
  url.searchParams.set('dns', query.toString('base64url'));
  const body = await fetchBody(url, 'application/dns-message', timeoutMs);
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(body);
  } catch (error) {
    throw new DohAnswerError(`DoH answer for ${hostname} is malformed`, { cause: error });
  }
  if (!packet.flag_qr) throw new DohAnswerError(`DoH answer for ${hostname} is not a response`);
  if (packet.flag_tc) throw new DohAnswerError(`DoH answer for ${hostname} is truncated`);
  const rcode = (packet.flags ?? 0) & 0xf;
  if (rcode === rcodeNameError) return [];
  if (rcode !== rcodeNoError) throw new DohAnswerError(`DoH resolver answered rcode ${rcode}`);
  const question = packet.questions?.[0];
  if (question === undefined || question.name.toLowerCase() !== hostname.toLowerCase())
    throw new DohAnswerError(`DoH answer for ${hostname} is for another question`);

  // Answers may come in any order: index the CNAMEs, then walk from the asked name.
  const aliases = new Map<string, string>();
  for (const record of packet.answers ?? []) {
    if (record.type === 'CNAME') aliases.set(record.name.toLowerCase(), String(record.data).toLowerCase());
  }
  let name = hostname.toLowerCase();
  for (let hops = 0; aliases.has(name); hops++) {
    if (hops === maximumCnameHops) throw new DohAnswerError(`DoH answer for ${hostname} has a CNAME loop`);
    name = aliases.get(name) as string;
  }
  const wanted = wireTypes[family];
  const answers: DnsAnswer[] = [];
  for (const record of packet.answers ?? []) {
    if (record.type !== wanted || record.name.toLowerCase() !== name) continue;
    if (typeof record.data !== 'string')
      throw new DohAnswerError(`DoH answer for ${hostname} has a malformed record`);
    answers.push({ address: record.data, family, ttlSeconds: Math.max(0, record.ttl ?? 0) });
  }
  return answers;
}

async function queryJson(
  resolverUrl: string,
  hostname: string,
  family: 4 | 6,
  timeoutMs: number,
): Promise<DnsAnswer[]> {
  const url = new URL(resolverUrl);
  url.searchParams.set('name', hostname);
  url.searchParams.set('type', family === 4 ? 'A' : 'AAAA');
  const body = await fetchBody(url, 'application/dns-json', timeoutMs);
  let json: JsonAnswer;
  try {
    json = JSON.parse(body.toString('utf8')) as JsonAnswer;
  } catch (error) {
    throw new DohAnswerError(`DoH answer for ${hostname} is malformed`, { cause: error });
  }
  if (json.Status !== rcodeNoError && json.Status !== rcodeNameError)
    throw new DohAnswerError(`DoH resolver status ${json.Status}`);
  const wanted = recordTypes[family];
  const answers: DnsAnswer[] = [];
  for (const record of json.Answer ?? []) {
    if (record.type !== wanted || typeof record.data !== 'string') continue;
    answers.push({ address: record.data, family, ttlSeconds: Math.max(0, Number(record.TTL) || 0) });
  }
  return answers;
}

async function fetchBody(url: URL, accept: string, timeoutMs: number): Promise<Buffer> {
  const response = await request(url, { headers: { accept }, signal: AbortSignal.timeout(timeoutMs) });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new DohAnswerError(`DoH resolver answered ${response.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response.body) {
    length += (chunk as Buffer).byteLength;
    if (length > maximumAnswerBytes) {
      response.body.destroy();
      throw new DohAnswerError('DoH answer is oversized');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
