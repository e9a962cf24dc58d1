import { afterEach, describe, expect, test, vi } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../engine/index.ts';
import { createTestContext } from '../support/TestSuiteBase.ts';

// The `logger` option: what the engine cannot throw goes to it, and nothing goes to the console.

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Entry = [level: string, ...args: string[]];

/** An argument as text that is the same in two runs (an error by its name and message). */
const text = (a: unknown) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a));

/** A run that makes the engine log at every level it uses: a second start(), a listener that throws, a failed batch nobody awaits. */
async function run(logger?: Logger): Promise<void> {
  const { ssc, clock } = createTestContext(logger ? { logger } : {});
  ssc.queueStream([[1], [2]]).foreachRDD((_rdd, time) => {
    if (time === 2000) throw new Error('sink down');
  });
  ssc.addStreamingListener({
    onBatchCompleted: () => {
      throw new Error('listener bug');
    },
  });
  ssc.start();
  ssc.start();
  await clock.advance(2000);
  await expect.poll(() => ssc.state).toBe('stopped');
}

/** Spies on the console's four methods, recording what they are called with. */
function recordConsole(): Entry[] {
  const calls: Entry[] = [];
  for (const level of LEVELS) vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void calls.push([level, ...args.map(text)]));
  return calls;
}

afterEach(() => void vi.restoreAllMocks());

describe('logger', () => {
  test('a custom logger receives exactly what the console gets by default, and the console gets nothing', async () => {
    const byDefault = recordConsole();
    await run();
    vi.restoreAllMocks();

    const onConsole = recordConsole();
    const logged: Entry[] = [];
    const logger = Object.fromEntries(LEVELS.map((level) => [level, (...args: unknown[]) => void logged.push([level, ...args.map(text)])])) as unknown as Logger;
    await run(logger);

    expect(onConsole).toEqual([]);
    expect(logged).toEqual(byDefault);
    // What was logged, by level: each message says what happened and where.
    expect(logged.map(([level, message]) => [level, message])).toEqual(
      expect.arrayContaining([
        ['warn', 'StreamingContext.start(): already started; ignoring.'],
        ['error', 'StreamingListener.onBatchCompleted threw (the stream goes on):'],
        ['error', expect.stringMatching(/^StreamingContext: a batch failed; stopping/)],
      ]),
    );
    expect(logged.find(([, m]) => m.startsWith('StreamingContext: a batch failed'))?.[2]).toMatch(/^BatchFailedError: Batch 2000 ms failed/);
  });

  test('console itself is a logger; a logger without the four methods is refused where it is given', () => {
    expect(() => createTestContext({ logger: console })).not.toThrow();
    expect(() => createTestContext({ logger: { warn() {}, error() {} } as never })).toThrow(/StreamingContext: logger must have the methods debug, info, warn and error \(console has them\); it lacks debug, info/);
    expect(() => createTestContext({ logger: 'verbose' as never })).toThrow(/logger must have .*; got string/);
  });

  test('the engine writes to the console only through the default logger (and print(), an output)', () => {
    const engine = fileURLToPath(new URL('../../engine/', import.meta.url));
    const allowed = new Set(['util/logger.ts', 'dstream/print.ts', 'build/library.ts']);
    const offenders: string[] = [];
    for (const file of readdirSync(engine, { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|mjs)$/.test(file) || allowed.has(file.split(path.sep).join('/'))) continue;
      readFileSync(path.join(engine, file), 'utf8').split('\n').forEach((line, i) => {
        const code = line.trim();
        if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return; // comments and doc examples
        if (/\bconsole\.(log|info|debug|warn|error|trace)\b/.test(code.replace(/\/\/.*$/, ''))) offenders.push(`engine/${file}:${i + 1}: ${code}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
