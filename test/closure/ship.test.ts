// Reads functions' source for workers (loaded with the first job on workers; here, directly).
import '../../engine/closure/sourceText.ts';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { createHash } from 'node:crypto';
import { ship, type ShippedFunction } from '../../engine/closure/ship.ts';
import { describeFunction } from '../../engine/rdd/descriptor.ts';
import { RDDContext, type RDD } from '../../engine/rdd/index.ts';
import { UserFunctionError } from '../../engine/util/errors.ts';
import { Definitions } from '../../engine/closure/definitions.ts';

const sc = new RDDContext({ defaultParallelism: 2 });
const words = () => sc.parallelize(['the', 'cat', 'a', 'hat'], 2);

// Module-level values and imports a function may use: it is called as it is, in local mode and
// (loaded with the pipeline) in workers.
const SEP = ' ';
const tokenize = (line: string) => line.split(SEP);

describe('functions use what they close over and import', () => {
  test('module-level values, locals and imported modules', async () => {
    const stop = new Set(['the', 'a']);
    const out = await words()
      .filter((w) => !stop.has(w))
      .map((w) => createHash('sha1').update(w).digest('hex').slice(0, 6) + SEP + tokenize('x y').length)
      .collect();
    expect(out).toEqual([
      createHash('sha1').update('cat').digest('hex').slice(0, 6) + ' 2',
      createHash('sha1').update('hat').digest('hex').slice(0, 6) + ' 2',
    ]);
  });

  test('a class instance is used as it is, methods and all', async () => {
    class Counter {
      n = 0;
      inc() {
        return ++this.n;
      }
    }
    const c = new Counter();
    expect(await sc.parallelize([1, 2, 3], 1).map(() => c.inc()).collect()).toEqual([1, 2, 3]);
  });
});

describe('errors', () => {
  test('a throw is a UserFunctionError naming the operation and where it was defined', async () => {
    const e = await words().map((w) => { if (w === 'a') throw new RangeError('short'); return w; }).collect().catch((x: Error) => x);
    expect(e).toBeInstanceOf(UserFunctionError);
    expect((e as Error).message).toMatch(/^map at ship\.test\.ts:\d+:\d+ threw RangeError: short$/);
    expect((e as Error).cause).toBeInstanceOf(RangeError);
  });

  test('a thrown non-Error is kept as the cause', async () => {
    const e = await words().filter(() => { throw 'no'; }).collect().catch((x: Error) => x);
    expect(e).toBeInstanceOf(UserFunctionError);
    expect((e as UserFunctionError).cause).toBe('no');
  });

  test('a non-function is a TypeError naming the operation', () => {
    expect(() => words().map(42 as never)).toThrow(/^map at ship\.test\.ts:\d+:\d+ expects a function, got number\.$/);
    expect(() => words().map(null as never)).toThrow(/expects a function, got null/);
    expect(() => words().filter([] as never)).toThrow(/filter at .* expects a function, got an array/);
  });
});

describe('function forms', () => {
  const obj = {
    double(x: number) { return x * 2; },
    async later(x: number) { return x; },
    *twice(x: number) { yield x; yield x; },
  };

  test('object method shorthand', async () => {
    expect(await sc.parallelize([1, 2], 1).map(obj.double).collect()).toEqual([2, 4]);
  });

  test('generator method shorthand', async () => {
    expect(await sc.parallelize([1, 2], 1).flatMap(obj.twice).collect()).toEqual([1, 1, 2, 2]);
  });

  test('async method shorthand: map refuses the promise it returns, naming the operation', async () => {
    await expect(sc.parallelize([5], 1).map(obj.later).collect()).rejects.toThrow(/map at ship\.test\.ts:\d+:\d+ returned a Promise \(is it an async function\?\)/);
  });

  test('bound and native functions', async () => {
    const prefix = { p: '>', add(this: { p: string }, w: string) { return this.p + w; } };
    expect(await sc.parallelize(['a'], 1).map(prefix.add.bind(prefix)).collect()).toEqual(['>a']);
    expect(await sc.parallelize(['1', '2'], 1).map(Number).collect()).toEqual([1, 2]);
  });

  test('exactly the arguments the engine passes arrive (rest parameters, arguments)', async () => {
    expect(await sc.parallelize([1, 2], 1).map((...args: unknown[]) => args.length).collect()).toEqual([1, 1]);
    expect(await sc.parallelize([1, 2, 3], 1).reduce(function (...args: number[]) { return args.length === 2 ? args[0]! + args[1]! : -1; })).toBe(6);
  });

  test('`this` is undefined in a user function, whatever the operation', async () => {
    const isUndefined = function (this: unknown) { return this === undefined; };
    const one = sc.parallelize([1], 1);
    expect(await one.map(isUndefined).collect()).toEqual([true]);
    expect(await one.mapPartitions(function (this: unknown) { return [this === undefined]; }).collect()).toEqual([true]);
    expect(await one.mapPartitionsWithIndex(function (this: unknown) { return [this === undefined]; }).collect()).toEqual([true]);
    expect(await one.keyBy((x: number) => x).flatMapValues(function (this: unknown) { return [this === undefined]; }).values().collect()).toEqual([true]);
    expect(await one.filter(isUndefined).count()).toBe(1);
  });
});

