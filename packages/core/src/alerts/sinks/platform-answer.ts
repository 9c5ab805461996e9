import type { SendOutcome } from './queued-sink.js';
import type { SinkAnswer } from './sink-http.js';
import { truncateUtf8 } from './utf8-truncate.js';

/** How one platform says "done" and "no" in its JSON answer. */
export interface AnswerSpec {
  /** The platform's result code; 0 means delivered. Undefined when the answer has none. */
  codeOf(body: Record<string, unknown>): number | undefined;
  messageOf(body: Record<string, unknown>): string | undefined;
  /** Codes that mean "too fast", with how long to pause sending. */
  rateLimited: ReadonlyMap<number, number>;
}

const defaultPauseMs = 60_000;
const maximumPauseMs = 3_600_000;

/**
 * Reads a JSON answer of a robot platform. HTTP 200 is not success: DingTalk and WeCom answer
 * 200 with `{"errcode":310000,...}` for a bad signature, Feishu 200 with `{"code":19021,...}`;
 * only a 2xx with code 0 is a delivery. 5xx, 429 and the platform's rate-limit codes are worth
 * another attempt (after the pause it asks for); any other refusal is not.
 *
 * @example
 * interpretCodeAnswer(answer, { codeOf: (b) => numberOf(b.errcode), messageOf: (b) => stringOf(b.errmsg), rateLimited: new Map([[130101, 600_000]]) });
 */
export function interpretCodeAnswer(answer: SinkAnswer, spec: AnswerSpec): SendOutcome {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (parsed !== null && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  const code = body === undefined ? undefined : spec.codeOf(body);
  const said = body === undefined ? undefined : spec.messageOf(body);
  const detail = (prefix: string) => truncateUtf8(said === undefined ? prefix : `${prefix}: ${said}`, 300);
  const ok2xx = answer.status >= 200 && answer.status < 300;
  if (ok2xx && code === 0) return { ok: true };
  const pause = code === undefined ? undefined : spec.rateLimited.get(code);
  if (answer.status === 429 || pause !== undefined) {
    return {
      ok: false,
      kind: 'rate_limited',
      reason: detail(code === undefined ? `HTTP ${answer.status}` : `HTTP ${answer.status}, code ${code}`),
      status: answer.status,
      platformCode: code,
      retryable: true,
      pauseMs: retryAfterMs(answer) ?? pause ?? defaultPauseMs,
    };
  }
  if (code !== undefined && code !== 0) {
    return {
      ok: false,
      kind: 'rejected',
      reason: detail(`HTTP ${answer.status}, code ${code}`),
      status: answer.status,
      platformCode: code,
      retryable: answer.status >= 500,
    };
  }
  return {
    ok: false,
    kind: 'rejected',
    reason: ok2xx ? `HTTP ${answer.status} without a result code` : detail(`HTTP ${answer.status}`),
    status: answer.status,
    retryable: answer.status >= 500,
  };
}

/** `Retry-After` in seconds or as an HTTP date, capped at an hour; undefined when absent. */
export function retryAfterMs(answer: SinkAnswer): number | undefined {
  const header = answer.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1_000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(maximumPauseMs, Math.max(0, ms));
}

/** A JSON field as a number, when it is one (or a numeric string). */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

/** A JSON field as a string, when it is one. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
