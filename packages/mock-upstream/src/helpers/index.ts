import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

// Small client-side helpers for tests that talk to a gateway in front of the mock:
// `import { listen, streamedContent } from '@ferry/mock-upstream/helpers'`.

/** A real HTTP server on a free port around an app (Express, Koa's callback, or plain Node). */
export async function listen(app: RequestListener): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The `data:` payloads of a server-sent event stream, in order. */
export function eventData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
}

/** The assistant text of a chat completion stream: its content deltas joined. */
export function streamedContent(text: string): string {
  let content = '';
  for (const data of eventData(text)) {
    if (data === '[DONE]') continue;
    const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> };
    content += chunk.choices?.[0]?.delta?.content ?? '';
  }
  return content;
}

/** A chat completion request body for the mock, as JSON text. */
export const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], ...extra });

export type { EventSocket } from './event-socket.js';
export { openEventSocket, UpgradeRefusedError } from './event-socket.js';
