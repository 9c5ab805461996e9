import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildAutomaton, step } from './aho-corasick.js';
import { createContentScanner } from './content-scanner.js';
import { foldText } from './fold.js';
import { maskRanges } from './mask-ranges.js';
import { TextStreamFilter } from './text-stream-filter.js';
import { readWordLists } from './word-lists.js';

const sampleList = fileURLToPath(new URL('./fixtures/sample-words.txt', import.meta.url));
const scanner = createContentScanner({ words: readWordLists([sampleList]), rules: [] });
const masked = (text: string) => maskRanges(text, scanner.scan(text, true).ranges);

describe('word lists', () => {
  it('reads one entry a line and skips blanks and comments', () => {
    const words = readWordLists([sampleList]);
    assert.ok(words.includes('违禁词'));
    assert.ok(words.includes('forbidden phrase'));
    assert.ok(!words.some((word) => word.startsWith('#') || word === ''));
    assert.equal(scanner.wordCount, words.length);
  });
  it('names the field of a list it cannot read', () => {
    assert.throws(() => readWordLists(['missing-list.txt']), /contentFilter\.wordLists\.0/);
  });
});

describe('folding', () => {
  it('folds case, full-width forms and invisible characters', () => {
    assert.equal(foldText('ＢＡＤ\u200bWord'), 'badword');
    assert.equal(foldText('違\u00ad禁'), '違禁');
    assert.equal(foldText('𝐛𝐚𝐝'), 'bad');
  });
});

describe('Aho-Corasick automaton', () => {
  it('finds every occurrence of overlapping patterns in one pass', () => {
    const automaton = buildAutomaton(['he', 'she', 'his', 'hers']);
    const ends: Array<[number, number]> = [];
    let state = 0;
    const text = 'ushers';
    for (let index = 0; index < text.length; index++) {
      state = step(automaton, state, automaton.symbolOf[text.charCodeAt(index)] as number);
      const length = automaton.matchLength[state] as number;
      if (length > 0) ends.push([index, length]);
    }
    assert.deepEqual(ends, [
      [3, 3],
      [5, 4],
    ]);
  });
});

describe('createContentScanner', () => {
  it('masks Chinese and English words, one * per character', () => {
    assert.equal(masked('这里有违禁词。'), '这里有***。');
    assert.equal(masked('a forbidden phrase here'), 'a **************** here');
    assert.equal(masked('nothing to see'), 'nothing to see');
  });
  it('catches full-width, upper-case and zero-width disguises and masks the characters the reader sees', () => {
    assert.equal(masked('ＢＡＤ\u200bWORD!'), '*******!');
    assert.equal(masked('违\u200b禁\u200d词'), '***');
    assert.equal(masked('😀badword😀'), '😀*******😀');
  });
  it('merges overlapping matches', () => {
    const overlapping = createContentScanner({ words: ['abc', 'bcd'], rules: [] });
    assert.deepEqual(overlapping.scan('xabcdx', true).ranges, [1, 5]);
  });
  it('applies regex rules to the folded text', () => {
    const withRules = createContentScanner({
      words: [],
      rules: [{ name: 'cn-mobile', pattern: '1[3-9]\\d{9}', flags: 'u', maxLength: 11 }],
    });
    const result = withRules.scan('call １３８12345678 now', true);
    assert.deepEqual(result.matched, ['cn-mobile']);
    assert.equal(maskRanges('call １３８12345678 now', result.ranges), 'call *********** now');
  });
  it('holds back only the tail that could still become a match', () => {
    assert.equal(scanner.scan('hello there', false).safeEnd, 'hello there'.length);
    assert.equal(scanner.scan('this is bad', false).safeEnd, 'this is '.length);
    assert.equal(scanner.scan('说违禁', false).safeEnd, 1);
    assert.equal(scanner.scan('this is bad', true).safeEnd, 'this is bad'.length);
  });
});

describe('TextStreamFilter', () => {
  it('releases text as soon as it cannot be part of a match', () => {
    const filter = new TextStreamFilter(scanner, 'mask');
    assert.equal(filter.push('hello ', false).text, 'hello ');
    assert.equal(filter.push('this is bad', false).text, 'this is ');
    assert.equal(filter.push('word', false).text, '*******');
    assert.equal(filter.push(' ok', true).text, ' ok');
  });
  it('masks a match that straddles the release point on both sides', () => {
    const straddle = createContentScanner({ words: ['xab', 'bcd'], rules: [] });
    const filter = new TextStreamFilter(straddle, 'mask');
    const first = filter.push('xabc', false);
    const second = filter.push('z', true);
    assert.equal(first.text + second.text, '***cz');
  });
  it('stops at the first match and releases only the text before it', () => {
    const filter = new TextStreamFilter(scanner, 'stop');
    assert.deepEqual(filter.push('fine, then 违禁', false), {
      text: 'fine, then ',
      stopped: false,
      matched: [],
    });
    const piece = filter.push('词 and more', false);
    assert.equal(piece.stopped, true);
    assert.equal(piece.text, '');
  });
});
