/**
 * Checkpoint overhead for `npm run bench`: checkpointPipeline.ts's stateful pipeline with a
 * checkpoint every batch, every 10 batches, and never (and with the write-ahead log only) — in Node with a FileSystemCheckpointStore
 * (temporary directory: write, fsync, rename) and in Chromium with an IndexedDBCheckpointStore
 * (durability "strict"), through a page built from fixtures/checkpoint/ and driven by
 * playwright-core. The variants run in turn, `rounds` times; medians are reported.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSystemCheckpointStore } from '../../engine/checkpoint/index.ts';
import { encodeCheckpoint } from '../../engine/checkpoint/codec.ts';
import { runCheckpointedPipeline, type CheckpointRunOptions, type CheckpointRunResult } from './checkpointPipeline.ts';
import { measureCheckpointWrite } from './checkpoint.ts';
import { median } from './stats.ts';

export const VARIANTS: { label: string; every: number | undefined }[] = [
  { label: 'never', every: undefined },
  // The write-ahead log alone: a checkpoint only at start (no state) and at stop.
  { label: 'log only (start, stop)', every: 1_000_000 },
  { label: 'every 10 batches', every: 10 },
  { label: 'every batch', every: 1 },
];

export interface OverheadRow {
  keys: number;
  label: string;
  msPerBatch: number;
  /** msPerBatch over the "never" variant's, same state size. */
  ratio: number;
  checkpointWrites: number;
  walWrites: number;
  checkpointBytes: number;
}

type Runner = (options: CheckpointRunOptions) => Promise<CheckpointRunResult & { checkpointBytes: number }>;

/** Node: each run in a fresh temporary directory, deleted afterwards. */
export const nodeRunner: Runner = async (options) => {
  if (options.every === undefined) return { ...(await runCheckpointedPipeline(options, undefined)), checkpointBytes: 0 };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-bench-checkpoint-'));
  try {
    const store = new FileSystemCheckpointStore(dir);
    const result = await runCheckpointedPipeline(options, store);
    const [latest] = await store.list();
    const checkpointBytes = latest === undefined ? 0 : encodeCheckpoint(await store.read(latest)).length;
    await store.close();
    return { ...result, checkpointBytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** Node: median ms per durable write of a checkpoint of each number of pairs (a fresh temporary directory). */
export async function measureWritesInNode(pairs: number[], rounds: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-bench-writes-'));
  try {
    const store = new FileSystemCheckpointStore(dir);
    const out: number[] = [];
    for (const n of pairs) out.push(await measureCheckpointWrite(store, n, rounds));
    await store.close();
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every variant for each state size, interleaved over `rounds` rounds. */
export async function measureOverhead(run: Runner, sizes: { keys: number; batches: number }[], touched: number, rounds: number): Promise<OverheadRow[]> {
  const rows: OverheadRow[] = [];
  for (const { keys, batches } of sizes) {
    const samples = VARIANTS.map(() => [] as (CheckpointRunResult & { checkpointBytes: number })[]);
    for (let r = 0; r < rounds; r++) {
      for (let v = 0; v < VARIANTS.length; v++) samples[v]!.push(await run({ keys, touched, batches, every: VARIANTS[v]!.every }));
    }
    const never = median(samples[0]!.map((s) => s.msPerBatch));
    VARIANTS.forEach((variant, v) => {
      const s = samples[v]!;
      const ms = median(s.map((x) => x.msPerBatch));
      rows.push({ keys, label: variant.label, msPerBatch: ms, ratio: ms / never, checkpointWrites: s[0]!.checkpointWrites, walWrites: s[0]!.walWrites, checkpointBytes: s[0]!.checkpointBytes });
    });
  }
  return rows;
}

/**
 * The same measurements in Chromium (IndexedDB) — the durable write of one checkpoint, then the
 * pipeline variants — or a message saying why they were skipped (no Chromium on this machine).
 */
export async function measureOverheadInChromium(
  sizes: { keys: number; batches: number }[],
  touched: number,
  rounds: number,
  writePairs: number[],
): Promise<{ rows: OverheadRow[]; writes: number[]; browser: string } | { skipped: string }> {
  const { chromiumAvailable, launchChromium, CHROMIUM_PATH } = await import('../e2e/support/chromium.ts');
  if (!chromiumAvailable()) return { skipped: `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)` };
  const { buildPage, serveDirectory } = await import('../e2e/support/page.ts');
  const built = await buildPage(fileURLToPath(new URL('./fixtures/checkpoint', import.meta.url)));
  const server = await serveDirectory(built);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => window.benchReady === true, undefined, { timeout: 30_000 });
    const run: Runner = (options) => page.evaluate((o) => window.runCheckpointBench(o), options);
    const writes = await page.evaluate(([pairs, n]) => window.measureCheckpointWrites(pairs, n), [writePairs, Math.max(5, rounds * 3)] as const);
    const rows = await measureOverhead(run, sizes, touched, rounds);
    if (errors.length > 0) throw new Error(`the bench page failed: ${errors.join('; ')}`);
    return { rows, writes, browser: `Chromium ${browser.version()}` };
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(built, { recursive: true, force: true });
  }
}
