import { type Fault, parseFault } from './fault.js';

interface SpecEntry {
  fault: Fault;
  seen: number;
}

// Tests generate few distinct specs; the bound only protects a long benchmark run from a
// client that puts a counter into the spec.
const maximumSpecs = 10_000;

/**
 * Parses fault specs once and counts requests per exact spec string, so that `times=n`
 * lets the first n requests fail and the rest succeed.
 *
 * @example
 * const registry = new FaultRegistry();
 * registry.claim('status=503;times=1'); // { status: 503, times: 1 }
 * registry.claim('status=503;times=1'); // undefined: the request succeeds
 */
export class FaultRegistry {
  readonly #specs = new Map<string, SpecEntry>();

  /** Returns the fault to apply to one request carrying `spec`, or undefined once `times` is used up. Throws on a bad spec. */
  claim(spec: string): Fault | undefined {
    let entry = this.#specs.get(spec);
    if (entry === undefined) {
      entry = { fault: parseFault(spec), seen: 0 };
      if (this.#specs.size >= maximumSpecs) this.#specs.clear();
      this.#specs.set(spec, entry);
    }
    entry.seen += 1;
    const { times } = entry.fault;
    return times === undefined || entry.seen <= times ? entry.fault : undefined;
  }

  /** Forgets every count, so `times=n` starts over. */
  reset(): void {
    this.#specs.clear();
  }
}
