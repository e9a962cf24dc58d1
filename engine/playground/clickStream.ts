import { interval, map } from 'rxjs';
import type { DStream } from '../dstream/DStream.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
// The engine's seeded generator, so every run shows the same data.
import { mulberry32 as seeded } from '../rdd/RDD.ts';

/** One page view of {@link clickStream}. */
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

/**
 * Page clicks by a few users, some of whom go quiet for a while (so sessions time out): a seeded
 * source on the context's clock, the same records on every run, in virtual time as in real time.
 *
 * @example
 * ```ts
 * import { ManualClock, Seconds, StreamingContext } from 'rivulet';
 * import { clickStream } from 'rivulet/playground';
 *
 * const clock = new ManualClock();
 * const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock });
 * clickStream(ssc, { perSecond: 5 }).map((c) => c.page).countByValue().print();
 * ssc.start();
 * await clock.advance(Seconds(3));
 * await ssc.stop();
 * ```
 */
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
