import { engineFunction, type ShippedFunction } from './ship.ts';

type Fn = ShippedFunction<(...a: any[]) => any>;
type Factory = (args: any) => (...a: any[]) => any;

/**
 * The functions the engine builds around user functions, by name: a name and arguments (user
 * functions, already shipped, and plain values) → the function. The driver builds each from here
 * and a worker builds the same from the same name and arguments, so no engine code travels as
 * text and none depends on identifier names surviving a minifier.
 */
export const engineFunctions = {
  identity: () => (v: unknown) => v,
  groupCreate: () => (v: unknown) => [v],
  groupMerge: () => (c: unknown[], v: unknown) => {
    c.push(v);
    return c;
  },
  groupCombine: () => (a: unknown[], b: unknown[]) => {
    for (const x of b) a.push(x);
    return a;
  },
  /** foldByKey / aggregateByKey's createCombiner: f applied to a fresh copy of the zero value. */
  zeroThen: ({ f, zero }: { f: Fn; zero: unknown }) => {
    const g = f.call;
    return (v: unknown) => g(structuredClone(zero), v);
  },
  /**
   * countByValueAndWindow's filterFunc: a value whose count fell to 0 leaves the window. The
   * in-place window step knows it by name and checks the count itself (WindowStateRDD).
   */
  nonZeroCount: () => (kv: [unknown, number]) => kv[1] !== 0,
  /** count(): each partition's size. */
  countPartition: () => (records: unknown[]) => [records.length],
  /** count(): the sizes summed. */
  sumCounts: () => (counts: number[]) => [counts.reduce((a, b) => a + b, 0)],
  /** DStream.reduce(): a partition reduced with f, nothing for an empty one. */
  reduceAll: ({ f }: { f: Fn }) => {
    const g = f.call;
    return (records: unknown[]) => (records.length === 0 ? [] : [records.reduce((a, b) => g(a, b))]);
  },
  /** updateStateByKey: the new state of every key in a partition of the cogroup (values, previous state). */
  updateState: ({ update }: { update: Fn }) => {
    const u = update.call;
    return (groups: [unknown, [unknown[], unknown[]]][]) => {
      const out: [unknown, unknown][] = [];
      for (const [key, [values, states]] of groups) {
        const next = u(values, states.length > 0 ? states[0] : undefined);
        if (next !== undefined) out.push([key, next]);
      }
      return out;
    };
  },
  /**
   * reduceByKeyAndWindow with an inverse: a partition of the cogroup (previous window, the
   * `numOld` batches that left, the batches that entered) → the new window's values.
   */
  reduceWindow: ({ f, invF, keep, numOld }: { f: Fn; invF: Fn; keep: Fn | undefined; numOld: number }) => {
    const add = f.call;
    const subtract = invF.call;
    const filter = keep?.call;
    return (groups: [unknown, unknown[][]][]) => {
      const out: [unknown, unknown][] = [];
      for (const [key, values] of groups) {
        let value: unknown;
        let has = false;
        if (values[0]!.length > 0) {
          value = values[0]![0];
          has = true;
          let left: unknown;
          let anyLeft = false;
          for (let i = 1; i <= numOld; i++) {
            const vs = values[i]!;
            if (vs.length > 0) {
              left = anyLeft ? add(left, vs[0]) : vs[0];
              anyLeft = true;
            }
          }
          if (anyLeft) value = subtract(value, left);
        }
        for (let i = numOld + 1; i < values.length; i++) {
          const vs = values[i]!;
          if (vs.length > 0) {
            value = has ? add(value, vs[0]) : vs[0];
            has = true;
          }
        }
        // A key only in batches that left, absent from the previous window (dropped by filterFunc): nothing to emit.
        if (!has) continue;
        const kv: [unknown, unknown] = [key, value];
        if (filter === undefined || filter(kv)) out.push(kv);
      }
      return out;
    };
  },
} satisfies Record<string, Factory>;

export type EngineFunctionName = keyof typeof engineFunctions;

/** The engine function `name` over `args`, shippable: a worker rebuilds it from the same name and arguments. */
export function engineFn<F extends (...args: any[]) => any>(name: EngineFunctionName, args: Readonly<Record<string, unknown>>, operation: string, callSite?: string): ShippedFunction<F> {
  const call = (engineFunctions[name] as Factory)(args) as F;
  return engineFunction<F>(name, args, call, operation, callSite);
}

export function engineFactory(name: string): Factory | undefined {
  return Object.prototype.hasOwnProperty.call(engineFunctions, name) ? (engineFunctions as Record<string, Factory>)[name] : undefined;
}
