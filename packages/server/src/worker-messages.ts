/** Messages between the primary and its workers (`FERRY_WORKERS`), over the cluster's IPC. @internal */
export type WorkerMessage =
  /** Worker → primary: listening; `text` is its start-up lines. */
  | { type: 'ferry:listening'; text: string }
  /** Worker → primary: a scrape of the metrics endpoint wants the whole cluster's metrics. */
  | { type: 'ferry:metrics-request'; id: number };

/** @internal */
export type PrimaryMessage =
  /** Primary → worker: stop gracefully, as on SIGTERM. */
  | { type: 'ferry:stop' }
  /** Primary → worker: the aggregated exposition, or why there is none. */
  | { type: 'ferry:metrics'; id: number; text?: string; error?: string };

/** True for a message of this protocol (the IPC channel also carries prom-client's and Node's). */
export function isFerryMessage<T extends { type: string }>(message: unknown): message is T {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string' &&
    (message as { type: string }).type.startsWith('ferry:')
  );
}
