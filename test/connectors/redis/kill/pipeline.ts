/**
 * The pipeline kill.test.ts runs as a child process and SIGKILLs: words from a Redis stream (a
 * direct stream, `--per-batch` entries a batch), a running count per word (mapWithState,
 * checkpointed; it maps every record, so a word twice in a batch gives two counts), written to
 * another stream with saveToRedisStream (one atomic script per batch, entry ids from the batch
 * time). Run it again with the same arguments and it resumes from its checkpoint directory:
 *
 *   node pipeline.mjs --checkpoint DIR --url redis://… --in WORDS --out TOTALS
 *     --per-batch 5 --records 1000 [--interval 100]
 *
 * The input's entries have ids `1-0` … `<records>-0` (the test adds them so).
 *
 * Phases on stdout, one line each (the test times its kills on them):
 *   ready recovering=<bool> pid=<pid>
 *   batch-start <time>
 *   write <time>            the batch's counts are about to be written
 *   ranges <time> <from>-<until>  the batch's offset range (entry ids)
 *   batch-done <time>
 *   finished                the batch that read the last entry completed; exits 0
 */
import { FileSystemCheckpointStore } from '../../../../engine/checkpoint/index.ts';
import { hasOffsetRanges, StateSpec, StreamingContext } from '../../../../engine/index.ts';
import { RedisStreamUtils } from '../../../../engine/connectors/redis/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const need = (name: string) => args.get(name) ?? fail(`--${name} is required`);
const checkpointDir = need('checkpoint');
const url = need('url');
const inStream = need('in');
const outStream = need('out');
const perBatch = Number(need('per-batch'));
const records = Number(need('records'));
const interval = Number(args.get('interval') ?? 100);

const say = (line: string) => process.stdout.write(`${line}\n`);
function fail(message: string): never {
  process.stderr.write(`pipeline.ts: ${message}\n`);
  process.exit(2);
}

const store = new FileSystemCheckpointStore(checkpointDir);
const recovering = (await store.list()).length > 0;
/** The batch whose range reached the last entry. */
let lastBatch: number | undefined;
let finishing = false;

function createContext(): StreamingContext {
  const ssc = new StreamingContext({ batchInterval: interval });
  ssc.checkpoint(store);
  // perBatch entries a batch from the backlog: maxRatePerPartition × the interval in seconds.
  const words = RedisStreamUtils.createDirectStream(ssc, { url, streams: inStream, decode: (_id, fields) => fields.word! }, { maxRatePerPartition: (perBatch * 1000) / interval }).name('words');
  const totals = words
    .map((w) => [w, 1] as [string, number])
    .mapWithState(
      StateSpec.function<string, number, number, [string, number]>((word, one, state) => {
        const n = (state.getOption() ?? 0) + (one ?? 0);
        state.update(n);
        return [word, n];
      }),
    )
    .name('totals');
  totals.checkpoint(interval);
  totals.foreachRDD((_rdd, time) => void say(`write ${time}`));
  RedisStreamUtils.saveToRedisStream(totals, { url, key: outStream, fields: ([word, n]) => ({ word, n: String(n) }) });
  words.foreachRDD((rdd, time) => {
    if (!hasOffsetRanges<string>(rdd)) return;
    say(`ranges ${time} ${rdd.offsetRanges.map((r) => `${r.fromOffset}-${r.untilOffset}`).join(' ')}`);
    if (rdd.offsetRanges.some((r) => r.untilOffset === `${records}-0`)) lastBatch = time;
  });
  ssc.addStreamingListener({
    onBatchStarted: ({ batchInfo }) => say(`batch-start ${batchInfo.batchTime}`),
    onBatchCompleted: ({ batchInfo }) => {
      if (batchInfo.failureReason) {
        say(`batch-failed ${batchInfo.batchTime} ${batchInfo.failureReason.replace(/\n/g, ' ')}`);
        return;
      }
      say(`batch-done ${batchInfo.batchTime}`);
      if (batchInfo.batchTime === lastBatch && !finishing) {
        finishing = true;
        say('finished');
        void ssc.stop().then(() => process.exit(0));
      }
    },
  });
  return ssc;
}

const ssc = await StreamingContext.getOrCreate(store, createContext);
ssc.start();
say(`ready recovering=${recovering} pid=${process.pid}`);
