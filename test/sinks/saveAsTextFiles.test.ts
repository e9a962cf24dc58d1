import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StreamingContext } from '../../engine/streaming/StreamingContext.ts';
import { ManualClock } from '../../engine/streaming/ManualClock.ts';
import { RDDContext } from '../../engine/rdd/index.ts';
import { batchOutputPath, saveAsTextFiles } from '../../engine/sinks/saveAsTextFiles.ts';

let dir: string;
let ssc: StreamingContext | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-saveAsTextFiles-'));
});
afterEach(async () => {
  await ssc?.stop();
  ssc = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A batch directory as { fileName: content }, or undefined when it does not exist (or vanished while being read). */
function readBatch(batchDir: string): Record<string, string> | undefined {
  try {
    const out: Record<string, string> = {};
    for (const name of fs.readdirSync(batchDir).sort()) out[name] = fs.readFileSync(path.join(batchDir, name), 'utf8');
    return out;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

describe('saveAsTextFiles', () => {
  test('one directory per batch in Spark\'s layout: part files per partition, _SUCCESS, records formatted as print does', async () => {
    const clock = new ManualClock();
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 2 });
    const prefix = path.join(dir, 'out', 'words'); // parent directories are created
    ssc.queueStream<unknown>([['a', 'b', 'c'], [], [['k', 1], { x: 1 }, [1, 2, 3], 42, null]]).saveAsTextFiles(prefix);
    ssc.queueStream([['only']]).saveAsTextFiles(path.join(dir, 'suffixed'), 'txt');
    ssc.start();
    await clock.advanceTo(4000);

    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['words-1000', 'words-2000', 'words-3000', 'words-4000']);
    expect(readBatch(`${prefix}-1000`)).toEqual({ '_SUCCESS': '', 'part-00000': 'a\n', 'part-00001': 'b\nc\n' });
    expect(readBatch(`${prefix}-2000`)).toEqual({ '_SUCCESS': '', 'part-00000': '', 'part-00001': '' }); // empty partitions: empty part files
    expect(readBatch(`${prefix}-3000`)).toEqual({ '_SUCCESS': '', 'part-00000': '(k,1)\n{"x":1}\n', 'part-00001': '[1, 2, 3]\n42\nnull\n' });
    expect(readBatch(`${prefix}-4000`)).toEqual({ '_SUCCESS': '' }); // the queue ran dry: an RDD without partitions
    expect(readBatch(path.join(dir, 'suffixed-1000.txt'))).toEqual({ '_SUCCESS': '', 'part-00000': '', 'part-00001': 'only\n' });
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]); // no temporary directory left
  });

  test('writing a batch again replaces it whole, even with fewer partitions', async () => {
    const sc = new RDDContext();
    const save = saveAsTextFiles<string>(path.join(dir, 'counts'), 'out');
    const target = path.join(dir, 'counts-5000.out');
    await save(sc.parallelize(['1', '2', '3', '4'], 4), 5000);
    expect(Object.keys(readBatch(target)!)).toEqual(['_SUCCESS', 'part-00000', 'part-00001', 'part-00002', 'part-00003']);
    await save(sc.parallelize(['x', 'y'], 1), 5000);
    expect(readBatch(target)).toEqual({ '_SUCCESS': '', 'part-00000': 'x\ny\n' });
    expect(fs.readdirSync(dir)).toEqual(['counts-5000.out']);
  });

  test('a reader polling the path never sees a partial batch, on the first write or on a rewrite', async () => {
    const sc = new RDDContext();
    const save = saveAsTextFiles<string>(path.join(dir, 'big'));
    const target = path.join(dir, 'big-1000');
    const records = (tag: string) => Array.from({ length: 20_000 }, (_, i) => `${tag} record ${i} ${'x'.repeat(40)}`);
    const expected = (tag: string) => {
      const rdd = sc.parallelize(records(tag), 8);
      return { rdd, files: rdd.glom().collect().then((parts) => Object.fromEntries([['_SUCCESS', ''], ...parts.map((p, i) => [`part-0000${i}`, p.map((r) => `${r}\n`).join('')])])) };
    };
    const first = expected('old');
    const second = expected('new');
    const complete = [await first.files, await second.files];

    const seen = { absent: 0, old: 0, new: 0 };
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const got = readBatch(target);
        if (got === undefined) seen.absent++;
        else if (JSON.stringify(got) === JSON.stringify(complete[0])) seen.old++;
        else if (JSON.stringify(got) === JSON.stringify(complete[1])) seen.new++;
        else throw new Error(`a reader saw a partial batch: files ${Object.keys(got).join(', ')}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await save(first.rdd, 1000);
    await save(second.rdd, 1000);
    writing = false;
    await reader;
    expect(readBatch(target)).toEqual(complete[1]);
    expect(seen.absent + seen.old).toBeGreaterThan(0);
  });

  test('a write that fails fails the batch with the path and the batch time', async () => {
    fs.writeFileSync(path.join(dir, 'not-a-dir'), '');
    const save = saveAsTextFiles<string>(path.join(dir, 'not-a-dir', 'out'));
    await expect(save(new RDDContext().parallelize(['a']), 7000)).rejects.toThrow(
      new RegExp(`^saveAsTextFiles: could not write the batch at 7000 ms to ${path.join(dir, 'not-a-dir', 'out-7000').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    );
  });

  test('checks its arguments when defined; names follow Spark\'s rddToFileName', () => {
    expect(() => saveAsTextFiles('')).toThrow(/prefix must be a non-empty path prefix/);
    expect(() => saveAsTextFiles('out/')).toThrow(/ends with a path separator; .* e\.g\. "out\/counts"/);
    expect(() => saveAsTextFiles('out', 3 as never)).toThrow(/suffix must be a string/);
    expect(batchOutputPath('out/c', undefined, 1000)).toBe('out/c-1000');
    expect(batchOutputPath('out/c', '', 1000)).toBe('out/c-1000');
    expect(batchOutputPath('out/c', 'csv', 1000)).toBe('out/c-1000.csv');
  });
});
