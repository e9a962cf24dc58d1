/**
 * `npm run bench`: every figure is measured side by side in one run on this machine; compare
 * ratios and medians, not absolute numbers (shared machines are noisy).
 */
import os from 'node:os';
import { execSync } from 'node:child_process';
import { measureWordCount, makeBatches } from './wordcount.ts';
import { mapWithStatePerBatch, plainMapPerBatch, updateStateByKeyPerBatch } from './mapWithState.ts';
import { median, percentile, table } from './stats.ts';
import { runWorkersComparison } from './workersComparison.ts';
import { runWorkerStartup } from './workerStartup.ts';
import { runTransferBench } from './transfer.ts';
import { runShuffleTransfer } from './shuffleTransfer.ts';
import { measureOverhead, measureOverheadInChromium, measureWritesInNode, nodeRunner, type OverheadRow } from './checkpointOverhead.ts';
import { runBudgets } from './budgets.ts';
import { runHandLoops } from './handLoops.ts';
import { runKafkaWordCount } from './kafkaWordCount.ts';

const quick = process.argv.includes('--quick');
let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {}
console.log(`Rivulet benchmarks — commit ${commit}, node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${quick ? 'quick' : 'full'} run\n`);

// ---- issue 14: windows, state, word count and workers against hand-written loops ----
await runHandLoops(quick);

// ---- word count ----
const data = makeBatches(quick ? 5 : 20, quick ? 10_000 : 50_000);
const rounds = quick ? 3 : 7;
const times = await measureWordCount(data, rounds);
const loopMedian = median(times.get('hand-written loop')!);
const rows = [...times].map(([name, ts]) => {
  const m = median(ts);
  return [name, (data.words / m) * 1000, m, loopMedian / m];
});
console.log(`Word count: ${data.batches.length} batches, ${data.words.toLocaleString('en-US')} words, median of ${rounds} interleaved rounds`);
console.log(table(['variant', 'words/s', 'median ms', 'throughput vs loop'], rows));
console.log();

// ---- mapWithState vs total keys ----
const batches = quick ? 20 : 100;
const touched = 1000;
const [small, large] = (await mapWithStatePerBatch([10_000, 1_000_000], touched, batches)) as [number[], number[]];
console.log(`mapWithState: ${touched.toLocaleString('en-US')} keys touched per batch, ${batches} measured batches each, the two pipelines stepped alternately`);
const [plainSmall, plainLarge] = plainMapPerBatch([10_000, 1_000_000], touched, batches) as [number[], number[]];
console.log(
  table(
    ['total keys', 'mapWithState p50 ms/batch', 'p99', 'plain Map, same updates: p50 ms', 'p99'],
    [
      ['10,000', median(small), percentile(small, 99), median(plainSmall), percentile(plainSmall, 99)],
      ['1,000,000', median(large), percentile(large, 99), median(plainLarge), percentile(plainLarge, 99)],
    ],
  ),
);
console.log(`ratio of medians, 1,000,000 / 10,000 keys: mapWithState ${(median(large) / median(small)).toFixed(2)}x (target: within 2x); plain Map ${(median(plainLarge) / median(plainSmall)).toFixed(2)}x\n`);

// ---- updateStateByKey for contrast ----
const uSmall = await updateStateByKeyPerBatch(10_000, touched, quick ? 5 : 10);
const uLarge = await updateStateByKeyPerBatch(100_000, touched, quick ? 5 : 10);
console.log('updateStateByKey (calls the update for every key, every batch), for contrast');
console.log(
  table(
    ['total keys', 'p50 ms/batch'],
    [
      ['10,000', median(uSmall)],
      ['100,000', median(uLarge)],
    ],
  ),
);

// ---- checkpoint overhead ----
const checkpointSizes = quick ? [{ keys: 10_000, batches: 30 }] : [{ keys: 10_000, batches: 100 }, { keys: 100_000, batches: 50 }];
const checkpointRounds = quick ? 1 : 5;
const checkpointTouched = 1000;
const writePairs = quick ? [0, 10_000] : [0, 10_000, 100_000];
const overheadTable = (rows: OverheadRow[]) =>
  table(
    ['state keys', 'checkpoint', 'ms/batch', 'added ms/batch', 'vs never', 'checkpoint writes', 'log writes', 'checkpoint bytes'],
    rows.map((r) => [r.keys.toLocaleString('en-US'), r.label, r.msPerBatch, r.msPerBatch - r.msPerBatch / r.ratio, `${r.ratio.toFixed(2)}x`, String(r.checkpointWrites), String(r.walWrites), r.checkpointBytes === 0 ? '—' : r.checkpointBytes.toLocaleString('en-US')]),
  );
console.log(
  `\nCheckpoint overhead: mapWithState, ${checkpointTouched.toLocaleString('en-US')} keys touched per batch, ManualClock (batches back to back); ms/batch = the whole run (final checkpoint included) / batches; median of ${checkpointRounds} interleaved round${checkpointRounds === 1 ? '' : 's'}`,
);
const nodeWrites = await measureWritesInNode(writePairs, Math.max(5, checkpointRounds * 3));
console.log('Node, FileSystemCheckpointStore (temp file, fsync, rename, fsync directory):');
console.log(overheadTable(await measureOverhead(nodeRunner, checkpointSizes, checkpointTouched, checkpointRounds)));
const inChromium = await measureOverheadInChromium(checkpointSizes, checkpointTouched, checkpointRounds, writePairs);
if ('skipped' in inChromium) console.log(`Chromium, IndexedDBCheckpointStore: skipped — ${inChromium.skipped}`);
else {
  console.log(`${inChromium.browser} (headless), IndexedDBCheckpointStore (one transaction per write, durability "strict"):`);
  console.log(overheadTable(inChromium.rows));
}
console.log('One durable checkpoint write (encode + write + commit), median ms; 0 pairs is the size of a log record:');
console.log(
  table(
    ['[key, state] pairs', 'Node, file', 'Chromium, IndexedDB'],
    writePairs.map((n, i) => [n.toLocaleString('en-US'), nodeWrites[i]!, 'skipped' in inChromium ? '—' : inChromium.writes[i]!]),
  ),
);

// ---- workers (issue 3) ----
runTransferBench(quick);
await runWorkersComparison(quick);
await runWorkerStartup(quick);
await runShuffleTransfer(quick);

// ---- Kafka → word count → Kafka against the client's own loop (issue 12); skips without Java or Kafka's jars ----
await runKafkaWordCount(quick);

// ---- package budgets (issue 6) ----
await runBudgets(quick);
