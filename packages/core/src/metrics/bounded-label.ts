import { keyDigest } from '../clients/client-directory.js';

/** What a label value may look like: model and error-code names, never free text. */
const labelPattern = /^[\w.:/@+-]{1,64}$/;

/**
 * Keeps a label's values bounded: the known values always pass; other values pass until
 * `cap` distinct ones were seen, after which new ones become `other`. Values that do not look
 * like a name, and values whose SHA-256 digest is on the `forbidden` list (the configured keys,
 * should a caller paste one into `model`), are always `other`. Prometheus keeps one series per value forever, so a
 * label fed by clients must not grow with them.
 *
 * @example
 * const models = boundedLabel(['gpt-4o'], 50);
 * models('gpt-4o'); // 'gpt-4o'
 */
export function boundedLabel(
  known: Iterable<string>,
  cap: number,
  forbidden: ReadonlySet<string> = new Set(),
): (value: string | undefined) => string {
  const allowed = new Set<string>();
  for (const value of known)
    if (labelPattern.test(value) && !forbidden.has(keyDigest(value))) allowed.add(value);
  let admitted = 0;
  return (value) => {
    if (value === undefined) return 'none';
    if (allowed.has(value)) return value;
    if (admitted >= cap || !labelPattern.test(value) || forbidden.has(keyDigest(value))) return 'other';
    admitted++;
    allowed.add(value);
    return value;
  };
}
