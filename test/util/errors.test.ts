import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as rivulet from '../../engine/index.ts';
import { BatchFailedError, IllegalStateError, InvalidArgumentError, OutOfRangeError, RivuletError, UnsupportedOperationError, UserFunctionError } from '../../engine/index.ts';
import { createTestContext } from '../support/TestSuiteBase.ts';

// One error base class with a stable code; every error class a user can meet is exported; the
// engine throws no bare Error.

const root = fileURLToPath(new URL('../..', import.meta.url));
const engineDir = path.join(root, 'engine');

type ErrorClass = (abstract new (...args: any[]) => Error) & { code?: unknown };
const exported = (Object.entries(rivulet) as [string, unknown][]).filter((e): e is [string, ErrorClass] => typeof e[1] === 'function' && e[1].prototype instanceof Error);
/** Errors that never leave the engine: each is caught and wrapped in an exported one (named in the comment). */
const INTERNAL = new Map([
  ['UnencodableValue', 'CheckpointEncodeError'],
  ['MalformedValue', 'CorruptCheckpointError'],
  ['WorkerError', 'the re-created error of a worker, named as the worker\'s own'],
]);
/** Named TypeError or RangeError, as Node names its ERR_INVALID_ARG_TYPE and ERR_OUT_OF_RANGE errors. */
const NATIVE_NAMED = new Map([
  ['InvalidArgumentError', 'TypeError'],
  ['OutOfRangeError', 'RangeError'],
  ['KeyError', 'TypeError'],
]);

/** Every engine source file, as [path relative to engine/, text]. */
function engineSources(): [string, string][] {
  return readdirSync(engineDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mjs)$/.test(f) && !f.startsWith(`build${path.sep}`))
    .map((f) => [f.split(path.sep).join('/'), readFileSync(path.join(engineDir, f), 'utf8')]);
}

/** Lines of code (doc comments and comments left out). */
function codeLines(text: string): [number, string][] {
  return text
    .split('\n')
    .map((line, i) => [i + 1, line.trim()] as [number, string])
    .filter(([, l]) => !l.startsWith('*') && !l.startsWith('//') && !l.startsWith('/*'));
}

describe('error classes', () => {
  test('every exported error class has a distinct stable code, RIVULET_…, also on its instances', () => {
    expect(exported.length).toBeGreaterThan(25);
    const codes = new Map<string, string>();
    for (const [name, C] of exported) {
      expect(C.code, name).toMatch(/^RIVULET_[A-Z_]+$/);
      expect(codes.get(C.code as string), `${name} and ${codes.get(C.code as string)} share ${String(C.code)}`).toBeUndefined();
      codes.set(C.code as string, name);
      if (C === RivuletError) continue; // abstract
      // Constructed with made-up arguments (a list serves as a string and as a list): what matters is what every instance carries.
      const arg = ['x'];
      const e = new (C as unknown as new (...args: unknown[]) => Error & { code: string })(arg, arg, arg, arg);
      expect(e.code, name).toBe(C.code);
      expect(e, name).toBeInstanceOf(RivuletError);
      expect(e, name).toBeInstanceOf(C);
      expect(e.name, name).toBe(NATIVE_NAMED.get(name) ?? name);
      expect(Object.keys(e), `${name}: code is an own, enumerable property (shown by console.log and util.inspect)`).toContain('code');
    }
  });

  test('every error class in engine/ extends RivuletError (directly or through an exported one) and is exported, or never leaves the engine', () => {
    const declared = new Map<string, string>();
    for (const [file, text] of engineSources()) {
      for (const m of text.matchAll(/^(?:export )?(?:abstract )?class (\w+) extends (\w+)/gm)) declared.set(m[1]!, `${m[2]} (engine/${file})`);
    }
    const errorClasses = [...declared].filter(([, base]) => /Error|RivuletError|MalformedValue|UnencodableValue/.test(base.split(' ')[0]!));
    const exportedNames = new Set(exported.map(([n]) => n));
    const unexported = errorClasses.map(([n]) => n).filter((n) => !exportedNames.has(n) && !INTERNAL.has(n));
    expect(unexported).toEqual([]);
    const bare = errorClasses.filter(([n, base]) => /^(Error|TypeError|RangeError) /.test(base) && n !== 'RivuletError' && !NATIVE_NAMED.has(n) && n !== 'WorkerError');
    expect(bare).toEqual([]);
  });

  test('the engine constructs no bare Error, TypeError or RangeError with a message (new Error() only captures a stack)', () => {
    const offenders: string[] = [];
    for (const [file, text] of engineSources()) {
      // DStream.ts and RDD.ts import InvalidArgumentError and OutOfRangeError under the names TypeError and RangeError.
      const aliased = /import \{[^}]*InvalidArgumentError as TypeError, OutOfRangeError as RangeError\b/.test(text);
      for (const [n, line] of codeLines(text)) {
        const bareError = /new Error\((?!\))/.test(line);
        const bareNative = !aliased && /new (TypeError|RangeError)\(/.test(line);
        if (bareError || bareNative) offenders.push(`engine/${file}:${n}: ${line}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('docs/errors.md lists every exported class with its code', () => {
    const doc = readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
    const missing = exported.filter(([name, C]) => !new RegExp(`\\| \`${C.code as string}\` \\| \`${name}\``).test(doc)).map(([name]) => name);
    expect(missing).toEqual([]);
  });
});

describe('errors met through the API carry their code', () => {
  test('a bad argument: an InvalidArgumentError that is a TypeError named TypeError', () => {
    const { ssc } = createTestContext();
    const error = (() => {
      try {
        ssc.queueStream([[1]]).map(42 as never);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toBeInstanceOf(RivuletError);
    expect(error).toMatchObject({ name: 'TypeError', code: 'RIVULET_INVALID_ARGUMENT' });
    expect(String(error)).toMatch(/^TypeError: /);
  });

  test('a window that is not a multiple of the batch interval: OutOfRangeError, a RangeError', () => {
    const { ssc } = createTestContext();
    expect(() => ssc.queueStream([[1]]).window(1500)).toThrow(expect.objectContaining({ code: 'RIVULET_OUT_OF_RANGE', name: 'RangeError' }));
    expect(() => ssc.queueStream([[1]]).window(1500)).toThrow(OutOfRangeError);
  });

  test('lifecycle: IllegalStateError; an empty reduce: UnsupportedOperationError', async () => {
    const { ssc } = createTestContext();
    expect(() => ssc.start()).toThrow(expect.objectContaining({ code: 'RIVULET_ILLEGAL_STATE' }));
    expect(() => ssc.start()).toThrow(IllegalStateError);
    await expect(ssc.sparkContext.parallelize<number>([]).reduce((a, b) => a + b)).rejects.toThrow(UnsupportedOperationError);
  });

  test('a failed batch: BatchFailedError, caused by the UserFunctionError around the user\'s own error (which keeps no code)', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).map(() => { throw new Error('mine'); }).foreachRDD(async (rdd) => void (await rdd.collect()));
    const terminated = ssc.awaitTermination().catch((e: unknown) => e);
    ssc.start();
    await clock.advance(1000);
    const e = (await terminated) as BatchFailedError;
    expect(e).toMatchObject({ code: 'RIVULET_BATCH_FAILED', name: 'BatchFailedError' });
    expect(e.cause).toBeInstanceOf(UserFunctionError);
    expect((e.cause as UserFunctionError).code).toBe('RIVULET_USER_FUNCTION_FAILED');
    expect((e.cause as UserFunctionError).cause).not.toBeInstanceOf(RivuletError);
  });
});
