// Windowed top-K: the 5 most frequent words of the last 10 seconds, every 2 seconds.
// reduceByKeyAndWindow with an inverse function adds the batch that entered the window and
// subtracts the one that left, instead of re-reducing all ten.
import { StreamingContext, Seconds } from 'rivulet';
import { sentenceStream } from 'rivulet/playground';

const K = 5;
const ssc = new StreamingContext({ batchInterval: Seconds(1) });

const words = sentenceStream(ssc, { perSecond: 8 })
  .flatMap((line) => line.split(' '))
  .map((word) => [word, 1]);

const windowCounts = words.reduceByKeyAndWindow(
  (a, b) => a + b,
  (a, b) => a - b,
  Seconds(10),
  Seconds(2),
  2,
  ([, count]) => count > 0,
);

const topK = windowCounts.transform((rdd) => rdd.sortBy(([, count]) => -count).coalesce(1));
topK.print(K);
ssc.start();
