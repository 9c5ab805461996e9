import type { ContentScanner } from './content-scanner.js';
import { clusterStart, maskRanges } from './mask-ranges.js';

/** What to do with a match in an answer. */
export type AnswerAction = 'mask' | 'stop';

/** The text that may go out now, and whether the answer must stop after it. */
export interface FilteredPiece {
  text: string;
  stopped: boolean;
  matched: string[];
}

/**
 * Filters one growing text (the content of one choice of a streamed answer) piece by piece.
 * It holds back only the tail that could still become a match (the automaton's depth, or a
 * rule's length), so a word split across chunks, events or UTF-8 boundaries is still caught
 * while the rest flows on at once.
 *
 * @example
 * const filter = new TextStreamFilter(scanner, 'mask');
 * filter.push('this is bad', false).text; // 'this is ' ('bad' may be the start of 'badword')
 * filter.push('word!', true).text;        // '*******!'
 */
export class TextStreamFilter {
  private held = '';
  /** Characters at the start of `held` already known to be inside a match. */
  private maskedPrefix = 0;

  constructor(
    private readonly scanner: ContentScanner,
    private readonly action: AnswerAction,
  ) {}

  /** True when text is held back (it goes out with the next piece or with `final`). */
  get holding(): boolean {
    return this.held.length > 0;
  }

  push(piece: string, final: boolean): FilteredPiece {
    const text = this.held.length === 0 ? piece : this.held + piece;
    const { ranges, safeEnd, matched } = this.scanner.scan(text, final);
    if (ranges.length > 0 && this.action === 'stop') {
      this.held = '';
      return { text: text.slice(0, ranges[0] as number), stopped: true, matched };
    }
    let masks = ranges;
    if (this.maskedPrefix > 0) masks = mergePrefix(this.maskedPrefix, ranges);
    this.maskedPrefix = 0;
    let release = safeEnd;
    // A match that straddles the release point is masked on both sides of it, cut between two
    // characters the reader sees (not inside `é` or an emoji), so the stars add up.
    for (let index = 0; index < masks.length; index += 2) {
      const start = masks[index] as number;
      const end = masks[index + 1] as number;
      if (start <= safeEnd && end > safeEnd) {
        release = clusterStart(text, start, end, safeEnd);
        this.maskedPrefix = end - release;
      }
    }
    this.held = release === text.length ? '' : text.slice(release);
    return { text: maskRanges(text, masks, release), stopped: false, matched };
  }
}

function mergePrefix(prefixEnd: number, ranges: readonly number[]): number[] {
  const merged = [0, prefixEnd];
  for (let index = 0; index < ranges.length; index += 2) {
    const start = ranges[index] as number;
    const end = ranges[index + 1] as number;
    if (start <= (merged[merged.length - 1] as number)) {
      merged[merged.length - 1] = Math.max(merged[merged.length - 1] as number, end);
    } else merged.push(start, end);
  }
  return merged;
}
