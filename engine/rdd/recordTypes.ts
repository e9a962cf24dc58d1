/**
 * Types that let TypeScript infer pipelines written without annotations or casts, shared by RDD
 * and DStream.
 */

/**
 * Any value. As the constraint of an operation's output type (map's U) it makes an array literal
 * infer as a tuple, so `map((w) => [w, 1])` gives `[string, number]` records — pairs the pair
 * operations accept — rather than `(string | number)[]`. Nothing else changes: `map((x) => 1)`
 * still gives `number`, `map((l) => l.split(' '))` `string[]`. Spark has none: Scala infers
 * `(w, 1)` as a Tuple2.
 *
 * @example
 * ```ts
 * import type { AnyRecord } from 'rivulet';
 * const pairUp = <U extends AnyRecord>(f: (w: string) => U) => words.map(f);
 * const pairs = pairUp((w) => [w, 1]); // DStream<[string, number]>
 * ```
 */
export type AnyRecord = readonly [unknown, unknown] | {} | null | undefined;

/**
 * The value type of a reduction: a literal type widened to its primitive, so that pairs made
 * `as const` (`[w, 1] as const`, value type `1`) reduce with `(a, b) => a + b` to `number`.
 * Other types (any among them) are kept as they are. Spark has none (Scala infers `1` as Int).
 *
 * @example
 * ```ts
 * import type { Widen } from 'rivulet';
 * type One = Widen<1>; // number
 * const counts = words.map((w) => [w, 1] as const).reduceByKey((a, b) => a + b); // values: number
 * ```
 */
export type Widen<V> = 0 extends 1 & V ? V : [V] extends [string] ? string : [V] extends [number] ? number : [V] extends [boolean] ? boolean : [V] extends [bigint] ? bigint : V;
