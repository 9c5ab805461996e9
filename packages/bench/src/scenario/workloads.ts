/** The built-in request shapes. */
export const workloadNames = ['chat', 'chat-stream', 'embeddings'] as const;
export type WorkloadName = (typeof workloadNames)[number];

/** A built-in workload by name, or your own request. */
export type Workload =
  | { name: WorkloadName }
  | {
      name: string;
      method: string;
      /** Path below the target's base URL, e.g. `/v1/chat/completions`. */
      path: string;
      body?: unknown;
      headers?: Record<string, string>;
    };

/** One HTTP request, ready for autocannon or undici. */
export interface RequestShape {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const messages = [{ role: 'user', content: 'Say hello in one short sentence.' }];

const builtIn: Record<WorkloadName, () => Omit<RequestShape, 'headers'>> = {
  chat: () => ({
    method: 'POST',
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
  }),
  'chat-stream': () => ({
    method: 'POST',
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
  }),
  embeddings: () => ({
    method: 'POST',
    path: '/v1/embeddings',
    body: JSON.stringify({ model: 'text-embedding-3-small', input: 'The quick brown fox.' }),
  }),
};

/**
 * The request a workload sends, with `extraHeaders` (an arm's credentials) added.
 *
 * @example
 * requestFor({ name: 'chat' }, { authorization: 'Bearer sk-bench' }).path; // '/v1/chat/completions'
 */
export function requestFor(workload: Workload, extraHeaders: Record<string, string> = {}): RequestShape {
  if ('method' in workload) {
    const body =
      workload.body === undefined
        ? undefined
        : typeof workload.body === 'string'
          ? workload.body
          : JSON.stringify(workload.body);
    return {
      method: workload.method,
      path: workload.path,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...workload.headers,
        ...extraHeaders,
      },
      body,
    };
  }
  const shape = builtIn[workload.name as WorkloadName]();
  return { ...shape, headers: { 'content-type': 'application/json', ...extraHeaders } };
}

/** The streaming chat request the stream timing client sends. */
export const streamRequest = (extraHeaders: Record<string, string> = {}): RequestShape =>
  requestFor({ name: 'chat-stream' }, extraHeaders);
