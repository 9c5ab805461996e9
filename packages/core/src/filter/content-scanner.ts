import { type Automaton, buildAutomaton } from './aho-corasick.js';
import { foldedUnits, foldMany, foldTable, foldText, foldUncomputed, foldUnit } from './fold.js';

/** Offset buffers larger than this many units are released after the scan that needed them. */
const retainedUnits = 1 << 16;

/** A regular-expression rule, compiled. */
export interface ContentRule {
  name: string;
  pattern: string;
  flags: string;
  /** Longest text the rule can match, in characters (what a stream holds back for it). */
  maxLength: number;
}

/** What a scan found, in UTF-16 offsets of the original (unfolded) text. */
export interface ScanResult {
  /** Matched ranges as `[start, end, start, end, ...]`, sorted and merged. */
  ranges: number[];
  /**
   * Text before this offset can be released: no pattern can match across it whatever comes
   * next. Equal to the text's length when the scan is final.
   */
  safeEnd: number;
  /** Names of the regex rules that matched, and `words` when a word matched (for logs). */
  matched: string[];
}

export interface ContentScanner {
  /** Scans `text`; `final` says no more text follows (the end of a message or stream). */
  scan(text: string, final: boolean): ScanResult;
  readonly wordCount: number;
  /** Characters a stream may hold back at most (longest word or rule minus one). */
  readonly maxHold: number;
}

/**
 * Builds a scanner over word lists (Aho-Corasick, one pass whatever the number of words) and
 * regex rules, both matched against folded text (see `fold.ts`) and reported as ranges of the
 * original text, so masking (`maskRanges`) replaces exactly the characters the reader sees.
 *
 * @example
 * const scanner = createContentScanner({ words: ['badword', '违禁词'], rules: [] });
 * scanner.scan('a ＢＡＤ\u200bword here', true).ranges; // [2, 12]
 */
