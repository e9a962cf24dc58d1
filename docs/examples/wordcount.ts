/**
 * `npm run example`: a streaming word count over generated sentences, on the real clock.
 *
 * Every 100 ms an RxJS interval makes up a sentence; the StreamingContext cuts them into 1-second
 * batches. Each batch prints its word counts (Spark's print format), and a sliding window prints
 * the most frequent words of the last 3 seconds. After RIVULET_EXAMPLE_SECONDS (default 5) the
 * context stops gracefully: every sentence already received is counted before it exits.
 */
import { interval, map } from 'rxjs';
import { StreamingContext, Seconds } from 'rivulet';

const runFor = Seconds(Number(process.env.RIVULET_EXAMPLE_SECONDS ?? 5));

const subjects = ['the cat', 'a dog', 'the stream', 'my batch', 'every window'];
const verbs = ['sees', 'follows', 'counts', 'joins', 'reduces'];
const objects = ['the river', 'a word', 'the partitions', 'some records', 'the clock'];
const pick = (words: string[]) => words[Math.floor(Math.random() * words.length)]!;

// The source runs on the driver (this thread), so it may use anything in scope.
const sentences = interval(100).pipe(map(() => `${pick(subjects)} ${pick(verbs)} ${pick(objects)}`));

const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const lines = ssc.fromObservable(sentences);

// Functions given to transformations may use anything in scope. With `workers: 2` they would run
// on worker threads unchanged: every worker loads this script too, and builds its own stopWords.
const stopWords = new Set(['the', 'a', 'my', 'some', 'every']);
const pairs = lines
  .flatMap((line) => line.split(' '))
  .filter((word) => !stopWords.has(word))
  .map((word) => [word, 1]);

// Word counts of each 1-second batch.
pairs.reduceByKey((a, b) => a + b).print(5);

// The last 3 seconds, every second: add the batch that entered, subtract the one that left,
// and drop words whose count fell to 0.
const windowed = pairs.reduceByKeyAndWindow(
  (a, b) => a + b,
  (a, b) => a - b,
  Seconds(3),
  Seconds(1),
  undefined,
  ([, count]) => count > 0,
);
windowed.foreachRDD(async (rdd, time) => {
  // foreachRDD runs on the driver; the actions (sortBy, take) run as jobs over the partitions.
  const top = await rdd.sortBy(([, count]) => count, false).take(3);
  console.log(`Top words of the 3 s up to ${new Date(time).toISOString()}: ${top.map(([w, n]) => `${w} (${n})`).join(', ')}\n`);
});

ssc.addStreamingListener({
  onBatchCompleted: ({ batchInfo }) => {
    if (batchInfo.processingDelay! > ssc.batchInterval) {
      console.log(`Batch ${batchInfo.batchTime} took ${batchInfo.processingDelay} ms, longer than the batch interval: the stream is falling behind.`);
    }
  },
});

ssc.start();
console.log(`Counting words for ${runFor / 1000} s…\n`);
await ssc.awaitTerminationOrTimeout(runFor);
await ssc.stop({ stopGracefully: true });
console.log(`Stopped (${ssc.state}).`);
