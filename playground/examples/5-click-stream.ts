// A click-stream: page views over a sliding window, and the busiest users of each batch.
// The clicks come from clickStream (rivulet/playground), a seeded generator on the context's clock.
import { StreamingContext, Seconds } from 'rivulet';
import { clickStream } from 'rivulet/playground';

const ssc = new StreamingContext({ batchInterval: Seconds(1), defaultParallelism: 3 });
const clicks = clickStream(ssc, { perSecond: 40 });

const pageViews = clicks.map((c) => [c.page, 1]).reduceByKeyAndWindow((a, b) => a + b, Seconds(5), Seconds(1));
pageViews.print();

const busiest = clicks
  .map((c) => [c.user, 1])
  .reduceByKey((a, b) => a + b)
  .filter(([, n]) => n >= 6);
busiest.print();

ssc.start();
