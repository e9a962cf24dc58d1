import { describe, expect, test } from 'vitest';
import { CHECKPOINT_FORMAT_VERSION, ITEMS_PER_LINE, decodeCheckpoint, encodeCheckpoint } from '../../engine/checkpoint/codec.ts';
import { crc32 } from '../../engine/checkpoint/crc32.ts';
import { CheckpointEncodeError, CorruptCheckpointError } from '../../engine/checkpoint/errors.ts';
import type { Checkpoint } from '../../engine/checkpoint/CheckpointStore.ts';

const roundTrip = (checkpoint: Checkpoint) => decodeCheckpoint(encodeCheckpoint(checkpoint), 'test');
const roundTripValue = (value: unknown) => roundTrip({ time: 1000, metadata: {}, data: { op: { value } } }).data.op as { value: unknown };
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function sample(): Checkpoint {
  return {
    time: 12_000,
    createdAt: 1_700_000_000_123,
    metadata: { batchInterval: 1000, graph: { outputs: ['print'] }, pending: [13_000, 14_000] },
    data: {
      wordCounts: [['a', 1], ['b', 2], ['c', 3]],
      sessions: [[7, { start: new Date(5), pages: new Set(['/', '/x']), bytes: 10n ** 30n }]],
      nothing: [],
      config: { alpha: 0.5 },
    },
  };
}

describe('CRC-32', () => {
  test('is the IEEE CRC-32 (check value of "123456789")', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  test('continues across pieces', () => {
    const all = new TextEncoder().encode('hello, checkpoint');
    expect(crc32(all.subarray(7), crc32(all.subarray(0, 7)))).toBe(crc32(all));
  });
});

describe('codec round trip', () => {
  test.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['booleans', [true, false]],
    ['strings, with unicode and newlines', ['', 'héllo', '𝄞 clef', 'a\nb\r\n', '\u0000', '"quoted"']],
    ['numbers', [0, 1, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, -Number.MAX_VALUE]],
    ['NaN and infinities', [NaN, Infinity, -Infinity]],
    ['bigint', [0n, -1n, 2n ** 64n, -(10n ** 40n)]],
    ['Date, and an invalid Date', [new Date(0), new Date(1_700_000_000_123), new Date(NaN)]],
    ['RegExp', [/a+b/gi, /^\d{3}$/u]],
    ['Map with any keys, in order', new Map<unknown, unknown>([['z', 1], [1, 'one'], [[1, 2], new Set([3])], [undefined, null]])],
    ['Set, in order', new Set(['b', 'a', 3, undefined])],
    ['nested arrays and objects', { a: [[1, [2, [3, { b: [undefined, NaN] }]]]], c: { d: { e: {} } } }],
    ['undefined in arrays and as property values', { list: [1, undefined, 3], prop: undefined }],
    ['an object with the tag key of its own', { '~': 'u', v: 1, nested: { '~': { '~': 'n' } } }],
    ['an object with an own __proto__ key', JSON.parse('{"__proto__": {"x": 1}, "y": 2}')],
    ['empty containers', [[], {}, new Map(), new Set(), '']],
    ['ArrayBuffer', new Uint8Array([1, 2, 255]).buffer],
  ])('%s', (_, value) => {
    expect(roundTripValue(value)).toEqual({ value });
  });

  test('-0 stays -0, also as a Map key and in a Set', () => {
    const { value } = roundTripValue([-0, 0, new Map([[-0, -0]])]) as { value: [number, number, Map<number, number>] };
    expect(Object.is(value[0], -0)).toBe(true);
    expect(Object.is(value[1], 0)).toBe(true);
    expect(Object.is([...value[2].values()][0], -0)).toBe(true);
  });

  test('undefined keeps its key in objects and its slot in arrays; holes become undefined', () => {
    const { value } = roundTripValue({ a: undefined, list: [undefined, , 1] }) as { value: { a: unknown; list: unknown[] } };
    expect(Object.keys(value)).toEqual(['a', 'list']);
    expect(value.list).toHaveLength(3);
    expect(1 in value.list).toBe(true);
  });

  test('an own __proto__ key stays an own property and never becomes the prototype', () => {
    const source = JSON.parse('{"__proto__": {"polluted": true}}');
    const { value } = roundTripValue(source) as { value: Record<string, unknown> };
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  test.each([
    new Int8Array([-128, 0, 127]),
    new Uint8Array([0, 255]),
    new Uint8ClampedArray([0, 200, 255]),
    new Int16Array([-32768, 32767]),
    new Uint16Array([65535]),
    new Int32Array([-(2 ** 31), 2 ** 31 - 1]),
    new Uint32Array([2 ** 32 - 1]),
    new Float32Array([1.5, NaN, -Infinity, -0]),
    new Float64Array([Math.PI, NaN, -0, Number.MIN_VALUE]),
    new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
    new BigUint64Array([2n ** 64n - 1n]),
  ])('typed array %o keeps its type and bits', (array) => {
    const { value } = roundTripValue(array) as { value: ArrayBufferView };
    expect(value.constructor).toBe(array.constructor);
    expect(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)).toEqual(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  });

  test('a typed array that views part of a larger buffer keeps only its own elements', () => {
    const big = new Float64Array([1, 2, 3, 4, 5]);
    const { value } = roundTripValue(big.subarray(1, 3)) as { value: Float64Array };
    expect([...value]).toEqual([2, 3]);
    expect(value.buffer.byteLength).toBe(16);
  });

  test('DataView', () => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, -1.25);
    const { value } = roundTripValue(view) as { value: DataView };
    expect(value).toBeInstanceOf(DataView);
    expect(value.getFloat64(0)).toBe(-1.25);
  });

  test('the whole checkpoint: time, createdAt, metadata, every operator in order', () => {
    const checkpoint = sample();
    const back = roundTrip(checkpoint);
    expect(back).toEqual(checkpoint);
    expect(Object.keys(back.data)).toEqual(['wordCounts', 'sessions', 'nothing', 'config']);
  });

  test('createdAt is absent when it was absent', () => {
    const back = roundTrip({ time: 0, metadata: {}, data: {} });
    expect(back).toStrictEqual({ time: 0, metadata: {}, data: {} });
  });

  test(`a large state spans many lines (${ITEMS_PER_LINE} elements each) and comes back whole, in order`, () => {
    const pairs = Array.from({ length: ITEMS_PER_LINE * 2 + 17 }, (_, i) => [`key-${i}`, { count: i, last: i % 3 === 0 ? undefined : -0 }]);
    const bytes = encodeCheckpoint({ time: 5, metadata: {}, data: { big: pairs, small: [[1, 1]] } });
    expect(text(bytes).split('\n').length - 1).toBe(1 + 1 + 3 + 1); // header, head, 3 chunks, small
    const back = decodeCheckpoint(bytes, 'test');
    expect(back.data.big).toEqual(pairs);
    expect(back.data.small).toEqual([[1, 1]]);
  });

  test('encoding is deterministic: the same checkpoint gives the same bytes', () => {
    expect(encodeCheckpoint(sample())).toEqual(encodeCheckpoint(sample()));
  });

  test('the header is one readable line: magic, version, payload length, CRC-32', () => {
    const bytes = encodeCheckpoint(sample());
    const header = text(bytes).split('\n')[0]!;
    expect(header).toMatch(new RegExp(`^RVCK ${CHECKPOINT_FORMAT_VERSION} \\d+ [0-9a-f]{8}$`));
    const [, , length, crc] = header.split(' ');
    const payload = bytes.subarray(header.length + 1);
    expect(payload.length).toBe(Number(length));
    expect(crc32(payload).toString(16).padStart(8, '0')).toBe(crc);
    expect(JSON.parse(text(payload).split('\n')[0]!)).toMatchObject({ time: 12_000, metadata: { batchInterval: 1000 } });
  });

  test('the encoded bytes own their whole buffer', () => {
    const bytes = encodeCheckpoint(sample());
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });
});

