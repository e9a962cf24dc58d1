import type { ShippedFunction } from '../closure/ship.ts';
import { UserFunctionError as UserError, InvalidArgumentError, InternalError } from '../util/errors.ts';
import { thrownBy } from '../closure/attribution.ts';
import type { Pipe } from './MapPartitionsRDD.ts';
import type { Emit } from './TaskContext.ts';
import { KeyError, KeyedMap, compareKeys } from './keys.ts';
import { checkPair, mulberry32, poisson } from './RDD.ts';

/**
 * Every narrow transformation the engine builds, by name: op name + params (shipped functions and
 * plain values) → the Pipe that computes it. The driver builds its pipelines from this registry
 * and a worker rebuilds the same pipeline from the same name and params, so the code that runs a
 * partition is the same in both places. A pipe() given an engine closure instead (state streams)
 * cannot be described, and jobs over it run on the driver.
 */
export type NarrowOp = (params: any) => Pipe<any, any>;

type Fn = ShippedFunction<(...a: any[]) => any>;

export const narrowOps = {
  map: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.raw;
    return (emit) => ({
      next: (x) => {
        let y;
        try {
          y = g(x);
        } catch (e) {
          throw thrownBy(e, f);
        }
        if (y instanceof Promise) throw asyncResult(f);
        emit(y);
      },
    });
  },
  flatMap: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.raw;
    return (emit) => ({
      next: (x) => {
        let ys;
        try {
          ys = g(x);
        } catch (e) {
          throw thrownBy(e, f);
        }
        if (Array.isArray(ys)) for (let i = 0; i < ys.length; i++) emit(ys[i]);
        else drain(ys, emit, f.operation, f.callSite);
      },
    });
  },
  filter: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.raw;
    return (emit) => ({
      next: (x) => {
        let keep;
        try {
          keep = g(x);
        } catch (e) {
          throw thrownBy(e, f);
        }
        // A Promise is truthy: an async predicate would keep every record.
        if (keep instanceof Promise) throw asyncResult(f);
        if (keep) emit(x);
      },
    });
  },
  mapPartitions: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.call; // called as a plain function: `this` is undefined in every user function
    return wholePartition((records) => g(records), f.operation, f.callSite);
  },
  mapPartitionsWithIndex: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.call;
    return wholePartition((records, index) => g(index, records), f.operation, f.callSite);
  },
  glom: (): Pipe<any, any> => (emit) => {
    const all: unknown[] = [];
    return { next: (x) => all.push(x), done: () => emit(all) };
  },
  keyBy: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.raw;
    return (emit) => ({
      next: (x) => {
        let k;
        try {
          k = g(x);
        } catch (e) {
          throw thrownBy(e, f);
        }
        if (k instanceof Promise) throw asyncResult(f);
        emit([k, x]);
      },
    });
  },
  /** x → [x, value] (distinct, countByValue). */
  pairWith:
    ({ value }: { value: unknown }): Pipe<any, any> =>
    (emit) => ({ next: (x) => emit([x, value]) }),
  /** [k, v] → k, for pairs the engine made itself (no check). */
  pairKey: (): Pipe<any, any> => (emit) => ({ next: (kv) => emit(kv[0]) }),
  /** [k, v] → v, for pairs the engine made itself (no check). */
  pairValue: (): Pipe<any, any> => (emit) => ({ next: (kv) => emit(kv[1]) }),
  /** x → [f(x), x] (sortBy). */
  keyWith: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.call;
    return (emit) => ({ next: (x) => emit([g(x), x]) });
  },
  sample:
    ({ withReplacement, fraction, seed }: { withReplacement: boolean; fraction: number; seed: number }): Pipe<any, any> =>
    (emit, index) => {
      const rand = mulberry32(seed * 7919 + index);
      if (!withReplacement)
        return {
          next: (x) => {
            if (rand() < fraction) emit(x);
          },
        };
      return {
        next: (x) => {
          for (let k = poisson(fraction, rand); k > 0; k--) emit(x);
        },
      };
    },
  /** Round-robin target partitions for repartition's shuffle, starting where Spark starts. */
  spread:
    ({ numPartitions }: { numPartitions: number }): Pipe<any, any> =>
    (emit, index) => {
      let position = index % numPartitions;
      return {
        next: (x) => {
          position = (position + 1) % numPartitions;
          emit([position, x]);
        },
      };
    },
  /** combineByKey on an RDD already partitioned by key: combine within each partition. */
  combineInPartition: ({ createCombiner, mergeValue, operation }: { createCombiner: Fn; mergeValue: Fn; operation: string }): Pipe<any, any> => {
    const create = createCombiner.call;
    const merge = mergeValue.call;
    return (emit) => {
      const m = new KeyedMap<unknown, unknown>();
      return {
        next: (kv) => {
          checkPair(kv, operation);
          try {
            m.combine(kv[0], kv[1], create, merge);
          } catch (e) {
            throw e instanceof KeyError ? e.withOperation(operation) : e;
          }
        },
        done: () => {
          for (const e of m.values()) emit(e);
        },
      };
    };
  },
  /** Sort one partition by key (the reduce side of sortByKey). */
  sortPartition:
    ({ ascending }: { ascending: boolean }): Pipe<any, any> =>
    (emit) => {
      const all: [unknown, unknown][] = [];
      return {
        next: (kv) => all.push(kv),
        done: () => {
          try {
            all.sort(ascending ? (a, b) => compareKeys(a[0], b[0]) : (a, b) => compareKeys(b[0], a[0]));
          } catch (e) {
            throw e instanceof KeyError ? e.withOperation('sortByKey') : e;
          }
          for (const kv of all) emit(kv);
        },
      };
    },
  mapValues: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.raw;
    return (emit) => ({
      next: (kv) => {
        if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, 'mapValues');
        let w;
        try {
          w = g(kv[1]);
        } catch (e) {
          throw thrownBy(e, f);
        }
        if (w instanceof Promise) throw asyncResult(f);
        emit([kv[0], w]);
      },
    });
  },
  flatMapValues: ({ f }: { f: Fn }): Pipe<any, any> => {
    const g = f.call;
    return (emit) => ({
      next: (kv) => {
        if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, 'flatMapValues');
        drain(g(kv[1]), (u) => emit([kv[0], u]), f.operation, f.callSite);
      },
    });
  },
  keys: (): Pipe<any, any> => (emit) => ({
    next: (kv) => {
      if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, 'keys');
      emit(kv[0]);
    },
  }),
  values: (): Pipe<any, any> => (emit) => ({
    next: (kv) => {
      if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, 'values');
      emit(kv[1]);
    },
  }),
  join: (): Pipe<any, any> => (emit) => ({
    next: ([k, [vs, ws]]) => {
      for (const v of vs) for (const w of ws) emit([k, [v, w]]);
    },
  }),
  leftOuterJoin: (): Pipe<any, any> => (emit) => ({
    next: ([k, [vs, ws]]) => {
      if (ws.length === 0) for (const v of vs) emit([k, [v, undefined]]);
      else for (const v of vs) for (const w of ws) emit([k, [v, w]]);
    },
  }),
  rightOuterJoin: (): Pipe<any, any> => (emit) => ({
    next: ([k, [vs, ws]]) => {
      if (vs.length === 0) for (const w of ws) emit([k, [undefined, w]]);
      else for (const v of vs) for (const w of ws) emit([k, [v, w]]);
    },
  }),
  fullOuterJoin: (): Pipe<any, any> => (emit) => ({
    next: ([k, [vs, ws]]) => {
      if (vs.length === 0) for (const w of ws) emit([k, [undefined, w]]);
      else if (ws.length === 0) for (const v of vs) emit([k, [v, undefined]]);
      else for (const v of vs) for (const w of ws) emit([k, [v, w]]);
    },
  }),
  subtractByKey: (): Pipe<any, any> => (emit) => ({
    next: ([k, [vs, ws]]) => {
      if (ws.length === 0) for (const v of vs) emit([k, v]);
    },
  }),
} satisfies Record<string, NarrowOp>;

