import jsonata from 'jsonata';
import { invalidOption } from '../../config/options-error.js';
import type { ResolvedEnvelopeOptions } from './envelope-options.js';

/** A compiled JSONata expression: evaluates over one input. */
export type Mapping = (input: unknown) => Promise<unknown>;

/** An envelope with its expressions compiled. */
export interface CompiledEnvelope {
  name: string;
  clients: ReadonlySet<string> | undefined;
  routes: ReadonlySet<string>;
  answer: Mapping;
  error: Mapping | undefined;
  stream: { format: 'sse' | 'ndjson'; delta: Mapping; final: Mapping | undefined } | undefined;
}

/**
 * Compiles every expression once, at start. A syntax error is an options error naming the
 * field and JSONata's message (which quotes the expression's token, never a value of the options).
 *
 * @example
 * compileEnvelopes([{ name: 'erp', answer: '{ "data": text }' }]);
 */
export function compileEnvelopes(envelopes: readonly ResolvedEnvelopeOptions[]): CompiledEnvelope[] {
  return envelopes.map((envelope, index) => {
    const field = `responseEnvelopes.${index}`;
    return {
      name: envelope.name,
      clients: envelope.clients === undefined ? undefined : new Set(envelope.clients),
      routes: new Set(envelope.routes ?? ['chat.completions', 'responses']),
      answer: compile(envelope.answer, `${field}.answer`),
      error: envelope.error === undefined ? undefined : compile(envelope.error, `${field}.error`),
      stream:
        envelope.stream === undefined
          ? undefined
          : {
              format: envelope.stream.format,
              delta: compile(envelope.stream.delta, `${field}.stream.delta`),
              final:
                envelope.stream.final === undefined
                  ? undefined
                  : compile(envelope.stream.final, `${field}.stream.final`),
            },
    };
  });
}

function compile(expression: string, field: string): Mapping {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(expression);
  } catch (error) {
    const message = (error as { message?: string }).message ?? 'not a JSONata expression';
    throw invalidOption(field, `not a valid JSONata expression (${message})`);
  }
  return (input) => compiled.evaluate(input);
}
