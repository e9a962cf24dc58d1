import { describe, expect, expectTypeOf, test } from 'vitest';
import { closure, ship, type Closure, type ShippedFunction } from '../../engine/closure/ship.ts';
import { RDDContext, type RDD } from '../../engine/rdd/index.ts';
import { NotShippableError, UserFunctionError } from '../../engine/util/errors.ts';

const sc = new RDDContext({ defaultParallelism: 2 });
const words = () => sc.parallelize(['the', 'cat', 'a', 'hat'], 2);

/** The error a definition throws; fails the test if it does not throw. */
function definitionError(define: () => unknown): Error {
  try {
    define();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the definition to throw');
}

// Module-level values a function might try to read.
const SEP = ' ';
const tokenize = (line: string) => line.split(SEP);
class Counter {
  n = 0;
  inc() { return ++this.n; }
}
// Names that only exist as captures, where the tests pass them.
declare const cfg: { list: Counter[] };
declare const tag: symbol;

describe('free variables', () => {
  test('a free variable is refused at definition, naming it and showing the capture to add', () => {
    const stop = new Set(['the', 'a']);
    const e = definitionError(() => words().filter((w: string) => !stop.has(w)));
    expect(e).toBeInstanceOf(NotShippableError);
    expect(e.message).toMatch(/^filter at ship\.test\.ts:\d+:\d+ uses `stop`, defined outside the function\./);
    expect(e.message).toContain('Declare it as a capture next to the function: filter(fn, { stop })');
    expect(e.message).toContain('Function: (w) => !stop.has(w)');
  });

  test('several free variables are all named; declared captures are kept in the fix', () => {
    const stop = new Set(['the']);
    const min = 2;
    const max = 3;
    const e = definitionError(() => words().filter((w: string) => !stop.has(w) && w.length >= min && w.length <= max, { stop }));
    expect(e.message).toMatch(/ uses `(min|max)`, `(min|max)`, defined outside the function/);
    expect(e.message).toMatch(/Declare them as captures next to the function: filter\(fn, \{ stop, (min, max|max, min) \}\)/);
  });

  test.each([
    ['a default parameter', () => words().map((w: string, sep = SEP) => w + sep)],
    ['typeof of an undeclared name', () => words().map(() => typeof tokenize)],
    ['a nested function', () => words().map((w: string) => [w].map((x) => x + SEP))],
    ['a method shorthand', () => words().map({ m(w: string) { return w + SEP; } }.m)],
  ])('found inside %s', (_name, define) => {
    expect(definitionError(define)).toBeInstanceOf(NotShippableError);
  });

  test('locals, parameters, destructuring and a named function expression are not free', async () => {
    const result = await sc
      .parallelize([[3, 'x']] as [number, string][], 1)
      .map(function fact([n, s]: [number, string]): string {
        const go = (k: number): number => (k <= 1 ? 1 : k * go(k - 1));
        let out = '';
        for (const ch of s.repeat(go(n))) out += ch;
        return `${out.length}:${fact.name}`;
      })
      .collect();
    expect(result).toEqual(['6:fact']);
  });

  test('a function whose source the check cannot read is refused at definition, saying what it could not read', () => {
    // An HTML-like comment: valid in a script, but not something the check's reader knows.
    const f = new Function('return (w) => { <!-- a comment from another age\n return w }')() as (w: string) => string;
    const e = definitionError(() => words().map(f));
    expect(e).toBeInstanceOf(NotShippableError);
    expect(e.message).toMatch(/^map at ship\.test\.ts:\d+:\d+: cannot read which variables this function uses: unexpected `<`\. Write that part of the function another way/);
    expect(e.message).toContain('Function: (w) => { <!--');
  });

  test('the free-variable check also runs for actions (which are async: the promise rejects)', async () => {
    const bias = 1;
    await expect(words().foreach(() => bias)).rejects.toThrow(NotShippableError);
    await expect(sc.parallelize([1]).reduce((a: number, b: number) => a + b + bias)).rejects.toThrow(/^reduce at ship\.test\.ts:\d+:\d+ uses `bias`/);
  });
});

describe('captures', () => {
  test('declared captures are in scope', async () => {
    const stop = new Set(['the', 'a']);
    expect(await words().filter((w: string) => !stop.has(w), { stop }).collect()).toEqual(['cat', 'hat']);
  });

  test('captures are cloned at definition: later changes to the original have no effect', async () => {
    const stop = new Set(['the']);
    const config = { suffix: '!' };
    const kept = words().filter((w: string) => !stop.has(w), { stop }).map((w: string) => w + config.suffix, { config });
    stop.add('cat');
    config.suffix = '?';
    expect(await kept.collect()).toEqual(['cat!', 'a!', 'hat!']);
  });

  test('a function cannot change a capture for the next record or the next action', async () => {
    const state = { calls: 0 };
    const rdd = sc.parallelize([1, 2, 3], 1).map(() => ++state.calls, { state });
    // The clone is shared by the compiled function, like a worker's copy: it is not the original.
    await rdd.collect();
    expect(state.calls).toBe(0);
  });

  test.each([
    ['Map', new Map([['a', 1]]), (m: Map<string, number>) => m.get('a')],
    ['Set', new Set([1]), (s: Set<number>) => s.has(1)],
    ['Date', new Date(7), (d: Date) => d.getTime()],
    ['typed array', new Uint8Array([1, 2]), (a: Uint8Array) => a[1]],
    ['nested plain data', { a: [{ b: new Map([[1, new Set(['x'])]]) }] }, (o: { a: { b: Map<number, Set<string>> }[] }) => o.a[0]!.b.get(1)!.has('x')],
    ['RegExp', /c.t/, (r: RegExp) => r.test('cat')],
  ] as [string, unknown, (v: any) => unknown][])('a %s capture arrives intact', async (_name, value, read) => {
    const readValue = read;
    const [result] = await sc.parallelize([0], 1).map(() => readValue(value), { value, readValue }).collect();
    expect(result).toEqual(read(value));
  });

  test('a class instance capture is refused, naming the class and where it sits', () => {
    const counter = new Counter();
    const e = definitionError(() => words().map(() => counter.inc(), { counter }));
    expect(e).toBeInstanceOf(NotShippableError);
    expect(e.message).toMatch(/^map at ship\.test\.ts:\d+:\d+: capture `counter` is an instance of Counter;/);
    expect(e.message).toContain('Capture plain data');
    const nested = definitionError(() => words().map(() => cfg.list[0]!.inc(), { cfg: { list: [new Counter()] } }));
    expect(nested.message).toContain('capture `cfg.list[0]` is an instance of Counter');
  });

  test('a capture that cannot be cloned is refused, naming it', () => {
    const e = definitionError(() => words().map(() => tag, { tag: Symbol('t') }));
    expect(e).toBeInstanceOf(NotShippableError);
    expect(e.message).toMatch(/capture `tag` cannot be sent to a worker/);
  });

  test('captures must be an object', () => {
    expect(() => words().map((w: string) => w, ['SEP'] as never)).toThrow(/captures must be an object such as \{ stop \}, got an array/);
    expect(() => words().map((w: string) => w, 'SEP' as never)).toThrow(TypeError);
  });
});

describe('captured functions', () => {
  test('a captured function is shipped with the one that calls it', async () => {
    const upper = (w: string) => w.toUpperCase();
    expect(await words().map((w: string) => upper(w), { upper }).collect()).toEqual(['THE', 'CAT', 'A', 'HAT']);
  });

  test("a captured function's own free variables are reported, with the closure() fix", () => {
    const e = definitionError(() => sc.parallelize(['a b']).flatMap((l: string) => tokenize(l), { tokenize }));
    expect(e).toBeInstanceOf(NotShippableError);
    expect(e.message).toMatch(/^flatMap \(capture tokenize\) at ship\.test\.ts:\d+:\d+ uses `SEP`/);
    expect(e.message).toContain('Declare it as a capture of tokenize with closure(): { tokenize: closure(tokenize, { SEP }) }');
  });

  test('…and following that fix works', async () => {
    const lines = sc.parallelize(['a b', 'c'], 2);
    expect(await lines.flatMap((l: string) => tokenize(l), { tokenize: closure(tokenize, { SEP }) }).collect()).toEqual(['a', 'b', 'c']);
  });

  test('a throw inside a captured function is a UserFunctionError naming the operation that called it', async () => {
    const check = (w: string) => { if (w === 'cat') throw new Error('no cats'); return w; };
    const e = await words().map((w: string) => check(w), { check }).collect().catch((x: Error) => x);
    expect(e).toBeInstanceOf(UserFunctionError);
    expect((e as Error).message).toMatch(/^map( \(capture check\))? at ship\.test\.ts:\d+:\d+ threw Error: no cats$/);
    expect(((e as Error).cause as Error).message).toBe('no cats');
  });
});

describe('globals', () => {
  test.each([
    ['Math, JSON', (x: number) => JSON.stringify(Math.max(x, 0)), 3, '3'],
    ['Map, Set, Array', (x: number) => new Map([[x, new Set(Array.of(x))]]).size, 3, 1],
    ['Number, String, Boolean, parseInt', (x: number) => [Number('1'), String(x), Boolean(x), parseInt('7', 10)], 3, [1, '3', true, 7]],
    ['Date, structuredClone, globalThis', (x: number) => structuredClone({ t: new Date(x).getTime(), g: typeof globalThis }), 3, { t: 3, g: 'object' }],
    ['undefined, NaN, Infinity, arguments', function (x: number) { return [undefined, Number.isNaN(NaN), x < Infinity, arguments.length]; }, 3, [undefined, true, true, 1]],
  ] as [string, (x: number) => unknown, number, unknown][])('%s may be used freely', async (_name, fn, input, output) => {
    expect(await sc.parallelize([input], 1).map(fn).collect()).toEqual([output]);
  });

  test.each([
    ['map(Number)', (r: RDD<string>) => r.map(Number), ['1', '2.5'], [1, 2.5]],
    ['map(String)', (r: RDD<string>) => r.map(String), ['a'], ['a']],
    ['filter(Boolean)', (r: RDD<string>) => r.filter(Boolean), ['', 'a'], ['a']],
    ['map(parseFloat)', (r: RDD<string>) => r.map(parseFloat), ['1.5x'], [1.5]],
  ] as [string, (r: RDD<string>) => RDD<unknown>, string[], unknown[]][])('a global function passed as is: %s', async (_name, build, input, output) => {
    expect(await build(sc.parallelize(input, 1)).collect()).toEqual(output);
  });

  test.each(['window', 'document', 'localStorage'])('%s (main thread only) is refused, saying why', (name) => {
    const e = definitionError(() => ship(new Function('x', `return ${name}.x`) as (x: unknown) => unknown, undefined, 'map'));
    expect(e).toBeInstanceOf(NotShippableError);
    expect(e.message).toContain(`uses \`${name}\``);
    expect(e.message).toContain(`\`${name}\` exists only on a page's main thread`);
    expect(e.message).not.toContain(`{ ${name} }`);
  });

  test('a native method that is not a global, or a bound function, is refused with the arrow-function fix', () => {
    for (const fn of [Math.sqrt, tokenize.bind(null)]) {
      const e = definitionError(() => sc.parallelize([4]).map(fn as (x: number) => number));
      expect(e).toBeInstanceOf(NotShippableError);
      expect(e.message).toContain('a bound or native function cannot be sent to a worker. Pass an arrow function instead');
    }
  });

  test('a class is not a function to ship', () => {
    expect(definitionError(() => words().map(Counter as never)).message).toMatch(/expected a function, got a class/);
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

  test('async method shorthand (the record is the promise)', async () => {
    const [p] = await sc.parallelize([5], 1).map(obj.later).collect();
    expect(await p).toBe(5);
  });

  test('function expressions and arrows with block bodies', async () => {
    expect(await sc.parallelize([1], 1).map(function (x: number) { return x + 1; }).collect()).toEqual([2]);
    expect(await sc.parallelize([1], 1).map((x: number) => { const y = x * 3; return y; }).collect()).toEqual([3]);
  });

  test('exactly the arguments the engine passes arrive (rest parameters, arguments)', async () => {
    expect(await sc.parallelize([1, 2], 1).map((...args: unknown[]) => args.length).collect()).toEqual([1, 1]);
    expect(await sc.parallelize([1, 2, 3], 1).reduce(function (...args: number[]) { return args.length === 2 ? args[0]! + args[1]! : -1; })).toBe(6);
  });

  test('`this` is undefined in a shipped function, whatever the operation', async () => {
    const isUndefined = function (this: unknown) { return this === undefined; };
    const one = sc.parallelize([1], 1);
    expect(await one.map(isUndefined).collect()).toEqual([true]);
    expect(await one.mapPartitions(function (this: unknown) { return [this === undefined]; }).collect()).toEqual([true]);
    expect(await one.mapPartitionsWithIndex(function (this: unknown) { return [this === undefined]; }).collect()).toEqual([true]);
    expect(await one.keyBy((x: number) => x).flatMapValues(function (this: unknown) { return [this === undefined]; }).values().collect()).toEqual([true]);
    expect(await one.filter(isUndefined).count()).toBe(1);
  });

  test('a non-function is a TypeError', () => {
    expect(() => words().map(42 as never)).toThrow(/^map at ship\.test\.ts:\d+:\d+ expects a function, got number\.$/);
    expect(() => words().map(null as never)).toThrow(/expects a function, got null/);
  });
});

describe('closure()', () => {
  test('declares a function with its captures, usable wherever a function is', async () => {
    const stop = new Set(['the', 'a']);
    const keep = closure((w: string) => !stop.has(w), { stop });
    expect(typeof keep).toBe('function');
    expect(keep('cat')).toBe(true); // callable on the driver too
    expect(await words().filter(keep).collect()).toEqual(['cat', 'hat']);
    expect(await words().map(keep).collect()).toEqual([false, true, false, true]);
  });

  test('clones its captures when it is made', async () => {
    const stop = new Set(['the']);
    const keep = closure((w: string) => !stop.has(w), { stop });
    stop.add('cat');
    expect(await words().filter(keep).collect()).toEqual(['cat', 'a', 'hat']);
  });

  test('with no captures', async () => {
    expect(await words().map(closure((w: string) => w.length)).collect()).toEqual([3, 3, 1, 3]);
  });

  test('checks free variables where it is made', () => {
    const min = 2;
    const e = definitionError(() => closure((w: string) => w.length >= min));
    expect(e).toBeInstanceOf(NotShippableError);
    expect(e.message).toMatch(/^closure at ship\.test\.ts:\d+:\d+ uses `min`/);
    expect(e.message).toContain('closure(fn, { min })');
  });

  test('passing captures again to the operation is an error', () => {
    const min = 2;
    const long = closure((w: string) => w.length >= min, { min });
    const e = definitionError(() => words().filter(long, { min }));
    expect(e).toBeInstanceOf(NotShippableError);
    expect(e.message).toMatch(/^filter at ship\.test\.ts:\d+:\d+: the function already carries its captures \(made with closure\(\)\); do not pass captures again\.$/);
    // An empty captures object is not "again".
    expect(() => words().filter(long, {})).not.toThrow();
  });

  test('a throw names the operation that used it and where', async () => {
    const bad = closure((w: string) => { if (w === 'a') throw new RangeError('short'); return w; });
    const e = await words().map(bad).collect().catch((x: Error) => x);
    expect(e).toBeInstanceOf(UserFunctionError);
    expect((e as Error).message).toMatch(/^map at ship\.test\.ts:\d+:\d+ threw RangeError: short$/);
    expect((e as Error).cause).toBeInstanceOf(RangeError);
  });

  test('closures may capture closures', async () => {
    const suffix = '!';
    const shout = (w: string) => w.toUpperCase() + suffix;
    const greet = closure((w: string) => `hi ${shout(w)}`, { shout: closure(shout, { suffix }) });
    expect(await sc.parallelize(['bo'], 1).map(greet).collect()).toEqual(['hi BO!']);
  });
});

describe('types', () => {
  test('transformations infer their result types from plain functions and closure()', () => {
    const nums = sc.parallelize([1, 2]);
    expectTypeOf(nums.map((x) => String(x))).toEqualTypeOf<RDD<string>>();
    expectTypeOf(nums.map((x) => [String(x), x] as [string, number]).reduceByKey((a, b) => a + b)).toEqualTypeOf<RDD<[string, number]>>();
    expectTypeOf(nums.flatMap((x) => [x, x])).toEqualTypeOf<RDD<number>>();
    expectTypeOf(nums.map(closure((x: number) => x > 1))).toEqualTypeOf<RDD<boolean>>();
    expectTypeOf(closure((x: number) => `${x}`)).toEqualTypeOf<Closure<(x: number) => string>>();
    expectTypeOf(ship((x: number) => x + 1, undefined, 'map')).toEqualTypeOf<ShippedFunction<(x: number) => number>>();
  });
});
