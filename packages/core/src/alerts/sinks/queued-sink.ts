import type {
  AlertErrorHandler,
  AlertMessage,
  AlertSink,
  AlertSinkError,
  AlertSinkErrorKind,
} from './alert-message.js';
import { type RateLimit, SendPacer } from './send-pacer.js';
import { type SinkAnswer, type SinkTransport, SinkTransportError } from './sink-http.js';

/** One request a platform adapter built from the head of the queue. */
export interface PreparedSend {
  url: URL;
  body: string;
  headers?: Record<string, string>;
  /** How many alerts from the head of the queue the message carries (1, or a digest's count). */
  count: number;
}

/** What an answer meant. */
export type SendOutcome =
  | { ok: true }
  | {
      ok: false;
      kind: Exclude<AlertSinkErrorKind, 'dropped'>;
      reason: string;
      status?: number;
      platformCode?: string | number;
      retryable: boolean;
      /** The platform asked for a pause (rate limit, ban): no send before it ends. */
      pauseMs?: number;
    };

/** What makes a sink a DingTalk, Feishu, WeCom, Slack or webhook sink. */
export interface PlatformAdapter {
  /** Builds the message for `alerts` (the whole queue, oldest first), signed for now. */
  prepare(alerts: readonly AlertMessage[]): PreparedSend;
  interpret(answer: SinkAnswer): SendOutcome;
}

export interface QueuedSinkSettings {
  name: string;
  origin: string;
  limits: readonly RateLimit[];
  maxAttempts: number;
  retryDelayMs: number;
  maxQueued: number;
  onError: AlertErrorHandler | undefined;
  /** Strings that must never appear in a reported message (secret, token, key, webhook path). */
  secrets: readonly string[];
  transport: SinkTransport;
  adapter: PlatformAdapter;
}

interface Entry {
  alert: AlertMessage;
  attempts: number;
}

/**
 * The delivery loop every sink shares: a queue, one send at a time, paced to the platform's
 * limits. An alert that finds the sink free goes out alone; alerts that arrive while it must
 * wait are folded into one digest at the next slot (as many as the platform's size limit
 * takes; the rest wait for the slot after). Failed sends are reported to `onError` and, when
 * worth it (timeouts, 5xx, rate limits), put back at the head of the queue for up to
 * `maxAttempts` sends. Nothing here throws into the caller.
 *
 * @example
 * return createQueuedSink({ name, origin, limits: [{ count: 20, windowMs: 60_000 }], adapter, transport, ... });
 */
export function createQueuedSink(settings: QueuedSinkSettings): AlertSink {
  const pacer = new SendPacer(settings.limits);
  let queue: Entry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed = false;
  let idleWaiters: Array<() => void> = [];

  const redact = (text: string) => {
    let clean = text;
    for (const secret of [...settings.secrets].sort((a, b) => b.length - a.length)) {
      // Short strings ('/', '/hook') would mangle the message and protect nothing.
      if (secret.length < 8) continue;
      clean = clean.replaceAll(secret, '[redacted]').replaceAll(encodeURIComponent(secret), '[redacted]');
    }
    return clean;
  };
  const report = (error: Omit<AlertSinkError, 'sink' | 'message'> & { message: string }) => {
    try {
      settings.onError?.({
        ...error,
        sink: settings.name,
        message: redact(`alert sink "${settings.name}" (${settings.origin}): ${error.message}`),
        platformCode:
          typeof error.platformCode === 'string' ? redact(error.platformCode) : error.platformCode,
      });
    } catch {
      // A throwing handler must not stop the delivery loop.
    }
  };
  const settleIdle = () => {
    if (queue.length > 0 && !closed) return;
    if (inFlight !== undefined) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const schedule = () => {
    if (closed || inFlight !== undefined || timer !== undefined || queue.length === 0) return;
    const delay = pacer.delayMs(Date.now());
    if (delay === 0) {
      inFlight = sendNext().finally(() => {
        inFlight = undefined;
        settleIdle();
        schedule();
      });
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      schedule();
    }, delay);
    // A queued alert alone does not keep the process alive (shutdown calls close()); a drain()
    // in progress does, or a script awaiting it would exit before the next slot.
    if (idleWaiters.length === 0) timer.unref();
  };

  const sendNext = async () => {
    let taken: Entry[] = [];
    try {
      const prepared = settings.adapter.prepare(queue.map((entry) => entry.alert));
      taken = queue.splice(0, Math.max(1, prepared.count));
      pacer.record(Date.now());
      const outcome = await deliver(prepared);
      if (outcome.ok) return;
      const retry = outcome.retryable
        ? taken.filter((entry) => entry.attempts + 1 < settings.maxAttempts)
        : [];
      for (const entry of retry) entry.attempts++;
      queue = [...retry, ...queue];
      pacer.pause(Date.now(), outcome.pauseMs ?? (outcome.retryable ? settings.retryDelayMs : 0));
      report({
        kind: outcome.kind,
        message: outcome.reason,
        incidentIds: taken.map((entry) => entry.alert.incidentId),
        status: outcome.status,
        platformCode: outcome.platformCode,
        willRetry: retry.length > 0,
      });
      const gaveUp = taken.filter((entry) => !retry.includes(entry));
      if (retry.length > 0 && gaveUp.length > 0) {
        // A digest mixing fresh alerts with ones on their last attempt: say which are lost.
        report({
          kind: 'dropped',
          message: `given up after ${settings.maxAttempts} attempts`,
          incidentIds: gaveUp.map((entry) => entry.alert.incidentId),
          willRetry: false,
        });
      }
    } catch (error) {
      // A bug in building the message: report it and drop what it was for, never loop on it.
      const ids = (taken.length > 0 ? taken : queue.splice(0, 1)).map((entry) => entry.alert.incidentId);
      report({
        kind: 'dropped',
        message: `could not build the message (${(error as Error)?.name ?? 'error'})`,
        incidentIds: ids,
        willRetry: false,
      });
    }
  };

  const deliver = async (prepared: PreparedSend): Promise<SendOutcome> => {
    try {
      const answer = await settings.transport.post(prepared.url, prepared.body, prepared.headers);
      return settings.adapter.interpret(answer);
    } catch (error) {
      if (!(error instanceof SinkTransportError)) throw error;
      // A refused address stays refused; a timeout or a reset may pass next time.
      return {
        ok: false,
        kind: error.kind,
        reason: error.message,
        retryable: error.kind !== 'address_refused',
      };
    }
  };

  return {
    name: settings.name,
    origin: settings.origin,
    notify(alert) {
      if (closed) {
        report({
          kind: 'dropped',
          message: 'the sink is closed',
          incidentIds: [alert.incidentId],
          willRetry: false,
        });
        return;
      }
      queue.push({ alert, attempts: 0 });
      if (queue.length > settings.maxQueued) {
        const oldest = queue.shift() as Entry;
        report({
          kind: 'dropped',
          message: `more than ${settings.maxQueued} alerts queued; the oldest was dropped`,
          incidentIds: [oldest.alert.incidentId],
          willRetry: false,
        });
      }
      schedule();
    },
    drain() {
      if ((queue.length === 0 || closed) && inFlight === undefined) return Promise.resolve();
      timer?.ref();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await inFlight;
      if (queue.length > 0) {
        report({
          kind: 'dropped',
          message: `closed with ${queue.length} alert(s) not sent`,
          incidentIds: queue.map((entry) => entry.alert.incidentId),
          willRetry: false,
        });
        queue = [];
      }
      settleIdle();
      await settings.transport.close().catch(() => undefined);
    },
  };
}
