import { interval, map } from 'rxjs';
import type { DStream } from '../dstream/DStream.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import { mulberry32 as seeded } from '../rdd/RDD.ts';

export interface SentenceStreamOptions {
  /** Lines per second (default 5). */
  perSecond?: number;
  seed?: number;
}

const WORDS = 'the quick brown fox jumps over the lazy dog a stream is a sequence of batches spark rivulet data flows'.split(' ');

/** Random lines of 3 to 8 words, for word counts that never end: seeded, on the context's clock. */
export function sentenceStream(ssc: StreamingContext, options: SentenceStreamOptions = {}): DStream<string> {
  const rand = seeded(options.seed ?? 11);
  const lines = interval(1000 / (options.perSecond ?? 5), ssc.scheduler).pipe(map(() => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ')));
  return ssc.fromObservable(lines);
}
