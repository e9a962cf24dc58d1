/**
 * Word count over the same batches, three ways, in one run: a hand-written loop, a plain RxJS
 * operator chain, and Rivulet in local mode (queueStream → flatMap → map → reduceByKey → collect).
 */
import { from, lastValueFrom, mergeMap, map, reduce } from 'rxjs';
import { ManualClock, StreamingContext } from '../../engine/index.ts';
import { rng, timed } from './stats.ts';

export interface WordCountData {
  batches: string[][];
  words: number;
}

export function makeBatches(numBatches: number, linesPerBatch: number, wordsPerLine = 8, vocabulary = 10_000): WordCountData {
  const rand = rng(7);
  const vocab = Array.from({ length: vocabulary }, (_, i) => `w${i.toString(36)}`);
  const batches: string[][] = [];
  for (let b = 0; b < numBatches; b++) {
    const lines: string[] = [];
    for (let l = 0; l < linesPerBatch; l++) {
      const ws: string[] = [];
      // Zipf-like skew: a few words are very common, as in text.
      for (let w = 0; w < wordsPerLine; w++) ws.push(vocab[Math.floor(vocabulary * rand() ** 3)]!);
      lines.push(ws.join(' '));
    }
    batches.push(lines);
  }
  return { batches, words: numBatches * linesPerBatch * wordsPerLine };
}

/** Returns total distinct (batch, word) pairs, so every variant's result is checked against the others. */
export function handLoop(data: WordCountData): number {
  let pairs = 0;
  for (const lines of data.batches) {
    const counts = new Map<string, number>();
    for (const line of lines) {
      for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    pairs += [...counts].length;
  }
  return pairs;
}

export async function rxjsChain(data: WordCountData): Promise<number> {
  let pairs = 0;
  for (const lines of data.batches) {
    const counts = await lastValueFrom(
      from(lines).pipe(
        mergeMap((line) => line.split(' ')),
        map((w) => [w, 1] as const),
        reduce((m, [w, n]) => m.set(w, (m.get(w) ?? 0) + n), new Map<string, number>()),
      ),
    );
    pairs += [...counts].length;
  }
  return pairs;
}

export async function rivuletLocal(data: WordCountData, parallelism = 2): Promise<number> {
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: parallelism });
  let pairs = 0;
  ssc.queueStream([...data.batches])
    .flatMap((line) => line.split(' '))
    .map((w) => [w, 1] as [string, number])
    .reduceByKey((a, b) => a + b)
    .foreachRDD(async (rdd) => {
      pairs += (await rdd.collect()).length;
    });
  ssc.start();
  await clock.advance(data.batches.length * 1000);
  await ssc.stop();
  return pairs;
}

export async function measureWordCount(data: WordCountData, rounds: number) {
  const variants: [string, () => unknown][] = [
    ['hand-written loop', () => handLoop(data)],
    ['RxJS operator chain', () => rxjsChain(data)],
    ['Rivulet local (2 partitions)', () => rivuletLocal(data, 2)],
    ['Rivulet local (1 partition)', () => rivuletLocal(data, 1)],
  ];
  const expected = handLoop(data);
  for (const [name, run] of variants) {
    const got = await run();
    if (got !== expected) throw new Error(`${name} computed ${got} (batch, word) pairs, the loop ${expected}`);
  }
  const times = new Map<string, number[]>(variants.map(([n]) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    // Interleave the variants so machine noise hits them alike.
    for (const [name, run] of variants) times.get(name)!.push(await timed(run));
  }
  return times;
}
