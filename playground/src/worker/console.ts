import type { ConsoleLine } from '../protocol.ts';
import { clipLine, formatArgs } from './format.ts';

const MAX_PENDING = 2000;

/**
 * Route console output (print() writes with console.log) to `send`, in batches: one call per
 * 50 ms at most, and at most MAX_PENDING lines per call — beyond that the oldest are dropped and
 * counted — and each line cut at MAX_CONSOLE_LINE characters (a 2 MB record printed stays cheap), so a pipeline that logs in a loop cannot flood the page. Output while `accept()` is
 * false is dropped without a trace (an executor's copy of the pipeline defining it again).
 */
export function interceptConsole(send: (lines: ConsoleLine[], dropped: number) => void, accept: () => boolean = () => true): void {
  let pending: ConsoleLine[] = [];
  let dropped = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    if (pending.length === 0 && dropped === 0) return;
    send(pending, dropped);
    pending = [];
    dropped = 0;
  };
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    console[level] = (...args: unknown[]) => {
      if (!accept()) return;
      for (const text of formatArgs(args).split('\n')) pending.push({ level, text: clipLine(text) });
      if (pending.length > MAX_PENDING) {
        dropped += pending.length - MAX_PENDING;
        pending = pending.slice(-MAX_PENDING);
      }
      timer ??= setTimeout(flush, 50);
    };
  }
}
