/**
 * The kill test's input: a seeded, replayable sequence of batches of lines of words, and what an
 * exact run must end with. Shared by the child pipeline (pipeline.ts) and the test that kills it.
 */
import { mulberry32 } from '../../../engine/rdd/RDD.ts';

const VOCABULARY = [
  'stream', 'batch', 'window', 'state', 'key', 'value', 'spark', 'rivulet', 'checkpoint', 'kill',
  'replay', 'offset', 'queue', 'block', 'log', 'driver', 'worker', 'task', 'stage', 'job',
  'shuffle', 'reduce', 'map', 'filter', 'join', 'union', 'count', 'slide', 'time', 'clock',
];

/**
 * Batch k (1-based) is `batches[k - 1]`: 0 to 6 lines of 1 to 5 words each, every line tagged
 * with its batch and position (`b12.3 stream window`), so a line that appears twice, or in the
 * wrong batch, can be told from its text. The same seed gives the same batches.
 */
export function generateBatches(seed: number, count: number): string[][] {
  const rand = mulberry32(seed);
  // A skewed choice, so some words repeat within a batch and across the window.
  const word = () => VOCABULARY[Math.floor(rand() * rand() * VOCABULARY.length)]!;
  const batches: string[][] = [];
  for (let k = 1; k <= count; k++) {
    const lines: string[] = [];
    const n = Math.floor(rand() * 7);
    for (let i = 0; i < n; i++) {
      const words = Array.from({ length: 1 + Math.floor(rand() * 5) }, word);
      lines.push(`b${k}.${i} ${words.join(' ')}`);
    }
    batches.push(lines);
  }
  return batches;
}

/** The words of a line (its tag dropped). */
export function wordsOf(line: string): string[] {
  return line.split(' ').slice(1);
}

/** Word counts over all `batches`: the final state of the test's updateStateByKey, sorted by word. */
export function expectedTotals(batches: readonly (readonly string[])[]): [string, number][] {
  const totals = new Map<string, number>();
  for (const lines of batches) for (const line of lines) for (const w of wordsOf(line)) totals.set(w, (totals.get(w) ?? 0) + 1);
  return [...totals].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
