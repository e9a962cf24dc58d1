/**
 * What TypeScript infers for pipelines written without type annotations or casts, for DStream and
 * RDD alike. The expectations are checked by the compiler (`npm test` ends with
 * `tsc --noEmit`), and so is every `@ts-expect-error`: each marks code that must not compile.
 * The bodies only build streams and RDDs (lazily); nothing is started or computed.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import { RDDContext, type DStream, type RDD } from '../../engine/index.ts';
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
