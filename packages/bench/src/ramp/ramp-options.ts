import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type ArmKind, armKinds } from '../arms/arm-kinds.js';
import { ScenarioError } from '../scenario/scenario.js';
import { type WorkloadName, workloadNames } from '../scenario/workloads.js';
import { type RampPlan, type RampSubject, rampDefaults } from './run-ramp.js';

export const rampUsage = `Usage: ferry-bench ramp (--arm NAME | --url URL) [options]

Steps the connection count up, one level after another, and reports the largest level that
meets the SLO: p99 below the limit over every request (each connection's first included), zero
errors (connection errors, timeouts and non-2xx all count), and Little's law holding. Stops
after two failing levels in a row. Exits 0 when a level met the SLO, 1 when none did.

What to load
  --arm NAME                 one of the bench's arms, started as the bench starts them:
                             ${armKinds.join(', ')}
  --workload NAME            with --arm: chat | chat-stream | embeddings (default chat)
  --url URL                  your own deployment: the complete URL of each request
  --method METHOD            with --url (default POST with a body, GET without)
  --body TEXT                with --url: the request body (JSON gets content-type itself)
  --body-file FILE           with --url: the request body from a file
  --header "NAME: VALUE"     with --url, repeatable, e.g. "Authorization: Bearer $KEY";
                             sent, never written into the reports

Levels and SLO
  --levels LIST              connection levels, ascending (default ${rampDefaults.levels.join(',')})
  --duration S               seconds per level (default ${rampDefaults.durationSeconds})
  --slo-p99-ms N             p99 limit over every request (default ${rampDefaults.sloP99Ms})
  --timeout S                request timeout, whole seconds ≥ 1; a timeout is an error (default ${rampDefaults.timeoutSeconds})
  --warmup S                 unmeasured load at the first level before it (default ${rampDefaults.warmupSeconds}; 0 = none)
  --no-pin                   do not pin processes to cores with taskset (arms only)

Output
  --out DIR                  report directory (default bench-results/ramp-<timestamp>)
  --json                     print the JSON report on stdout instead of the table
  --help
`;

const options = {
  arm: { type: 'string' },
  workload: { type: 'string' },
  url: { type: 'string' },
  method: { type: 'string' },
  body: { type: 'string' },
  'body-file': { type: 'string' },
  header: { type: 'string', multiple: true },
  levels: { type: 'string' },
  duration: { type: 'string' },
  'slo-p99-ms': { type: 'string' },
  timeout: { type: 'string' },
  warmup: { type: 'string' },
  'no-pin': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** What `ferry-bench ramp` is asked for. */
export type RampRequest =
  | { help: true }
  | { help: false; plan: RampPlan; out: string | undefined; json: boolean };

function positive(flag: string, text: string | undefined, fallback: number, minimum = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < minimum || (minimum === 0 && value <= 0)) {
    throw new ScenarioError(
      `--${flag}: "${text}" is not a number${minimum > 0 ? ` ≥ ${minimum}` : ' above 0'}`,
    );
  }
  return value;
}

function parseLevels(text: string | undefined): number[] {
  if (text === undefined) return [...rampDefaults.levels];
  const levels = text.split(',').map((item) => item.trim());
  for (const [index, item] of levels.entries()) {
    const value = Number(item);
    if (!Number.isInteger(value) || value <= 0) {
      throw new ScenarioError(`--levels: "${item}" is not a whole number of connections above 0`);
    }
    if (index > 0 && value <= Number(levels[index - 1])) {
      throw new ScenarioError(`--levels: ${text} must rise from one level to the next`);
    }
  }
  return levels.map(Number);
}

/** Parses the arguments after `ferry-bench ramp`. Bad or conflicting flags are named. */
export async function parseRampCli(argv: readonly string[]): Promise<RampRequest> {
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  if (values.help === true) return { help: true };
  const urlOnly = ['method', 'body', 'body-file', 'header'] as const;
  let subject: RampSubject;
  if (values.arm !== undefined && values.url !== undefined) {
    throw new ScenarioError('--arm and --url: give one of them');
  }
  if (values.arm !== undefined) {
    if (!(armKinds as readonly string[]).includes(values.arm)) {
      throw new ScenarioError(`--arm: unknown arm "${values.arm}" (one of ${armKinds.join(', ')})`);
    }
    for (const flag of urlOnly) {
      if (values[flag] !== undefined) throw new ScenarioError(`--${flag} goes with --url, not --arm`);
    }
    const workload = values.workload ?? 'chat';
    if (!(workloadNames as readonly string[]).includes(workload)) {
      throw new ScenarioError(
        `--workload: unknown workload "${workload}" (one of ${workloadNames.join(', ')})`,
      );
    }
    subject = { arm: values.arm as ArmKind, workload: { name: workload as WorkloadName } };
  } else if (values.url !== undefined) {
    if (values.workload !== undefined) {
      throw new ScenarioError('--workload goes with --arm; with --url give --method and --body');
    }
    try {
      new URL(values.url);
    } catch {
      throw new ScenarioError(`--url: "${values.url}" is not a URL`);
    }
    if (values.body !== undefined && values['body-file'] !== undefined) {
      throw new ScenarioError('--body and --body-file: give one of them');
    }
    const headers: Record<string, string> = {};
    for (const header of values.header ?? []) {
      const colon = header.indexOf(':');
      if (colon <= 0) throw new ScenarioError(`--header: "${header}" is not "Name: value"`);
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    }
    const body =
      values['body-file'] === undefined ? values.body : await readFile(values['body-file'], 'utf8');
    subject = {
      url: values.url,
      headers,
      ...(values.method === undefined ? {} : { method: values.method }),
      ...(body === undefined ? {} : { body }),
    };
  } else {
    throw new ScenarioError('give --arm NAME or --url URL');
  }
  const timeoutSeconds = positive('timeout', values.timeout, rampDefaults.timeoutSeconds, 1);
  const warmup = values.warmup === '0' ? 0 : positive('warmup', values.warmup, rampDefaults.warmupSeconds);
  return {
    help: false,
    plan: {
      subject,
      levels: parseLevels(values.levels),
      durationSeconds: positive('duration', values.duration, rampDefaults.durationSeconds),
      timeoutSeconds,
      warmupSeconds: warmup,
      sloP99Ms: positive('slo-p99-ms', values['slo-p99-ms'], rampDefaults.sloP99Ms),
      pin: values['no-pin'] !== true,
    },
    out: values.out,
    json: values.json === true,
  };
}