describe('codec refuses what it cannot restore, saying where', () => {
  const write = (data: Record<string, unknown>, metadata: Record<string, unknown> = {}) => () => encodeCheckpoint({ time: 3000, metadata, data });

  test.each<[string, () => unknown, RegExp]>([
    ['a function in a pair', write({ counts: [['a', 1], ['b', { onChange: () => 1 }]] }), /time 3000: checkpoint\.data\.counts\[1\]\[1\]\.onChange is a function\./],
    ['a symbol in metadata', write({}, { id: Symbol('x') }), /checkpoint\.metadata\.id is a symbol/],
    ['a class instance', write({ s: [[1, new (class Session {})()]] }), /checkpoint\.data\.s\[0\]\[1\] is a Session, whose class would be lost on recovery/],
    ['a value in a Map', write({ m: new Map([['k', () => 0]]) }), /checkpoint\.data\.m\.get\("k"\) is a function/],
    ['an odd operator id', write({ 'my op': [[1, Symbol()]] }), /checkpoint\.data\["my op"\]\[0\]\[1\] is a symbol/],
    ['a WeakMap', write({ w: new WeakMap() }), /checkpoint\.data\.w is a WeakMap/],
  ])('%s', (_, run, message) => {
    expect(run).toThrow(CheckpointEncodeError);
    expect(run).toThrow(message);
  });

  test('a cycle names where it closes and what it returns to', () => {
    const node: Record<string, unknown> = { name: 'root', children: [] };
    (node.children as unknown[]).push({ parent: node });
    expect(write({ tree: [['k', node]] })).toThrow(/checkpoint\.data\.tree\[0\]\[1\]\.children\[0\]\.parent refers back to one of its own containers \(a cycle\): it is checkpoint\.data\.tree\[0\]\[1\] again/);
  });

  test('a shared (not cyclic) object is written twice and restored as two equal copies', () => {
    const shared = { n: 1 };
    const back = roundTrip({ time: 1, metadata: {}, data: { op: [shared, shared] } }).data.op as object[];
    expect(back[0]).toEqual(shared);
    expect(back[0]).not.toBe(back[1]);
  });

  test.each([-1, 1.5, NaN, '1000', undefined])('a time of %o is refused', (time) => {
    expect(() => encodeCheckpoint({ time, metadata: {}, data: {} } as unknown as Checkpoint)).toThrow(/a checkpoint time must be a batch time in ms \(a non-negative integer\)/);
  });

  test('metadata and data must be plain objects', () => {
    expect(() => encodeCheckpoint({ time: 1, metadata: [], data: {} } as unknown as Checkpoint)).toThrow(/checkpoint\.metadata must be a plain object/);
    expect(() => encodeCheckpoint({ time: 1, metadata: {}, data: new Map() } as unknown as Checkpoint)).toThrow(/checkpoint\.data must be a plain object/);
  });
});

