import type { AlertMessage, AlertSeverity } from './alert-message.js';
import { truncateUtf8, utf8Length } from './utf8-truncate.js';

/** Markup of the platform: CommonMark-like (DingTalk, WeCom, Feishu cards), Slack mrkdwn, or none. */
export type TextStyle = 'markdown' | 'mrkdwn' | 'plain';

/** What a rendering must satisfy: the platform's body or content limit, checked on the real body. */
export type Fits = (content: string) => boolean;

interface Markup {
  heading(text: string): string;
  bold(text: string): string;
  code(text: string): string;
  bullet: string;
}

const markups: Record<TextStyle, Markup> = {
  markdown: { heading: (t) => `### ${t}`, bold: (t) => `**${t}**`, code: (t) => `\`${t}\``, bullet: '- ' },
  mrkdwn: { heading: (t) => `*${t}*`, bold: (t) => `*${t}*`, code: (t) => `\`${t}\``, bullet: '• ' },
  plain: { heading: (t) => t, bold: (t) => t, code: (t) => t, bullet: '- ' },
};

const severityLabel: Record<AlertSeverity, string> = {
  critical: 'CRITICAL',
  warning: 'WARNING',
  info: 'INFO',
};
const severityMark: Record<AlertSeverity, string> = { critical: '🔴', warning: '🟠', info: '🔵' };
const stateLabel = { firing: 'firing', reminder: 'still firing', resolved: 'resolved' } as const;
// Digest lines stay short so that many incidents fit in one message.
const digestTitleBytes = 120;

/**
 * The one-line summary of an alert: `🔴 [CRITICAL · firing] Circuit open: openai`
 * (resolved alerts get ✅).
 *
 * @example
 * alertHeadline(alert); // '✅ [WARNING · resolved] Upstream error rate high'
 */
export function alertHeadline(alert: AlertMessage, maxTitleBytes = 200): string {
  const mark = alert.state === 'resolved' ? '✅' : severityMark[alert.severity];
  const title = truncateUtf8(alert.title, maxTitleBytes);
  return `${mark} [${severityLabel[alert.severity]} · ${stateLabel[alert.state]}] ${title}`;
}

/**
 * One alert as message content: headline (unless the platform shows a title of its own), text,
 * fields, incident id and time. When it does not `fit`, the text is cut (by UTF-8 bytes, at a
 * character boundary) as little as needed; when even that is not enough, the whole content is.
 *
 * @example
 * renderAlert(alert, { style: 'markdown', withTitle: true }, (content) => utf8Length(content) <= 4096);
 */
export function renderAlert(
  alert: AlertMessage,
  options: { style: TextStyle; withTitle: boolean },
  fits: Fits,
): string {
  const markup = markups[options.style];
  const build = (text: string) => {
    const lines: string[] = [];
    if (options.withTitle) lines.push(markup.heading(alertHeadline(alert)), '');
    if (text !== '') lines.push(text, '');
    for (const [key, value] of Object.entries(alert.fields ?? {})) {
      lines.push(`${markup.bullet}${markup.bold(key)}: ${value}`);
    }
    lines.push(`${markup.bullet}${markup.bold('incident')}: ${markup.code(alert.incidentId)}`);
    lines.push(`${markup.bullet}${markup.bold('at')}: ${alert.at.toISOString()}`);
    return lines.join('\n');
  };
  const whole = build(alert.text);
  if (fits(whole)) return whole;
  const textBytes = largestFitting(utf8Length(alert.text), (bytes) =>
    fits(build(truncateUtf8(alert.text, bytes))),
  );
  if (textBytes !== undefined) return build(truncateUtf8(alert.text, textBytes));
  const wholeBytes = largestFitting(utf8Length(whole), (bytes) => fits(truncateUtf8(whole, bytes)));
  return truncateUtf8(whole, wholeBytes ?? 0);
}

/**
 * Several alerts folded into one message: a count by severity, then one line per alert with its
 * state, title and incident id. Takes alerts in order while the content still `fits`; the
 * caller keeps the rest for the next message, so no alert is dropped to make room. At least one
 * alert is always taken (cut to fit if it must be).
 *
 * @example
 * const { content, count } = renderDigest(queued, 'markdown', (c) => utf8Length(c) <= 4096);
 * queued.splice(0, count);
 */
export function renderDigest(
  alerts: readonly AlertMessage[],
  style: TextStyle,
  fits: Fits,
): { content: string; count: number } {
  const markup = markups[style];
  const lines: string[] = [];
  const counts: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
  let content = '';
  for (const alert of alerts) {
    counts[alert.severity]++;
    lines.push(
      `${markup.bullet}${alertHeadline(alert, digestTitleBytes)} · ${markup.code(alert.incidentId)} · ${alert.at.toISOString()}`,
    );
    const candidate = [markup.heading(digestHeadline(lines.length, counts)), '', ...lines].join('\n');
    if (!fits(candidate)) {
      counts[alert.severity]--;
      lines.pop();
      break;
    }
    content = candidate;
  }
  const first = alerts[0];
  if (lines.length === 0 && first !== undefined) {
    return { content: renderAlert(first, { style, withTitle: true }, fits), count: 1 };
  }
  return { content, count: lines.length };
}

/** `Ferry alerts: 12 (2 critical, 10 warning)`: the title of a digest. */
export function digestHeadline(count: number, counts: Readonly<Record<AlertSeverity, number>>): string {
  const parts = (['critical', 'warning', 'info'] as const)
    .filter((severity) => counts[severity] > 0)
    .map((severity) => `${counts[severity]} ${severity}`);
  return `Ferry alerts: ${count} (${parts.join(', ')})`;
}

/** The largest n in [0, max] with `ok(n)` (ok is monotonic), or undefined when even 0 fails. */
function largestFitting(max: number, ok: (n: number) => boolean): number | undefined {
  if (!ok(0)) return undefined;
  let low = 0;
  let high = max;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (ok(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}