describe('how a function reaches a worker', () => {
  test('defined with the pipeline: by its place in the definitions', () => {
    const defs = new Definitions();
    const k = 3;
    const f = ship((x: number) => x * k, 'map', defs);
    const g = ship((x: number) => x + 1, 'filter', defs);
    expect([f.definedAt, g.definedAt]).toEqual([0, 1]);
    expect(defs.entries.map((e) => e.what)).toEqual(['function map', 'function filter']);
    expect(defs.functionAt(0)!(2)).toBe(6);
    const d = describeFunction(f, true);
    expect(typeof d !== 'string' && d.how).toEqual({ kind: 'defined', index: 0 });
  });

  test('after the definitions closed (batch time): no place', () => {
    const defs = new Definitions();
    defs.close();
    expect(ship((x: number) => x, 'map', defs).definedAt).toBeUndefined();
    expect(defs.entries).toEqual([]);
  });

  test.each([
    ['an arrow', (x: number) => x + 1, '(x) => x + 1'],
    ['a function expression', function (x: number) { return x * 2; }, 'function(x) {\n      return x * 2;\n    }'],
    ['a method shorthand', { m(x: number) { return x; } }.m, 'function (x) { return x; }'],
    ['a global built-in', Number, 'globalThis.Number'],
  ])('%s that uses nothing from its surroundings travels as its source text', (_name, fn, source) => {
    const d = describeFunction(ship(fn as (x: number) => number, 'map'), false);
    expect(typeof d !== 'string' && d.how.kind).toBe('source');
    expect(typeof d !== 'string' && d.how.kind === 'source' && d.how.source.replace(/\s+/g, ' ')).toBe(source.replace(/\s+/g, ' '));
  });

  test('a function that uses its surroundings, created at batch time, cannot reach a worker: the reason names what it uses', () => {
    const k = 3;
    const d = describeFunction(ship((x: number) => x * k + SEP.length, 'map'), false);
    expect(d).toMatch(/^map at ship\.test\.ts:\d+:\d+ uses (`k`, `SEP`|`SEP`, `k`) from its surroundings, and it was created after the pipeline was defined/);
  });

  test('a function defined with the pipeline, when the workers did not load it, says how to fix that', () => {
    const k = 3;
    const d = describeFunction(ship((x: number) => x * k, 'map', new Definitions()), false);
    expect(d).toMatch(/uses `k` from its surroundings, and the workers have not loaded the pipeline code \(name its module with the pipelineModule option/);
  });

  test('the engine\'s own functions travel by name, with the user functions they wrap', () => {
    const defs = new Definitions();
    const rdd = sc.parallelize([['a', 1]] as [string, number][]).foldByKey(0, ship((a: number, b: number) => a + b, 'foldByKey', defs));
    const params = rdd.describe();
    expect(params?.kind).toBe('shuffled');
    const agg = params!.params.aggregator as Record<string, { how: unknown }>;
    expect(agg.createCombiner!.how).toMatchObject({ kind: 'engine', name: 'zeroThen', args: { zero: 0, f: { how: { kind: 'source' } } } });
  });
});

describe('types', () => {
  test('transformations infer their result types from plain functions', () => {
    const nums = sc.parallelize([1, 2]);
    expectTypeOf(nums.map((x) => String(x))).toEqualTypeOf<RDD<string>>();
    expectTypeOf(nums.map((x) => [String(x), x] as [string, number]).reduceByKey((a, b) => a + b)).toEqualTypeOf<RDD<[string, number]>>();
    expectTypeOf(nums.flatMap((x) => [x, x])).toEqualTypeOf<RDD<number>>();
    expectTypeOf(ship((x: number) => x + 1, 'map')).toEqualTypeOf<ShippedFunction<(x: number) => number>>();
  });
});
