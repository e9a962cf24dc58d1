// A join of two streams: ad impressions and ad clicks, paired by ad id in each batch.
// join pairs the records with the same key in the same batch; leftOuterJoin keeps impressions
// nobody clicked. Both sides are shuffled by key into the same partitions.
import { StreamingContext, Seconds } from 'rivulet';

const ssc = new StreamingContext({ batchInterval: Seconds(1) });

const impressions = ssc.queueStream<[string, string]>([
  [
    ['ad1', 'alice'],
    ['ad2', 'bob'],
    ['ad3', 'carol'],
  ],
  [
    ['ad1', 'dave'],
    ['ad4', 'erin'],
  ],
  [
    ['ad2', 'frank'],
    ['ad3', 'grace'],
    ['ad5', 'heidi'],
  ],
]);
const clicks = ssc.queueStream<[string, number]>([
  [
    ['ad1', 120],
    ['ad3', 340],
  ],
  [['ad4', 80]],
  [
    ['ad2', 45],
    ['ad2', 60],
  ],
]);

const clicked = impressions.join(clicks);
clicked.print();

const clickThrough = impressions.leftOuterJoin(clicks).map(([ad, [user, ms]]) => `${ad} shown to ${user}: ${ms === undefined ? 'no click' : `clicked after ${ms} ms`}`);
clickThrough.print();

ssc.start();
