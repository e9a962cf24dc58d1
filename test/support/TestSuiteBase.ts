/**
 * Spark's TestSuiteBase for Rivulet: tests are tables — input batches in, expected output
 * batches out — run on a ManualClock, so every run is deterministic and an hour of batches takes
 * milliseconds.
 *
 * ```ts
 * const { output } = await runStreams({
 *   input: [['a b'], [], ['c']],
 *   operation: (lines) => lines.flatMap((l) => l.split(' ')),
 * });
 * expectBatches(output, [['a', 'b'], [], ['c']]);
 * ```
 */
import { expect } from 'vitest';
import { InputDStream, ManualClock, StreamingContext, type BatchInfo, type DStream, type RDD, type StreamingContextOptions } from '../../engine/index.ts';

export interface RunOptionsBase {
  /** Batches to run; default: as many as the longest input has. */
  numBatches?: number;
  /** Default 1000 ms. */
  batchInterval?: number;
  /** Partitions of each input batch and default shuffle partitions (Spark's tests use 2). */
  defaultParallelism?: number;
  /** Any other context option (skipFailedBatches…). */
  context?: Omit<StreamingContextOptions, 'batchInterval' | 'scheduler'>;
}

export interface RunResult<U> {
  /** One array per batch the output stream produced, in batch order. */
  output: U[][];
  /** The batch time of each entry of `output`. */
  times: number[];
  /** Every completed batch (including those where the output stream produced nothing). */
  batches: BatchInfo[];
  ssc: StreamingContext;
  clock: ManualClock;
  /** The error that stopped the context, if any. */
  error: unknown;
}

/**
 * One input stream: `input` holds one array per batch. A `null` batch makes no RDD at all (a
 * {@link TestInputStream}), as in Spark's tests.
 */
export function runStreams<T, U>(
  options: RunOptionsBase & { input: (T[] | null)[]; operation: (stream: DStream<T>, ssc: StreamingContext) => DStream<U> },
): Promise<RunResult<U>>;
/**
 * Several input streams: `inputs[i]` holds the batches of stream i; `operation` receives one
 * stream per input, then the context (annotate the streams' types).
 */
export function runStreams<U>(
  options: RunOptionsBase & { inputs: (unknown[] | null)[][]; operation: (...args: any[]) => DStream<U> },
): Promise<RunResult<U>>;
export async function runStreams(options: RunOptionsBase & { input?: (unknown[] | null)[]; inputs?: (unknown[] | null)[][]; operation: (...a: any[]) => DStream<unknown> }): Promise<RunResult<unknown>> {
  const inputs = options.inputs ?? [options.input!];
  const batchInterval = options.batchInterval ?? 1000;
  const numBatches = options.numBatches ?? Math.max(...inputs.map((i) => i.length));
  const { ssc, clock } = createTestContext({ batchInterval, defaultParallelism: options.defaultParallelism ?? 2, ...options.context });
  const streams = inputs.map((batches) => (batches.includes(null) ? new TestInputStream(ssc, batches) : ssc.queueStream([...(batches as unknown[][])])));
  const outputStream = options.operation(...streams, ssc);
  const collected = collectBatches(outputStream);
  const batches: BatchInfo[] = [];
  ssc.addStreamingListener({ onBatchCompleted: (e) => void batches.push(e.batchInfo) });
  let error: unknown;
  const terminated = ssc.awaitTermination().catch((e) => { error = e; });
  ssc.start();
  await clock.advance(numBatches * batchInterval);
  await ssc.stop();
  await terminated;
  return { output: collected.output, times: collected.times, batches, ssc, clock, error };
}

/**
 * Spark's TestInputStream: the batch at zeroTime + (i + 1) * interval holds `batches[i]` (an empty
 * batch past the end); a `null` batch makes no RDD at all, to test what happens downstream when
 * a stream has none ("lets us test cases where RDDs are not created").
 */
export class TestInputStream<T> extends InputDStream<T> {
  constructor(
    ssc: StreamingContext,
    private readonly inputBatches: readonly (readonly T[] | null)[],
  ) {
    super(ssc, 'testInputStream');
  }

  protected compute(validTime: number): RDD<T> | undefined {
    const index = (validTime - this.zeroTime!) / this.slideDuration - 1;
    const batch = index < this.inputBatches.length ? this.inputBatches[index] : [];
    if (batch === null || batch === undefined) return undefined;
    this.reportRecords(validTime, batch.length);
    return this.ssc.sparkContext.parallelize([...batch]);
  }
}

/** A context on a fresh ManualClock at time 0. */
export function createTestContext(options: Partial<StreamingContextOptions> = {}): { ssc: StreamingContext; clock: ManualClock } {
  const clock = options.scheduler instanceof ManualClock ? options.scheduler : new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, ...options, scheduler: clock });
  return { ssc, clock };
}

/** Register an output that collects every batch of `stream` (records and batch time). */
export function collectBatches<U>(stream: DStream<U>): { output: U[][]; times: number[] } {
  const output: U[][] = [];
  const times: number[] = [];
  stream.foreachRDD(async (rdd: RDD<U>, time: number) => {
    const records = await rdd.collect();
    output.push(records);
    times.push(time);
  });
  return { output, times };
}

/**
 * Compare batch by batch. By default the order within a batch is ignored (shuffles do not keep
 * it); `{ ordered: true }` compares it too.
 */
export function expectBatches<U>(actual: U[][], expected: U[][], options: { ordered?: boolean } = {}): void {
  const norm = (batches: U[][]) => (options.ordered ? batches : batches.map((b) => sortCanonically(b)));
  expect(norm(actual)).toStrictEqual(norm(expected));
}

/** Records sorted by a canonical text form (so `[k, [1, 2]]` and objects compare by content). */
export function sortCanonically<U>(records: readonly U[]): U[] {
  return [...records].sort((a, b) => {
    const x = canonical(a);
    const y = canonical(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function canonical(v: unknown): string {
  if (v === undefined) return '~undefined';
  if (typeof v === 'number') return `n${v}`;
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  return '{' + Object.keys(v).sort().map((k) => `${k}:${canonical((v as Record<string, unknown>)[k])}`).join(',') + '}';
}

/** A seeded pseudo-random generator (the engine's mulberry32), for randomized tables that stay reproducible. */
export { mulberry32 as seededRandom } from '../../engine/rdd/RDD.ts';

/** Capture console.log output while `body` runs. */
export async function captureConsoleLog(body: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  try {
    await body();
  } finally {
    console.log = original;
  }
  return lines;
}
