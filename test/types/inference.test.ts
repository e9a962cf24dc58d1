/**
 * What TypeScript infers for pipelines written without type annotations or casts, for DStream and
 * RDD alike. The expectations are checked by the compiler (`npm test` ends with
 * `tsc --noEmit`), and so is every `@ts-expect-error`: each marks code that must not compile.
 * The bodies only build streams and RDDs (lazily); nothing is started or computed.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import { RDDContext, StateSpec, type DStream, type RDD, type State } from '../../engine/index.ts';
import { createTestContext } from '../support/TestSuiteBase.ts';

const { ssc } = createTestContext();
const sc = new RDDContext({ defaultParallelism: 2 });
const words = ssc.queueStream([['a', 'b', 'a']]);
const wordsRDD = sc.parallelize(['a', 'b', 'a']);
const nums = ssc.queueStream([[1, 2, 3]]);
const numsRDD = sc.parallelize([1, 2, 3]);

describe('DStream and RDD are covariant', () => {
  test('a stream of strings is a stream of unknown; a stream of pairs is one of readonly pairs', () => {
    expectTypeOf(words).toExtend<DStream<unknown>>();
    expectTypeOf(wordsRDD).toExtend<RDD<unknown>>();
    expectTypeOf<DStream<[string, number]>>().toExtend<DStream<readonly [string, unknown]>>();
    expectTypeOf<RDD<[string, number]>>().toExtend<RDD<readonly [string, unknown]>>();
    expectTypeOf<DStream<'a' | 'b'>>().toExtend<DStream<string>>();
    const all: DStream<unknown>[] = [words, nums, words.map((w) => [w, 1])];
    const allRDDs: RDD<unknown>[] = [wordsRDD, numsRDD];
    expect(all.length + allRDDs.length).toBe(5);
  });

  test('not the other way round', () => {
    expectTypeOf<DStream<unknown>>().not.toExtend<DStream<string>>();
    expectTypeOf<RDD<unknown>>().not.toExtend<RDD<string>>();
    expectTypeOf<DStream<string>>().not.toExtend<DStream<number>>();
  });

  test('reduce, union and fold take T or a type that includes it', () => {
    const letters = ssc.queueStream<'a' | 'b'>([['a']]);
    expectTypeOf(words.reduce((a, b) => a + b)).toEqualTypeOf<DStream<string>>();
    expectTypeOf(words.union(words, words)).toEqualTypeOf<DStream<string>>();
    expectTypeOf(words.union(letters)).toEqualTypeOf<DStream<string>>();
    expectTypeOf(nums.reduceByWindow((a, b) => a + b, 2000, 1000)).toEqualTypeOf<DStream<number>>();
    expectTypeOf(numsRDD.reduce((a, b) => a + b)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(numsRDD.fold(0, (a, b) => a + b)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(wordsRDD.union(wordsRDD)).toEqualTypeOf<RDD<string>>();
    // @ts-expect-error a union of strings and numbers is not a stream of strings
    words.union(nums);
    // @ts-expect-error nor of RDDs
    wordsRDD.union(numsRDD);
  });
});

describe('map infers pairs', () => {
  test('an array literal is a tuple, so the pair operations apply without a cast', () => {
    const pairs = words.map((w) => [w, 1]);
    expectTypeOf(pairs).toEqualTypeOf<DStream<[string, number]>>();
    expectTypeOf(pairs.reduceByKey((a, b) => a + b)).toEqualTypeOf<DStream<[string, number]>>();
    expectTypeOf(pairs.join(words.map((w) => [w, w.length > 1]))).toEqualTypeOf<DStream<[string, [number, boolean]]>>();
    expectTypeOf(pairs.groupByKey()).toEqualTypeOf<DStream<[string, number[]]>>();
    expectTypeOf(pairs.mapValues((n) => n * 2)).toEqualTypeOf<DStream<[string, number]>>();
    expectTypeOf(pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000)).toEqualTypeOf<DStream<[string, number]>>();
    const rddPairs = wordsRDD.map((w) => [w, 1]);
    expectTypeOf(rddPairs).toEqualTypeOf<RDD<[string, number]>>();
    expectTypeOf(rddPairs.reduceByKey((a, b) => a + b)).toEqualTypeOf<RDD<[string, number]>>();
    expectTypeOf(rddPairs.join(wordsRDD.map((w) => [w, { n: w.length }]))).toEqualTypeOf<RDD<[string, [number, { n: number }]]>>();
    expectTypeOf(rddPairs.sortByKey().keys()).toEqualTypeOf<RDD<string>>();
    expectTypeOf(rddPairs.collectAsMap()).toEqualTypeOf<Promise<Map<string, number>>>();
    expectTypeOf(wordsRDD.flatMap((w) => [[w, 1]])).toEqualTypeOf<RDD<[string, number]>>();
    expect(pairs).toBeDefined();
  });

  test('everything else is inferred as before', () => {
    expectTypeOf(words.map((w) => w.length)).toEqualTypeOf<DStream<number>>();
    expectTypeOf(words.map((w) => 'x' + w)).toEqualTypeOf<DStream<string>>();
    expectTypeOf(words.map((w) => w.split(''))).toEqualTypeOf<DStream<string[]>>();
    expectTypeOf(words.map((w) => ({ w, n: 1 }))).toEqualTypeOf<DStream<{ w: string; n: number }>>();
    expectTypeOf(words.flatMap((l) => l.split(' '))).toEqualTypeOf<DStream<string>>();
    expectTypeOf(wordsRDD.map((w) => w.length > 2)).toEqualTypeOf<RDD<boolean>>();
  });

  test('pairs made `as const` are accepted; their literal values widen where they are reduced', () => {
    const pairs = words.map((w) => [w, 1] as const);
    expectTypeOf(pairs).toEqualTypeOf<DStream<readonly [string, 1]>>();
    expectTypeOf(pairs.reduceByKey((a, b) => a + b)).toEqualTypeOf<DStream<[string, number]>>();
    expectTypeOf(pairs.groupByKey()).toEqualTypeOf<DStream<[string, 1[]]>>();
    expectTypeOf(pairs.updateStateByKey((values, state) => (state ?? 0) + values.length)).toEqualTypeOf<DStream<[string, number]>>();
    const rddPairs = wordsRDD.map((w) => [w, 1] as const);
    expectTypeOf(rddPairs.reduceByKey((a, b) => a + b)).toEqualTypeOf<RDD<[string, number]>>();
    expectTypeOf(rddPairs.foldByKey(0, (a, b) => a + b)).toEqualTypeOf<RDD<[string, number]>>();
    expectTypeOf(rddPairs.join(rddPairs)).toEqualTypeOf<RDD<[string, [1, 1]]>>();
  });

  test('records that are not pairs: a short error at the call, not one about generatedRDDs and compute', () => {
    // @ts-expect-error a stream of strings has no keys
    words.reduceByKey((a, b) => a + b);
    // @ts-expect-error nor an RDD of them
    wordsRDD.reduceByKey((a, b) => a + b);
    // @ts-expect-error a named function returning an array returns (string | number)[], not a pair
    words.map(toArray).groupByKey();
    // @ts-expect-error join needs pairs on both sides
    words.map((w) => [w, 1]).join(words);
    // @ts-expect-error the values of a pair stream are numbers
    words.map((w) => [w, 1]).reduceByKey((a: string, b: string) => a + b);
  });
});

function toArray(w: string) {
  return [w, 1];
}

describe('filter narrows', () => {
  test('with a type predicate, written or inferred', () => {
    const maybe = ssc.queueStream<string | undefined>([['a', undefined]]);
    expectTypeOf(maybe.filter((x) => x !== undefined)).toEqualTypeOf<DStream<string>>();
    expectTypeOf(maybe.filter((x): x is string => typeof x === 'string')).toEqualTypeOf<DStream<string>>();
    expectTypeOf(maybe.filter((x) => Boolean(x))).toEqualTypeOf<DStream<string | undefined>>();
    const mixed = sc.parallelize<string | number>(['a', 1]);
    expectTypeOf(mixed.filter((x) => typeof x === 'number')).toEqualTypeOf<RDD<number>>();
    expectTypeOf(mixed.filter((x) => String(x).length > 0)).toEqualTypeOf<RDD<string | number>>();
    const pairs = ssc.queueStream<[string, number | null]>([]);
    expectTypeOf(pairs.filter((kv): kv is [string, number] => kv[1] !== null).reduceByKey((a, b) => a + b)).toEqualTypeOf<DStream<[string, number]>>();
  });
});

describe('state', () => {
  const pairs = words.map((w) => [w, 1]);

  test('updateStateByKey infers its parameters: the values from the stream, the state from an annotation, initialState, or else the values', () => {
    expectTypeOf(pairs.updateStateByKey((values, state) => {
      expectTypeOf(values).toEqualTypeOf<number[]>();
      expectTypeOf(state).toEqualTypeOf<number | undefined>();
      return (state ?? 0) + values.length;
    })).toEqualTypeOf<DStream<[string, number]>>();
    expectTypeOf(pairs.updateStateByKey((values, state: string[] | undefined) => [...(state ?? []), String(values.length)])).toEqualTypeOf<DStream<[string, string[]]>>();
    expectTypeOf(pairs.updateStateByKey((values, state) => ({ seen: (state?.seen ?? 0) + values.length }), { initialState: [['a', { seen: 1 }]] })).toEqualTypeOf<DStream<[string, { seen: number }]>>();
    expectTypeOf(pairs.updateStateByKey((values, state) => (state ?? 0) + values.length, 4)).toEqualTypeOf<DStream<[string, number]>>();
    // @ts-expect-error the state is a number unless said otherwise
    pairs.updateStateByKey((values, state) => String(state));
  });

  test("mapWithState's stream leaves out undefined: returning it emits nothing", () => {
    const spec = StateSpec.function((word: string, one: number | undefined, state: State<number>) => {
      const n = (state.getOption() ?? 0) + (one ?? 0);
      state.update(n);
      return n > 1 ? word : undefined;
    });
    expectTypeOf(pairs.mapWithState(spec)).toExtend<DStream<string>>();
    expectTypeOf(pairs.mapWithState(spec).stateSnapshots()).toEqualTypeOf<DStream<[string, number]>>();
    const nullable = StateSpec.function((word: string, _one: number | undefined, _state: State<number>) => (word ? word : null));
    expectTypeOf(pairs.mapWithState(nullable)).toExtend<DStream<string | null>>();
    const mapped = pairs.mapWithState(spec);
    expectTypeOf(mapped.slice).returns.toEqualTypeOf<RDD<string>[]>();
    // @ts-expect-error the records are strings, never undefined
    expectTypeOf(mapped.slice).returns.toEqualTypeOf<RDD<string | undefined>[]>();
  });
});

describe('options objects in place of trailing positional optionals', () => {
  test('accepted where Spark has positional ones, checked by the compiler', () => {
    const pairs = words.map((w) => [w, 1]);
    expectTypeOf(pairs.reduceByKey((a, b) => a + b, { numPartitions: 4 })).toEqualTypeOf<DStream<[string, number]>>();
    expectTypeOf(pairs.reduceByKeyAndWindow((a, b) => a + b, 3000, { invFunc: (a, b) => a - b, filterFunc: ([, n]) => n > 0 })).toEqualTypeOf<DStream<[string, number]>>();
    expectTypeOf(pairs.groupByKeyAndWindow(3000, { numPartitions: 2 })).toEqualTypeOf<DStream<[string, number[]]>>();
    expectTypeOf(wordsRDD.map((w) => [w, 1]).combineByKey((v) => [v], (c, v) => [...c, v], (a, b) => [...a, ...b], { mapSideCombine: false })).toEqualTypeOf<RDD<[string, number[]]>>();
    expectTypeOf(numsRDD.sortBy((n) => -n, { ascending: false })).toEqualTypeOf<RDD<number>>();
    // @ts-expect-error a misspelt option (and at run time, an error naming the options)
    expect(() => pairs.reduceByKey((a, b) => a + b, { numPartition: 4 })).toThrow("reduceByKey: unknown option 'numPartition'; the options are numPartitions, partitioner.");
    // @ts-expect-error filterFunc sees the pairs
    pairs.reduceByKeyAndWindow((a, b) => a + b, 3000, { invFunc: (a, b) => a - b, filterFunc: (kv: string) => kv.length > 0 });
  });
});
