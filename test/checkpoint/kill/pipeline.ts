/**
 * The pipeline the kill test runs as a child process and SIGKILLs (kill.test.ts). Run it again
 * with the same arguments and it resumes from its checkpoint directory:
 *
 *   node --import tsx test/checkpoint/kill/pipeline.ts --checkpoint DIR --out DIR
 *     [--source queue|observable] [--replay FILE] [--batches 60] [--interval 50] [--seed 1]
 *     [--checkpoint-every 1] [--clock real|manual]
 *
 * Input: the seeded batches of data.ts, through a queueStream that createContext refills from
 * the start on every run (a replayable source: the engine skips the entries already consumed), or
 * through an Observable that emits batch k's lines in the middle of interval k, on the wall clock,
 * and whatever falls while the process is dead is gone (a source that cannot replay: the
 * receiver's write-ahead log is what keeps what it had received). `--replay FILE` feeds a queue
 * with the batches in FILE instead (a JSON array of arrays of lines): the uninterrupted reference
 * run for the observable variant, fed what the killed runs' batches actually got.
 *
 * Stateful operators: updateStateByKey (word totals), reduceByKeyAndWindow with an inverse
 * (a 6-batch window sliding by 2), mapWithState with a timeout (running count per word).
 *
 * Outputs, written idempotently per batch time: `<out>/<stream>/<batchTime>.json` by foreachRDD
 * (temporary file + rename) and `<out>/text/totals-<batchTime>` by saveAsTextFiles; each write is
 * also appended to `<out>/log.jsonl` with a hash of what was written, so the test can see batches
 * that ran twice and check that they wrote the same thing. Outputs are written for batches 1..N
 * only; the process stops by itself once batch N has completed.
 *
 * Phases, one line each on stdout, so the test can time its kills (stdout is a pipe, written
 * synchronously on Linux: when the test reads a line, the child has passed that point):
 *   ready zeroTime=<ms> recovering=<bool> pid=<pid>   after getOrCreate and start()
 *   batch-submitted <time> <records>        a batch was made (records: its input count)
 *   batch-start <time>                      it begins to run
 *   batch-done <time>
 *   ckpt-write <time> / ckpt-done <time>    around every checkpoint write
 *   wal-write <time> / wal-done <time>      around every write-ahead log record
 *   warning <message>                       getOrCreate skipped a checkpoint (also on stderr)
 *   finished                                batch N completed; the process exits 0
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Observable } from 'rxjs';
import { StreamingContext, ManualClock, StateSpec, type DStream } from '../../../engine/index.ts';
import { FileSystemCheckpointStore, type CheckpointStore } from '../../../engine/checkpoint/index.ts';
import { generateBatches } from './data.ts';

const args = parseArgs(process.argv.slice(2));
const checkpointDir = required('checkpoint');
const outDir = path.resolve(required('out'));
const source = args.get('source') ?? 'queue';
const N = Number(args.get('batches') ?? 60);
const interval = Number(args.get('interval') ?? 50);
const seed = Number(args.get('seed') ?? 1);
const checkpointEvery = Number(args.get('checkpoint-every') ?? 1);
const manual = (args.get('clock') ?? 'real') === 'manual';
const replayFile = args.get('replay');
if (!['queue', 'observable'].includes(source)) fail(`--source must be queue or observable, got ${source}`);

const batches: string[][] = replayFile ? JSON.parse(fs.readFileSync(replayFile, 'utf8')) : generateBatches(seed, N);
if (batches.length !== N) fail(`expected ${N} batches of input, got ${batches.length}`);

const say = (line: string) => process.stdout.write(`${line}\n`);

/** The checkpoint directory's store and its write-ahead log, reporting every write on stdout (the test kills on `ckpt-write`). */
function reportingStore(store: CheckpointStore, what = 'ckpt'): CheckpointStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'writeAheadLog') return () => reportingStore(value.call(target), 'wal');
      if (property !== 'write') return value.bind(target);
      return async (checkpoint: { time: number }) => {
        say(`${what}-write ${checkpoint.time}`);
        await value.call(target, checkpoint);
        say(`${what}-done ${checkpoint.time}`);
      };
    },
  });
}

const store = reportingStore(new FileSystemCheckpointStore(checkpointDir));
const recovering = (await store.list()).length > 0;
const clock = manual ? new ManualClock() : undefined;

let context: StreamingContext | undefined;

