import { describe, expect, test } from 'vitest';
import { LineDecoder, decodeLines } from '../../engine/sources/lines.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('LineDecoder', () => {
  test.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\nb', ['a', 'b']],
    ['a\r\nb\r\n', ['a', 'b']],
    ['a\rb\r', ['a', 'b']],
    ['a\n\nb\n', ['a', '', 'b']],
    ['a\r\n\r\nb', ['a', '', 'b']],
    ['a\n\r\nb', ['a', '', 'b']],
    ['\n', ['']],
    ['\r\n', ['']],
    ['\r\r', ['', '']],
    ['€uro ✓ 𝄞\nnext', ['€uro ✓ 𝄞', 'next']],
  ])('%j gives %j however the bytes are cut', (text, expected) => {
    const all = bytes(text);
    expect(decodeLines(all)).toEqual(expected);
    // every place one cut can fall (inside a multi-byte character, between \r and \n, …)
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new LineDecoder();
      const lines = [...d.write(all.subarray(0, cut)), ...d.write(all.subarray(cut)), ...d.end()];
      expect(lines, `cut at byte ${cut}`).toEqual(expected);
    }
    // one byte at a time
    const d = new LineDecoder();
    const lines: string[] = [];
    for (let i = 0; i < all.length; i++) lines.push(...d.write(all.subarray(i, i + 1)));
    lines.push(...d.end());
    expect(lines).toEqual(expected);
  });

  test('a line is returned as soon as its terminator arrives', () => {
    const d = new LineDecoder();
    expect(d.write(bytes('one\ntw'))).toEqual(['one']);
    expect(d.write(bytes('o\r'))).toEqual(['two']);
    expect(d.write(bytes('\nthree'))).toEqual([]);
    expect(d.end()).toEqual(['three']);
  });

  test('a byte-order mark is dropped; other encodings by label', () => {
    expect(decodeLines(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x0a]))).toEqual(['a']);
    expect(decodeLines(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]), 'latin1')).toEqual(['café']);
  });
});
