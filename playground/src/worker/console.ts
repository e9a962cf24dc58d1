import type { FromWorker } from '../protocol.ts';
import { formatArgs } from './format.ts';

type Level = 'log' | 'info' | 'warn' | 'error' | 'debug';
const MAX_PENDING = 2000;

/**
 * Route console output (print() writes with console.log) to the page, in batches: one message
 * per 50 ms at most, and at most MAX_PENDING lines per message — beyond that the oldest are
 * dropped and counted, so a pipeline that logs in a loop cannot flood the page.
 */
export function interceptConsole(post: (m: FromWorker) => void): void {
  let pending: { level: Level; text: string }[] = [];
  let dropped = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    if (pending.length === 0 && dropped === 0) return;
    post({ type: 'console', lines: pending, dropped });
    pending = [];
    dropped = 0;
  };
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    console[level] = (...args: unknown[]) => {
      for (const text of formatArgs(args).split('\n')) pending.push({ level, text });
      if (pending.length > MAX_PENDING) {
        dropped += pending.length - MAX_PENDING;
        pending = pending.slice(-MAX_PENDING);
      }
      timer ??= setTimeout(flush, 50);
    };
  }
}
