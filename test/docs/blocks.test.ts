import { describe, expect, it } from 'vitest';
import { blocksOf } from './blocks.ts';

const md = [
  '# Doc', // 1
  '', // 2
  '```ts', // 3
  "console.log('a');", // 4
  '```', // 5
  '', // 6
  '```text', // 7
  'a', // 8
  '', // 9
  '```', // 10
  '', // 11
  '```ts no-run', // 12
  'await fetch(url);', // 13
  '```', // 14
  'Prose between.', // 15
  '```text', // 16
  'not the output of the block above', // 17
  '```', // 18
  '````typescript', // 19
  '```', // 20
  '````', // 21
  '```scala', // 22
  'val x = 1', // 23
  '```', // 24
].join('\n');

describe('blocksOf', () => {
  const blocks = blocksOf('docs/x.md', md);

  it('finds ts and typescript blocks with their fence line, numbered per doc', () => {
    expect(blocks.map((b) => [b.line, b.index])).toEqual([[3, 1], [12, 2], [19, 3]]);
    expect(blocks[0]!.code).toBe("console.log('a');\n");
    expect(blocks[2]!.code).toBe('```\n'); // a longer fence may hold a shorter one
  });

  it('takes the text block right after a ts block (blank lines only between) as its output, exactly', () => {
    expect(blocks[0]!.expected).toEqual({ text: 'a\n\n', fromLine: 7, toLine: 9 });
    expect(blocks[1]!.expected).toBeUndefined();
  });

  it('marks `ts no-run` blocks and refuses unknown flags', () => {
    expect(blocks.map((b) => b.run)).toEqual([true, false, true]);
    expect(() => blocksOf('docs/y.md', '```ts norun\n```\n')).toThrow(/docs\/y\.md:1: unknown fence flag/);
  });

  it('gives an empty text block an empty expected output', () => {
    expect(blocksOf('d.md', '```ts\nx\n```\n```text\n```\n')[0]!.expected!.text).toBe('');
  });
});
