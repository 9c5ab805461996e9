import type { AlertMessage } from './alert-message.js';
import { alertHeadline, digestHeadline, renderAlert, renderDigest, type TextStyle } from './alert-text.js';
import { truncateUtf8 } from './utf8-truncate.js';

/** A message's title (for platforms that show one apart from the body), content and alert count. */
export interface ComposedMessage {
  title: string;
  content: string;
  count: number;
}

/**
 * The head of the queue as one message: the alert itself when it is alone, otherwise a digest
 * of as many queued alerts as `fits` takes. `fits` gets the content and the title, so a sink
 * can check its limit on the body it will really send.
 *
 * @example
 * composeMessage(queue, { style: 'markdown', withTitle: false, maxTitleBytes: 200 },
 *   (content, title) => utf8Length(JSON.stringify(envelope(title, content))) <= 20_000);
 */
export function composeMessage(
  alerts: readonly AlertMessage[],
  options: { style: TextStyle; withTitle: boolean; maxTitleBytes: number },
  fits: (content: string, title: string) => boolean,
): ComposedMessage {
  const [first] = alerts;
  if (first === undefined) throw new Error('composeMessage needs at least one alert');
  if (alerts.length === 1) {
    const title = alertHeadline(first, options.maxTitleBytes);
    const content = renderAlert(first, options, (text) => fits(text, title));
    return { title, content, count: 1 };
  }
  // Checked with the title of the whole queue, which is at least as long as the final one.
  const provisional = truncateUtf8(
    digestHeadline(alerts.length, countBySeverity(alerts)),
    options.maxTitleBytes,
  );
  const digest = renderDigest(alerts, options.style, (text) => fits(text, provisional));
  const title =
    digest.count === 1
      ? alertHeadline(first, options.maxTitleBytes)
      : truncateUtf8(
          digestHeadline(digest.count, countBySeverity(alerts.slice(0, digest.count))),
          options.maxTitleBytes,
        );
  return { title, content: digest.content, count: digest.count };
}

function countBySeverity(alerts: readonly AlertMessage[]) {
  const counts = { critical: 0, warning: 0, info: 0 };
  for (const alert of alerts) counts[alert.severity]++;
  return counts;
}