export function createContentScanner(source: {
  words: Iterable<string>;
  rules: readonly ContentRule[];
}): ContentScanner {
  const folded = new Set<string>();
  for (const word of source.words) {
    const form = foldText(word.trim());
    if (form.length > 0) folded.add(form);
  }
  const automaton: Automaton = buildAutomaton(folded);
  const rules = source.rules.map((rule) => ({
    name: rule.name,
    regex: new RegExp(rule.pattern, rule.flags.includes('g') ? rule.flags : `${rule.flags}g`),
    maxLength: rule.maxLength,
  }));
  const ruleHold = rules.reduce((longest, rule) => Math.max(longest, rule.maxLength - 1), 0);
  const { symbolOf, rootNext, edgeStart, edgeSymbol, edgeTarget, fail, holdDepth, matchLength } = automaton;

  // Reused between scans (one scanner serves one gateway; scans are synchronous).
  let starts = new Int32Array(1024);
  let ends = new Int32Array(1024);
  let units = new Uint16Array(rules.length > 0 ? 1024 : 0);
  const grow = (needed: number) => {
    const size = Math.max(needed, starts.length * 2);
    const nextStarts = new Int32Array(size);
    nextStarts.set(starts);
    starts = nextStarts;
    const nextEnds = new Int32Array(size);
    nextEnds.set(ends);
    ends = nextEnds;
    if (rules.length > 0) {
      const nextUnits = new Uint16Array(size);
      nextUnits.set(units);
      units = nextUnits;
    }
  };

  const shrink = () => {
    starts = new Int32Array(1024);
    ends = new Int32Array(1024);
    units = new Uint16Array(rules.length > 0 ? 1024 : 0);
  };

  const scan = (text: string, final: boolean): ScanResult => {
    const found: number[] = [];
    const matched: string[] = [];
    let count = 0;
    let state = 0;
    const length = text.length;
    if (starts.length < length + 16) grow(length + 16);

    const keepUnits = rules.length > 0;
    for (let index = 0; index < length; ) {
      const code = text.charCodeAt(index);
      let unit = code;
      let many: string | undefined;
      let width = 1;
      if (code >= 0x80) {
        if (code < 0xd800 || code > 0xdfff) {
          unit = foldTable[code] as number;
          if (unit === foldUncomputed) unit = foldUnit(code);
          if (unit < 0) {
            if (unit !== foldMany) {
              index++;
              continue;
            }
            many = foldedUnits(code);
          }
        } else {
          const codePoint = text.codePointAt(index) as number;
          width = codePoint > 0xffff ? 2 : 1;
          many = foldedUnits(codePoint);
        }
      } else if (code >= 0x41 && code <= 0x5a) {
        unit = code + 0x20;
      }
      const end = index + width;
      const unitCount = many === undefined ? 1 : many.length;
      if (count + unitCount > starts.length) grow(count + unitCount + 16);
      // Each folded code unit: record where it came from, then take one automaton step.
      for (let part = 0; part < unitCount; part++) {
        if (many !== undefined) unit = many.charCodeAt(part);
        starts[count] = index;
        if (keepUnits) {
          ends[count] = end;
          units[count] = unit;
        }
        count++;
        const symbol = symbolOf[unit] as number;
        if (symbol === 0) {
          state = 0;
          continue;
        }
        for (;;) {
          if (state === 0) {
            state = rootNext[symbol] as number;
            break;
          }
          const last = edgeStart[state + 1] as number;
          let next = -1;
          for (let edge = edgeStart[state] as number; edge < last; edge++) {
            if (edgeSymbol[edge] === symbol) {
              next = edgeTarget[edge] as number;
              break;
            }
          }
          if (next !== -1) {
            state = next;
            break;
          }
          state = fail[state] as number;
        }
        const matchedLength = matchLength[state] as number;
        if (matchedLength > 0) found.push(starts[count - matchedLength] as number, end);
      }
      index = end;
    }

    if (found.length > 0) matched.push('words');
    if (rules.length > 0 && count > 0) scanRules(count, found, matched);

    let hold = final ? 0 : Math.max(holdDepth[state] as number, Math.min(ruleHold, count));
    if (hold > count) hold = count;
    const safeEnd = hold === 0 ? length : (starts[count - hold] as number);
    // A huge body should not pin its offset buffers for the life of the gateway.
    if (starts.length > retainedUnits) shrink();
    return { ranges: merge(found), safeEnd, matched };
  };

  const scanRules = (count: number, found: number[], matched: string[]) => {
    let foldedText = '';
    for (let offset = 0; offset < count; offset += 4096) {
      foldedText += String.fromCharCode.apply(
        null,
        Array.from(units.subarray(offset, Math.min(count, offset + 4096))),
      );
    }
    for (const rule of rules) {
      const regex = rule.regex;
      regex.lastIndex = 0;
      let hit = false;
      for (let match = regex.exec(foldedText); match !== null; match = regex.exec(foldedText)) {
        const end = match.index + match[0].length;
        if (end === match.index) {
          regex.lastIndex++;
          continue;
        }
        found.push(starts[match.index] as number, ends[end - 1] as number);
        hit = true;
      }
      if (hit) matched.push(rule.name);
    }
  };

  return {
    scan,
    wordCount: automaton.patternCount,
    maxHold: Math.max(automaton.maxPatternLength - 1, ruleHold),
  };
}

/** Sorts `[start, end, ...]` pairs and merges overlapping or touching ones. */
function merge(found: number[]): number[] {
  if (found.length <= 2) return found;
  const pairs: Array<[number, number]> = [];
  for (let index = 0; index < found.length; index += 2)
    pairs.push([found[index] as number, found[index + 1] as number]);
  pairs.sort((left, right) => left[0] - right[0]);
  const merged: number[] = [];
  for (const [start, end] of pairs) {
    const last = merged.length - 1;
    if (last > 0 && start <= (merged[last] as number)) merged[last] = Math.max(merged[last] as number, end);
    else merged.push(start, end);
  }
  return merged;
}
