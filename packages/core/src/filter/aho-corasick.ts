/**
 * An Aho-Corasick automaton over UTF-16 code units, flattened into typed arrays once at build
 * time: a scan step is a few array reads, with no allocation. Code units that occur in no
 * pattern map to symbol 0 and send the automaton straight back to the root.
 */
export interface Automaton {
  /** Symbol of each code unit (0: in no pattern). */
  readonly symbolOf: Uint16Array;
  /** The root's transitions by symbol (dense: the root is where most steps start). */
  readonly rootNext: Int32Array;
  /** Edges of state `s` are `edgeSymbol/edgeTarget[edgeStart[s] .. edgeStart[s + 1])`. */
  readonly edgeStart: Int32Array;
  readonly edgeSymbol: Uint16Array;
  readonly edgeTarget: Int32Array;
  readonly fail: Int32Array;
  /** Length of the state's string. */
  readonly depth: Int32Array;
  /**
   * How much text a stream must hold back in this state: the depth of the longest suffix state
   * (this one or along its failure links) that a longer pattern continues. A complete word that
   * nothing extends is released at once, masked.
   */
  readonly holdDepth: Int32Array;
  /** Length of the longest pattern ending in this state (0: none). */
  readonly matchLength: Int32Array;
  readonly maxPatternLength: number;
  readonly patternCount: number;
}

/**
 * Builds the automaton for patterns that are already folded (see `foldText`). Empty patterns
 * are ignored; duplicates count once.
 *
 * @example
 * const automaton = buildAutomaton(['badword', '违禁词']);
 */
export function buildAutomaton(patterns: Iterable<string>): Automaton {
  const symbolOf = new Uint16Array(0x10000);
  let symbols = 1;
  const children: Array<Map<number, number>> = [new Map()];
  const ownLength: number[] = [0];
  const depths: number[] = [0];
  let maxPatternLength = 0;
  let patternCount = 0;

  for (const pattern of patterns) {
    if (pattern.length === 0) continue;
    let state = 0;
    for (let index = 0; index < pattern.length; index++) {
      const unit = pattern.charCodeAt(index);
      let symbol = symbolOf[unit] as number;
      if (symbol === 0) {
        if (symbols === 0xffff) throw new Error('too many distinct characters in the word lists');
        symbol = symbols++;
        symbolOf[unit] = symbol;
      }
      const map = children[state] as Map<number, number>;
      let next = map.get(symbol);
      if (next === undefined) {
        next = children.length;
        map.set(symbol, next);
        children.push(new Map());
        ownLength.push(0);
        depths.push(index + 1);
      }
      state = next;
    }
    if (ownLength[state] === 0) patternCount++;
    ownLength[state] = pattern.length;
    maxPatternLength = Math.max(maxPatternLength, pattern.length);
  }

  const states = children.length;
  const fail = new Int32Array(states);
  const matchLength = new Int32Array(states);
  const rootNext = new Int32Array(symbols);
  for (const [symbol, child] of children[0] as Map<number, number>) rootNext[symbol] = child;

  // Breadth first, so a state's failure target is complete before the state itself.
  const holdDepth = new Int32Array(states);
  const extended = (state: number) => (children[state] as Map<number, number>).size > 0;
  const queue: number[] = [...(children[0] as Map<number, number>).values()];
  for (const state of queue) {
    matchLength[state] = ownLength[state] as number;
    holdDepth[state] = extended(state) ? 1 : 0;
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] as number;
    for (const [symbol, child] of children[state] as Map<number, number>) {
      let target = fail[state] as number;
      while (target !== 0 && !(children[target] as Map<number, number>).has(symbol))
        target = fail[target] as number;
      const candidate = (children[target] as Map<number, number>).get(symbol);
      fail[child] = candidate !== undefined && candidate !== child ? candidate : 0;
      matchLength[child] = Math.max(ownLength[child] as number, matchLength[fail[child] as number] as number);
      holdDepth[child] = extended(child)
        ? (depths[child] as number)
        : (holdDepth[fail[child] as number] as number);
      queue.push(child);
    }
  }

  const edgeStart = new Int32Array(states + 1);
  let edges = 0;
  for (let state = 0; state < states; state++) {
    edgeStart[state] = edges;
    if (state !== 0) edges += (children[state] as Map<number, number>).size;
  }
  edgeStart[states] = edges;
  const edgeSymbol = new Uint16Array(edges);
  const edgeTarget = new Int32Array(edges);
  for (let state = 1; state < states; state++) {
    let edge = edgeStart[state] as number;
    for (const [symbol, child] of children[state] as Map<number, number>) {
      edgeSymbol[edge] = symbol;
      edgeTarget[edge++] = child;
    }
  }

  return {
    symbolOf,
    rootNext,
    edgeStart,
    edgeSymbol,
    edgeTarget,
    fail,
    depth: Int32Array.from(depths),
    holdDepth,
    matchLength,
    maxPatternLength,
    patternCount,
  };
}

/** The state after reading `symbol` in `state`. Inlined by hand in the scanner's hot loop. */
export function step(automaton: Automaton, state: number, symbol: number): number {
  if (symbol === 0) return 0;
  const { rootNext, edgeStart, edgeSymbol, edgeTarget, fail } = automaton;
  for (;;) {
    if (state === 0) return rootNext[symbol] as number;
    const end = edgeStart[state + 1] as number;
    for (let edge = edgeStart[state] as number; edge < end; edge++) {
      if (edgeSymbol[edge] === symbol) return edgeTarget[edge] as number;
    }
    state = fail[state] as number;
  }
}