describe('codec detects damage', () => {
  const bytes = encodeCheckpoint(sample());
  const decode = (b: Uint8Array) => () => decodeCheckpoint(b, '/ckpt/checkpoint-12000.rvck', 12_000);
  const damaged = (f: (copy: Uint8Array) => Uint8Array | void) => {
    const copy = bytes.slice();
    return f(copy) ?? copy;
  };
  const headerLength = text(bytes).indexOf('\n') + 1;

  test('a flipped byte in the payload: checksum mismatch, naming the checkpoint', () => {
    const run = decode(damaged((b) => void (b[headerLength + 40]! ^= 0x04)));
    expect(run).toThrow(CorruptCheckpointError);
    expect(run).toThrow(/^Checkpoint \/ckpt\/checkpoint-12000\.rvck is corrupt: checksum mismatch: its header says CRC-32 [0-9a-f]{8}, its payload's is [0-9a-f]{8}/);
  });

  test('every single flipped bit anywhere in the file is detected', () => {
    let undetected = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x10, 0x80]) {
        const copy = bytes.slice();
        copy[i]! ^= bit;
        try {
          decodeCheckpoint(copy, 'x');
          undetected++;
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptCheckpointError);
        }
      }
    }
    expect(undetected).toBe(0);
  });

  test('every truncation is detected', () => {
    for (let n = 0; n < bytes.length; n++) {
      expect(decode(bytes.subarray(0, n))).toThrow(CorruptCheckpointError);
    }
    expect(decode(bytes.subarray(0, 0))).toThrow(/is corrupt: it is empty \(0 bytes\)/);
    expect(decode(bytes.subarray(0, 10))).toThrow(/is corrupt: it is truncated inside its header \(10 bytes in all\)/);
    expect(decode(bytes.subarray(0, bytes.length - 1))).toThrow(/is corrupt: it is truncated: its header announces \d+ payload bytes, only \d+ are there/);
  });

  test('bytes appended after the payload', () => {
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(decode(longer)).toThrow(/is corrupt: it has 3 unexpected bytes after the \d+ payload bytes its header announces/);
  });

  test('not a checkpoint at all', () => {
    expect(decode(new TextEncoder().encode('{"time": 12000}'))).toThrow(/is corrupt: it does not start with "RVCK", so it is not a Rivulet checkpoint \(it starts with "\{\\"time\\": 12000\}"\)/);
  });

  test('a newer format version says so', () => {
    const newer = damaged((b) => void (b[5] = '2'.charCodeAt(0)));
    expect(decode(newer)).toThrow(/is corrupt: it is in format version 2, newer than this Rivulet reads \(1\)/);
  });

  test('a damaged header', () => {
    expect(decode(damaged((b) => void (b[6] = 'x'.charCodeAt(0))))).toThrow(/is corrupt: its header is damaged: "RVCK 1x/);
  });

  test('a checkpoint filed under another time', () => {
    expect(() => decodeCheckpoint(bytes, 'checkpoint-13000.rvck', 13_000)).toThrow(/checkpoint-13000\.rvck is corrupt: it holds the checkpoint of time 12000, not of time 13000 as filed/);
  });

  test('a payload with a valid checksum but broken content (a faulty writer)', () => {
    const payload = new TextEncoder().encode('{"time":1,"metadata":{}}\n{"op":"x","items":[{"~":"zz"}]}\n');
    const header = `RVCK 1 ${payload.length} ${crc32(payload).toString(16).padStart(8, '0')}\n`;
    const forged = new Uint8Array([...new TextEncoder().encode(header), ...payload]);
    expect(decode(forged)).toThrow(/is corrupt: its payload is malformed although its checksum matches \(a faulty writer\?\): unknown type tag "zz"/);
  });
});

describe('CRC-32 against the byte-at-a-time definition', () => {
  const reference = (bytes: Uint8Array) => {
    let c = ~0;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return ~c >>> 0;
  };
  test('for every length from 0 to 40 and every split point', () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * 73 + 11) & 0xff);
    for (let n = 0; n <= bytes.length; n++) {
      const piece = bytes.subarray(0, n);
      expect(crc32(piece)).toBe(reference(piece));
      for (let s = 0; s <= n; s++) expect(crc32(piece.subarray(s), crc32(piece.subarray(0, s)))).toBe(reference(piece));
    }
  });
});
