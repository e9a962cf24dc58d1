/**
 * `rivulet/playground`: built-in sources for trying pipelines without a server. They run on the
 * context's clock, so they fast-forward with virtual time and are reproducible (seeded).
 */
import { interval, map } from 'rxjs';
import type { DStream, StreamingContext } from 'rivulet';
// The engine's seeded generator, so every run of an example shows the same data.
import { mulberry32 as seeded } from '../../../engine/rdd/RDD.ts';

export interface Click {
  user: string;
  page: string;
  /** Event time on the context's clock, ms. */
  time: number;
}

export interface ClickStreamOptions {
  /** Clicks per second (default 20). */
  perSecond?: number;
  /** Number of distinct users (default 8). */
  users?: number;
  pages?: string[];
  /** Chance that a user pauses, making gaps that end sessions (default 0.3). */
  idleRate?: number;
  seed?: number;
}

const PAGES = ['/home', '/search', '/product/1', '/product/2', '/product/3', '/cart', '/checkout', '/help'];

/** Page clicks by a few users, some of whom go quiet for a while (so sessions time out). */
export function clickStream(ssc: StreamingContext, options: ClickStreamOptions = {}): DStream<Click> {
  const perSecond = options.perSecond ?? 20;
  const users = Array.from({ length: options.users ?? 8 }, (_, i) => `user${i + 1}`);
  const pages = options.pages ?? PAGES;
  const idleRate = options.idleRate ?? 0.3;
  const rand = seeded(options.seed ?? 7);
  // A user is quiet until this time (set when they "leave" for a few seconds).
  const quietUntil = new Map<string, number>();
  const clicks = interval(1000 / perSecond, ssc.scheduler).pipe(
    map(() => {
      const now = ssc.scheduler.now();
      let user = users[Math.floor(rand() * users.length)]!;
      for (let tries = 0; (quietUntil.get(user) ?? 0) > now && tries < users.length; tries++) user = users[(users.indexOf(user) + 1) % users.length]!;
      if (rand() < idleRate / perSecond) quietUntil.set(user, now + 3000 + rand() * 7000);
      return { user, page: pages[Math.floor(rand() * pages.length)]!, time: now };
    }),
  );
  return ssc.fromObservable(clicks);
}

export interface SentenceStreamOptions {
  /** Lines per second (default 5). */
  perSecond?: number;
  seed?: number;
}

const WORDS = 'the quick brown fox jumps over the lazy dog a stream is a sequence of batches spark rivulet data flows'.split(' ');

/** Random lines of words, for word counts that never end. */
export function sentenceStream(ssc: StreamingContext, options: SentenceStreamOptions = {}): DStream<string> {
  const rand = seeded(options.seed ?? 11);
  const lines = interval(1000 / (options.perSecond ?? 5), ssc.scheduler).pipe(map(() => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ')));
  return ssc.fromObservable(lines);
}
