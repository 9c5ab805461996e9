import { AggregatorRegistry, type Registry } from 'prom-client';
import { isFerryMessage, type PrimaryMessage, type WorkerMessage } from './worker-messages.js';

const send = (message: WorkerMessage) => process.send?.(message);
const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let nextId = 0;

process.on('message', (message: unknown) => {
  if (!isFerryMessage<PrimaryMessage>(message) || message.type !== 'ferry:metrics') return;
  const waiter = pending.get(message.id);
  if (waiter === undefined) return;
  pending.delete(message.id);
  if (message.text !== undefined) waiter.resolve(message.text);
  else waiter.reject(new Error(message.error ?? 'the primary sent no metrics'));
});

/**
 * In a worker: what the metrics endpoint serves, the exposition of every worker summed by the
 * primary (prom-client's AggregatorRegistry), so a scrape that lands on any worker sees the
 * whole server. @internal
 *
 * @example
 * options.metrics = { ...options.metrics, render: renderClusterMetrics };
 */
export function renderClusterMetrics(): Promise<string> {
  const id = ++nextId;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the primary did not answer the metrics request within 5 s'));
    }, 5_000);
    pending.set(id, {
      resolve: (text) => {
        clearTimeout(timer);
        resolve(text);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    send({ type: 'ferry:metrics-request', id });
  });
}

/**
 * In a worker: the registries prom-client's cluster protocol answers the primary with (Ferry's
 * registry is the gateway's own, not prom-client's global one). @internal
 */
export function exposeToPrimary(registry: Registry | undefined): void {
  if (registry === undefined) return;
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's listener for the primary's requests.
  new AggregatorRegistry();
}

/** In a worker: tells the primary it listens, with the lines it would have printed. @internal */
export function reportListening(text: string): void {
  send({ type: 'ferry:listening', text });
}
