/**
 * Partition transfer (issue 3, item 3): what it costs to move one partition across a thread as a
 * structured clone against the columnar encoding (engine/executor/columnar.ts: encode, clone with
 * the typed arrays in the transfer list, decode), for several shapes and sizes. Both sides of a
 * postMessage are counted: structuredClone in one thread serializes and deserializes, as sending
 * and receiving do. The executor's rule (transfer.ts, `prefersColumnar`) is printed next to the
 * winner so the table shows whether the rule picks it.
 */
import { performance } from 'node:perf_hooks';
import { columnarTransferables, decodeColumnar, encodeColumnar } from '../../engine/executor/columnar.ts';
import { prefersColumnar } from '../../engine/executor/transfer.ts';
import { median, table } from './stats.ts';

interface Shape {
  name: string;
  make: () => unknown[];
}

const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa'];
const json = (i: number) => JSON.stringify({ id: i, user: `user-${i % 997}`, tags: words.slice(0, 1 + (i % 8)), payload: 'x'.repeat(900 - (i % 50)), at: 1_700_000_000_000 + i });

export function shapes(quick: boolean): Shape[] {
  const big = quick ? 20_000 : 100_000;
  return [
    { name: `${big.toLocaleString('en-US')} small objects {id, user, score, ok}`, make: () => Array.from({ length: big }, (_, i) => ({ id: i, user: `user-${i % 997}`, score: i * 0.5, ok: i % 3 === 0 })) },
    { name: `${big.toLocaleString('en-US')} [string, number] pairs (word counts)`, make: () => Array.from({ length: big }, (_, i) => [words[i % 10]! + (i % 2000), i % 7] as [string, number]) },
    { name: `${big.toLocaleString('en-US')} numbers`, make: () => Array.from({ length: big }, (_, i) => i * 1.5) },
    { name: `${big.toLocaleString('en-US')} short lines (8 words)`, make: () => Array.from({ length: big }, (_, i) => Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3) % 10]).join(' ') + ` ${i}`) },
    { name: '1,000 records of 1 KB JSON strings', make: () => Array.from({ length: 1_000 }, (_, i) => json(i)) },
    { name: '1,000 [number, number] pairs', make: () => Array.from({ length: 1_000 }, (_, i) => [i % 16, i * 31] as [number, number]) },
    { name: '100 [string, number] pairs', make: () => Array.from({ length: 100 }, (_, i) => [words[i % 10]!, i] as [string, number]) },
    { name: '30 [string, number] pairs', make: () => Array.from({ length: 30 }, (_, i) => [words[i % 10]!, i] as [string, number]) },
    { name: '10 small objects (tiny partition)', make: () => Array.from({ length: 10 }, (_, i) => ({ id: i, user: `u${i}` })) },
  ];
}

const clone = (records: unknown[]) => structuredClone(records);
const columnar = (records: unknown[]) => {
  const encoded = encodeColumnar(records);
  if (!encoded) return structuredClone(records);
  return decodeColumnar(structuredClone(encoded, { transfer: columnarTransferables(encoded) }));
};

/** Median ms of one transfer, each way measured alternately over `rounds` rounds. */
export function measureTransfer(records: unknown[], rounds: number): { clone: number; columnar: number } {
  const t = { clone: [] as number[], columnar: [] as number[] };
  const reps = Math.max(2, Math.round(200_000 / records.length));
  for (let r = 0; r < rounds + 1; r++) {
    for (const [name, f] of [['clone', clone], ['columnar', columnar]] as const) {
      const start = performance.now();
      for (let k = 0; k < reps; k++) f(records);
      if (r > 0) t[name].push((performance.now() - start) / reps);
    }
  }
  return { clone: median(t.clone), columnar: median(t.columnar) };
}

export function runTransferBench(quick: boolean): void {
  const rounds = quick ? 5 : 15;
  const rows: (string | number)[][] = [];
  for (const s of shapes(quick)) {
    const records = s.make();
    const m = measureTransfer(records, rounds);
    const winner = m.columnar < m.clone ? 'columnar' : 'clone';
    rows.push([s.name, m.clone, m.columnar, m.clone / m.columnar, winner, prefersColumnar(records) ? 'columnar' : 'clone']);
  }
  console.log(`\nPartition transfer, structured clone vs columnar (encode + transfer + decode), median ms of ${rounds} alternating rounds`);
  console.log(table(['partition', 'clone ms', 'columnar ms', 'clone / columnar', 'faster', 'executor uses'], rows));
}

if (import.meta.url === `file://${process.argv[1]}`) runTransferBench(process.argv.includes('--quick'));