function createContext(): StreamingContext {
  const ssc = new StreamingContext({ batchInterval: interval, scheduler: clock, defaultParallelism: 2 });
  context = ssc;
  ssc.checkpoint(store);

  const lines: DStream<string> =
    source === 'queue'
      ? ssc.queueStream(batches.map((b) => [...b])).name('lines')
      : ssc.fromObservable(timedLines(ssc)).name('lines');
  const pairs = lines.flatMap((line) => line.split(' ').slice(1)).map((w) => [w, 1] as [string, number]);

  const totals = pairs.updateStateByKey((values: number[], total: number | undefined) => values.reduce((a, b) => a + b, total ?? 0)).name('totals');
  totals.checkpoint(checkpointEvery * interval);

  const recent = pairs
    .reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 6 * interval, 2 * interval, 2, (kv) => kv[1] !== 0)
    .name('recent');
  recent.checkpoint(2 * interval * Math.max(1, Math.round(checkpointEvery / 2)));

  const streaks = pairs
    .mapWithState(
      StateSpec.function<string, number, number, [string, number | string]>((word, one, state) => {
        if (state.isTimingOut()) return [word, `idle after ${state.get()}`];
        const n = (state.exists() ? state.get() : 0) + (one ?? 0);
        state.update(n);
        return [word, n];
      }).timeout(8 * interval),
    )
    .name('streaks');
  streaks.checkpoint(checkpointEvery * interval);

  lines.foreachRDD(async (rdd, time) => writeOutput(ssc, 'input', time, await rdd.collect()));
  totals.foreachRDD(async (rdd, time) => writeOutput(ssc, 'totals', time, await rdd.collect()));
  recent.foreachRDD(async (rdd, time) => writeOutput(ssc, 'recent', time, await rdd.collect()));
  streaks.foreachRDD(async (rdd, time) => writeOutput(ssc, 'streaks', time, await rdd.collect()));
  totals.saveAsTextFiles(path.join(outDir, 'text', 'totals'));

  ssc.addStreamingListener({
    onBatchSubmitted: ({ batchInfo }) => say(`batch-submitted ${batchInfo.batchTime} ${batchInfo.numRecords}`),
    onBatchStarted: ({ batchInfo }) => say(`batch-start ${batchInfo.batchTime}`),
    onBatchCompleted: ({ batchInfo }) => {
      say(`batch-done ${batchInfo.batchTime}`);
      if (batchIndex(ssc, batchInfo.batchTime) >= N && !finishing) {
        finishing = true;
        say('finished');
        void ssc.stop().then(() => process.exit(0));
      }
    },
  });
  return ssc;
}
let finishing = false;

/**
 * Batch k's lines, emitted in the middle of interval k on the wall clock, from the first interval
 * that has not begun yet: what was due while no process was running is lost, as it would be from
 * a socket.
 */
function timedLines(ssc: StreamingContext): Observable<string> {
  return new Observable<string>((subscriber) => {
    const zeroTime = ssc.zeroTime!;
    const timers: ReturnType<typeof setTimeout>[] = [];
    for (let k = 1; k <= N; k++) {
      const due = zeroTime + (k - 1) * interval + interval / 2;
      const delay = due - Date.now();
      if (delay < 0) continue;
      timers.push(setTimeout(() => batches[k - 1]!.forEach((line) => subscriber.next(line)), delay));
    }
    return () => timers.forEach(clearTimeout);
  });
}

function batchIndex(ssc: StreamingContext, time: number): number {
  return (time - ssc.zeroTime!) / interval;
}

function writeOutput(ssc: StreamingContext, stream: string, time: number, records: unknown[]): void {
  const k = batchIndex(ssc, time);
  if (k > N) return;
  const sorted = records.map((r) => JSON.stringify(r)).sort();
  const text = `{"time":${time},"zeroTime":${ssc.zeroTime},"k":${k},"records":[\n${sorted.join(',\n')}\n]}\n`;
  const dir = path.join(outDir, stream);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${time}.json.tmp-${process.pid}`);
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, path.join(dir, `${time}.json`));
  const hash = createHash('sha1').update(text).digest('hex').slice(0, 12);
  fs.appendFileSync(path.join(outDir, 'log.jsonl'), `${JSON.stringify({ stream, k, hash, pid: process.pid })}\n`);
}

fs.mkdirSync(outDir, { recursive: true });
const ssc = await StreamingContext.getOrCreate(store, createContext, {
  onWarning: (message: string) => {
    say(`warning ${message.replace(/\n/g, ' ')}`);
    process.stderr.write(`warning: ${message}\n`);
  },
});
if (context !== undefined && ssc !== context) fail('getOrCreate returned another context than the one createContext built');
ssc.start();
say(`ready zeroTime=${ssc.zeroTime} recovering=${recovering} pid=${process.pid}`);
if (clock) {
  // Virtual time: run every batch now (the reference run of the observable variant).
  await clock.advance((N + 1) * interval);
  await ssc.awaitTermination();
}

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!;
    if (!key.startsWith('--') || argv[i + 1] === undefined) fail(`bad arguments near ${key}`);
    out.set(key.slice(2), argv[i + 1]!);
  }
  return out;
}

function required(name: string): string {
  const v = args.get(name);
  if (v === undefined) fail(`--${name} is required`);
  return v!;
}

function fail(message: string): never {
  process.stderr.write(`pipeline.ts: ${message}\n`);
  process.exit(2);
}