export type NarrowOpName = keyof typeof narrowOps;

function isNarrowOp(name: string): name is NarrowOpName {
  return Object.prototype.hasOwnProperty.call(narrowOps, name);
}

/**
 * Narrow operations of the layers above (a state stream's step), which this layer cannot import:
 * the module defining one registers it when it loads, and the worker's task runner imports that
 * module, so the driver and the workers rebuild it from the same name.
 */
const registered = new Map<string, NarrowOp>();

export function registerNarrowOp(name: string, op: NarrowOp): void {
  if (isNarrowOp(name) || (registered.has(name) && registered.get(name) !== op)) throw new InternalError(`internal: a narrow operation named ${name} is already registered`);
  registered.set(name, op);
}

/** The narrow operation of that name, built in or registered. */
export function narrowOpNamed(name: string): NarrowOp | undefined {
  return isNarrowOp(name) ? (narrowOps[name] as NarrowOp) : registered.get(name);
}

/** Iterate a user-returned iterable, attributing a throw inside a generator to the user's operation. */
export function drain<U>(ys: Iterable<U>, emit: Emit<U>, operation: string, callSite: string): void {
  if (Array.isArray(ys)) {
    for (let i = 0; i < ys.length; i++) emit(ys[i]);
    return;
  }
  if (ys instanceof Promise) throw asyncResult({ operation, callSite });
  if (ys == null || typeof (ys as Iterable<U>)[Symbol.iterator] !== 'function') {
    throw new UserError(operation, callSite, new InvalidArgumentError(`${operation} must return an iterable (e.g. an array), got ${ys === null ? 'null' : typeof ys}`));
  }
  const it = (ys as Iterable<U>)[Symbol.iterator]();
  for (;;) {
    let r: IteratorResult<U>;
    try {
      r = it.next();
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(operation, callSite, e);
    }
    if (r.done) return;
    emit(r.value);
  }
}

/**
 * A function given to a record-by-record operation returned a Promise (an async function): its
 * result would be the Promise itself, never awaited. Said the same in this thread and in workers.
 */
export function asyncResult(f: { operation: string; callSite: string }): TypeError {
  return new InvalidArgumentError(
    `${f.operation} at ${f.callSite} returned a Promise (is it an async function?): the function given to ${f.operation} must return its result, which is not awaited. ` +
      'Do asynchronous work in foreachRDD or rdd.foreach (their promises are awaited), or before the data enters the stream.',
  );
}

function wholePartition<T, U>(f: (records: T[], index: number) => Iterable<U>, operation: string, callSite: string): Pipe<T, U> {
  return (emit, index) => {
    const records: T[] = [];
    return { next: (x) => records.push(x), done: () => drain(f(records, index), emit, operation, callSite) };
  };
}
