/** How urgent an alert is. */
export type AlertSeverity = 'critical' | 'warning' | 'info';

/** Where an incident is: it started, it is still going on, or it is over. */
export type AlertState = 'firing' | 'reminder' | 'resolved';

/**
 * One alert, as every sink receives it. Sinks render it for their platform; the `incidentId`
 * ties a firing alert, its reminders and its resolution together and is always shown.
 *
 * @example
 * const alert: AlertMessage = {
 *   severity: 'critical',
 *   title: 'Circuit open: openai',
 *   text: 'The breaker of upstream openai opened after 5 failures.',
 *   fields: { upstream: 'openai', region: 'sg' },
 *   state: 'firing',
 *   incidentId: 'breaker-openai-1718000000',
 *   at: new Date(),
 * };
 */
export interface AlertMessage {
  severity: AlertSeverity;
  title: string;
  text: string;
  /** Short facts shown as `key: value` lines (upstream, code, threshold, ...). */
  fields?: Readonly<Record<string, string>> | undefined;
  state: AlertState;
  incidentId: string;
  at: Date;
}

/** Why a send failed, or why alerts were given up. */
export type AlertSinkErrorKind =
  /** The platform answered, but refused the message (errcode/code != 0, or a 4xx). */
  | 'rejected'
  /** The platform said we sent too fast. */
  | 'rate_limited'
  /** No answer in time. */
  | 'timeout'
  /** Connection refused/reset, DNS failure, or an unreadable answer. */
  | 'network'
  /** The sink URL resolves to a private or loopback address and the sink does not allow it. */
  | 'address_refused'
  /** Alerts that could not be delivered after every attempt, or were still queued at close. */
  | 'dropped';

/**
 * What a sink reports to `onError`. The message never contains the sink's secret, token, key
 * or webhook path: only the sink's name and origin.
 */
export interface AlertSinkError {
  sink: string;
  kind: AlertSinkErrorKind;
  message: string;
  /** The incidents of the alerts the failed send carried. */
  incidentIds: string[];
  /** HTTP status, when the platform answered. */
  status?: number | undefined;
  /** The platform's own error code (`errcode`, `code`), when it gave one. */
  platformCode?: string | number | undefined;
  /** True when the alerts went back into the queue for another attempt. */
  willRetry: boolean;
}

/** The `onError` callback of every sink. It must not throw (a throw is swallowed). */
export type AlertErrorHandler = (error: AlertSinkError) => void;

/**
 * A destination for alerts. `notify` never throws and never waits: it queues the alert, and
 * the sink sends it (alone, or folded into a digest when alerts come faster than the
 * platform's rate) in the background.
 *
 * @example
 * const sink = createDingTalkSink({ name: 'ops', accessToken, secret, onError: (e) => log.warn(e) });
 * sink.notify(alert);
 * await sink.close(); // at shutdown
 */
export interface AlertSink {
  readonly name: string;
  /** Scheme, host and port the sink posts to (never the path or query: they hold credentials). */
  readonly origin: string;
  notify(alert: AlertMessage): void;
  /** Resolves when nothing is queued or in flight (or the sink is closed). */
  drain(): Promise<void>;
  /** Stops sending; alerts still queued are reported as `dropped`. Waits for a send in flight. */
  close(): Promise<void>;
}
