/**
 * Issue 4's kill test. pipeline.ts runs as a child process on the wall clock (50 ms batches)
 * with a checkpoint directory, is SIGKILLed at seeded random moments — while it starts and
 * recovers, during a batch, right as a checkpoint or write-ahead log write begins — and restarted
 * each time with the same arguments; the last run finishes. Its outputs are then compared, batch
 * by batch, with an uninterrupted run: the same batch times (no batch lost), each batch's output
 * identical (a batch that ran twice wrote the same bytes twice), the final state exact.
 *
 * - queueStream (a replayable source): 24 kills; the uninterrupted run goes at the same time.
 * - fromObservable (a source that cannot replay; the write-ahead log keeps what was received):
 *   8 kills, a checkpoint every 3 batches. What the source emitted while no process ran is lost by nature, so the uninterrupted
 *   run is fed what the killed runs' batches actually received (on a ManualClock); on top, every
 *   batch whose log record was durable has exactly the records it had, and no record is in two
 *   batches.
 * - The newest checkpoint truncated and the one before it altered: the run resumes from the
 *   third with a warning for each, and the outputs are still exact.
 * - Every checkpoint corrupt: the run fails with NoGoodCheckpointError and writes nothing.
 *
 * RIVULET_KILL_KEEP=1 keeps the directories, with every run's stdout and checkpoint directory
 * under runs/; RIVULET_KILL_TSX=1 runs pipeline.ts through tsx instead of a bundle;
 * RIVULET_KILL_SEED=n and RIVULET_KILL_CHECKPOINT_EVERY=n (batches between checkpoints; default
 * every batch) vary the data, the kill schedule and the checkpoint interval.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundlePipeline, Child, checkpointFiles, readOutputs, seededRandom, sleep, type Outputs } from './harness.ts';
import { expectedTotals, generateBatches } from './data.ts';

const INTERVAL = 50;
/** RIVULET_KILL_SEED and RIVULET_KILL_CHECKPOINT_EVERY (batches between checkpoints) vary the runs, to hunt bugs. */
const SEED = Number(process.env.RIVULET_KILL_SEED ?? 4);
const EVERY = process.env.RIVULET_KILL_CHECKPOINT_EVERY;
const keep = process.env.RIVULET_KILL_KEEP === '1';

let tmp: string;
let bundle: string | undefined;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-kill-'));
  bundle = await bundlePipeline(path.join(tmp, 'bundle'));
});
afterAll(() => {
  if (keep) console.log(`kill test: kept ${tmp}`);
  else if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const dirOf = (name: string) => path.join(tmp, name);
const checkpointsOf = (name: string) => path.join(tmp, name, 'checkpoints');
const outOf = (name: string) => path.join(tmp, name, 'out');

function argsFor(name: string, batches: number, extra: string[] = [], checkpointEvery = 1): string[] {
  const every = ['--checkpoint-every', EVERY ?? String(checkpointEvery)];
  return ['--checkpoint', checkpointsOf(name), '--out', outOf(name), '--batches', String(batches), '--interval', String(INTERVAL), '--seed', String(SEED), ...every, ...extra];
}

function start(args: string[]): Child {
  return new Child(bundle, args);
}

/** With RIVULET_KILL_KEEP=1: a run's stdout, exit and timing, and its checkpoint directory as it left it. */
function keepRun(name: string, n: number, child: Child): void {
  if (!keep) return;
  const runs = path.join(tmp, 'runs');
  fs.mkdirSync(runs, { recursive: true });
  const run = `${name}-${String(n).padStart(2, '0')}`;
  const timing = `ran ${child.startedAt}..${child.endedAt} (${child.endedAt! - child.startedAt} ms)`;
  fs.writeFileSync(path.join(runs, `${run}.log`), `${child.lines.join('\n')}\nexit ${JSON.stringify(child.exit)} ${timing}\nstderr:\n${child.stderr}`);
  if (fs.existsSync(checkpointsOf(name))) fs.cpSync(checkpointsOf(name), path.join(runs, `${run}-checkpoints`), { recursive: true });
}

type KillMode = 'startup' | 'batch' | 'checkpoint' | 'log';

function pickMode(rand: () => number): KillMode {
  const r = rand();
  return r < 0.15 ? 'startup' : r < 0.4 ? 'batch' : r < 0.75 ? 'checkpoint' : 'log';
}

/**
 * Start the pipeline and SIGKILL it at a moment chosen by `mode`, a few such moments into the run
 * (so kills land right after recovery and deeper in a run alike); resolves once it is dead. The
 * kill is sent from the 'data' event that carries the phase line, with no await in between.
 */
async function runAndKill(args: string[], mode: KillMode, rand: () => number): Promise<Child> {
  const child = start(args);
  let skip = Math.floor(rand() * 5);
  const killAt = (prefix: string, delay: number) => {
    const arm = () =>
      child.onNext(
        (l) => l.startsWith(prefix),
        (line) => {
          if (line === undefined) return;
          if (skip-- > 0) return arm();
          if (delay < 1) child.kill();
          else setTimeout(() => child.kill(), delay);
        },
      );
    arm();
  };
  if (mode === 'startup') {
    // Loading, reading the checkpoint, restoring, the first batches made again.
    await sleep(20 + rand() * 300);
    child.kill();
  } else if (mode === 'batch') killAt('batch-start ', rand() * INTERVAL);
  else if (mode === 'checkpoint') killAt('ckpt-write ', 0);
  else killAt('wal-write ', 0);
  await child.exited;
  return child;
}

interface KillRun {
  runs: Child[];
  landed: number;
  /** What was in progress when a kill landed → how many kills (a kill may count under several). */
  phases: Record<string, number>;
}

/** Kill and restart until `kills` kills have landed, then let one last run finish. */
async function killRepeatedly(name: string, args: string[], kills: number, seed: number): Promise<KillRun> {
  const rand = seededRandom(seed);
  const runs: Child[] = [];
  const phases: Record<string, number> = {};
  let landed = 0;
  while (landed < kills) {
    const child = await runAndKill(args, pickMode(rand), rand);
    runs.push(child);
    keepRun(name, runs.length, child);
    if (child.exit!.signal !== 'SIGKILL') {
      throw new Error(
        `${name}: run ${runs.length} ended by itself (exit ${child.exit!.code}) before kill ${landed + 1} landed: the pipeline is too short for ${kills} kills.\nstderr:\n${child.stderr}`,
      );
    }
    landed++;
    for (const phase of child.inProgress()) phases[phase] = (phases[phase] ?? 0) + 1;
  }
  const last = start(args);
  runs.push(last);
  await last.exited;
  keepRun(name, runs.length, last);
  expect(last.stderr, `${name}: the last run's stderr`).toBe('');
  expect(last.exit, `${name}: the last run's exit`).toEqual({ code: 0, signal: null });
  return { runs, landed, phases };
}

/** Run pipeline.ts uninterrupted; it must finish cleanly. */
async function runToEnd(args: string[]): Promise<Child> {
  const child = start(args);
  await child.exited;
  expect(child.stderr).toBe('');
  expect(child.exit).toEqual({ code: 0, signal: null });
  return child;
}

/** Zero time of every run that got as far as starting: one batch grid for all of them. */
function zeroTimes(runs: Child[]): Set<number> {
  return new Set(runs.flatMap((r) => r.lines.filter((l) => l.startsWith('ready ')).map((l) => Number(/zeroTime=(\d+)/.exec(l)![1]))));
}

function describePhases(phases: Record<string, number>): string {
  const order = ['startup', 'batch', 'checkpoint write', 'log write', 'idle'];
  return order
    .filter((p) => phases[p])
    .map((p) => (p === 'startup' ? `${phases[p]} while starting or recovering` : p === 'idle' ? `${phases[p]} between batches` : `${phases[p]} with a ${p} in progress`))
    .join(', ');
}

/**
 * Batch by batch, `actual` equals `expected` for batches 1..N: the same batch indexes in every
 * stream (updateStateByKey and mapWithState every batch, the window every second batch), on the
 * batch grid, with the same records, and the same saveAsTextFiles files; a batch written more than
 * once wrote the same bytes every time. Returns the number of repeated writes.
 */
function compareOutputs(actual: Outputs, expected: Outputs, N: number): { rewrites: number } {
  const everyBatch = Array.from({ length: N }, (_, i) => i + 1);
  const wanted: Record<string, number[]> = { input: everyBatch, totals: everyBatch, streaks: everyBatch, recent: everyBatch.filter((k) => k % 2 === 0) };
  for (const [stream, ks] of Object.entries(wanted)) {
    const a = actual.streams.get(stream)!;
    const e = expected.streams.get(stream)!;
    const upToN = (m: Map<number, unknown>) => [...m.keys()].filter((k) => k <= N).sort((x, y) => x - y);
    expect(upToN(e), `${stream}: batches of the uninterrupted run`).toEqual(ks);
    expect(upToN(a), `${stream}: batches of the killed runs (a missing one was lost)`).toEqual(ks);
    const zero = a.get(ks[0]!)!.zeroTime;
    for (const k of ks) {
      expect(a.get(k)!.zeroTime, `${stream} batch ${k}: zero time`).toBe(zero);
      expect(a.get(k)!.time, `${stream} batch ${k}: batch time on the grid`).toBe(zero + k * INTERVAL);
      expect(a.get(k)!.records, `${stream} batch ${k}: records`).toEqual(e.get(k)!.records);
    }
  }
  for (const k of everyBatch) expect(actual.text.get(k), `saveAsTextFiles, batch ${k}`).toEqual(expected.text.get(k));
  const hashes = new Map<string, Set<string>>();
  for (const w of actual.log) {
    if (w.k > N) continue;
    const key = `${w.stream} batch ${w.k}`;
    hashes.set(key, (hashes.get(key) ?? new Set()).add(w.hash));
  }
  for (const [key, set] of hashes) expect(set.size, `${key} was written ${set.size} different ways`).toBe(1);
  return { rewrites: actual.log.filter((w) => w.k <= N).length - hashes.size };
}

/** The totals of the last batch, against word counts computed here from the input. */
function expectFinalTotals(outputs: Outputs, N: number, batches: string[][]): void {
  const sorted = (pairs: unknown[]) => pairs.map((p) => JSON.stringify(p)).sort();
  expect(sorted(outputs.streams.get('totals')!.get(N)!.records), 'final state of updateStateByKey').toEqual(sorted(expectedTotals(batches)));
}

describe('SIGKILL and restart: pipeline.ts as a child process, 50 ms batches on the wall clock', () => {
  test('queueStream: 24 kills, and the outputs equal an uninterrupted run batch for batch', async () => {
    const N = 200;
    const started = Date.now();
    const reference = runToEnd(argsFor('queue-reference', N)); // at the same time, in its own directories
    const { runs, landed, phases } = await killRepeatedly('queue', argsFor('queue', N), 24, SEED);
    await reference;
    expect(zeroTimes(runs).size, 'every run resumed on the first run’s batch grid').toBe(1);

    const actual = readOutputs(outOf('queue'), INTERVAL);
    const { rewrites } = compareOutputs(actual, readOutputs(outOf('queue-reference'), INTERVAL), N);
    expectFinalTotals(actual, N, generateBatches(SEED, N));
    expect(landed).toBeGreaterThanOrEqual(20);
    expect(phases['checkpoint write'] ?? 0, 'kills during a checkpoint write').toBeGreaterThanOrEqual(3);
    expect(phases['batch'] ?? 0, 'kills during a batch').toBeGreaterThanOrEqual(3);
    console.log(
      `kill test, queueStream: ${landed} SIGKILLs survived (${describePhases(phases)}); ${runs.length} runs; ` +
        `${N} batches compared with the uninterrupted run (4 outputs + saveAsTextFiles each), all equal; ` +
        `${rewrites} batch outputs written again after a recovery, identically; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });

  test('fromObservable, a checkpoint every 3 batches: 8 kills; logged batches keep exactly their records, none is in two batches, state exact', async () => {
    const N = 100;
    const started = Date.now();
    // A checkpoint every 3 batches: recovery runs up to 3 logged batches again, and the window
    // rebuilds the batches before the checkpoint it still covers from the log.
    const { runs, landed, phases } = await killRepeatedly('observable', argsFor('observable', N, ['--source', 'observable'], 3), 8, SEED + 1);
    expect(zeroTimes(runs).size, 'every run resumed on the first run’s batch grid').toBe(1);
    const actual = readOutputs(outOf('observable'), INTERVAL);
    const input = actual.streams.get('input')!;
    for (let k = 1; k <= N; k++) expect(input.has(k), `input batch ${k} was output (no batch lost)`).toBe(true);

    // Every record at most once, never in a batch before the one it was emitted in.
    const seenIn = new Map<string, number>();
    for (let k = 1; k <= N; k++) {
      for (const line of input.get(k)!.records as string[]) {
        expect(seenIn.get(line), `"${line}" is in batch ${seenIn.get(line)} and in batch ${k}`).toBeUndefined();
        seenIn.set(line, k);
        expect(k, `"${line}" came before it was emitted`).toBeGreaterThanOrEqual(Number(/^b(\d+)\./.exec(line)![1]));
      }
    }
    // The write-ahead log: a batch whose record was durable (wal-done) has, in the end, exactly the
    // records it had when it was made, whatever happened to the process after.
    const zero = [...zeroTimes(runs)][0]!;
    let logged = 0;
    for (const run of runs) {
      const made = new Map(run.lines.filter((l) => l.startsWith('batch-submitted ')).map((l) => [Number(l.split(' ')[1]), Number(l.split(' ')[2])]));
      for (const l of run.lines.filter((x) => x.startsWith('wal-done '))) {
        const time = Number(l.split(' ')[1]);
        const k = (time - zero) / INTERVAL;
        if (k > N || !made.has(time)) continue;
        expect(input.get(k)!.records.length, `batch ${k}: records when its log record was written vs in the end`).toBe(made.get(time));
        logged++;
      }
    }
    expect(logged).toBeGreaterThan(N / 2);

    // The uninterrupted run, fed what each batch received, on a ManualClock.
    const received = Array.from({ length: N }, (_, i) => input.get(i + 1)!.records as string[]);
    const replayFile = path.join(dirOf('observable'), 'received.json');
    fs.writeFileSync(replayFile, JSON.stringify(received));
    await runToEnd(argsFor('observable-reference', N, ['--replay', replayFile, '--clock', 'manual'], 3));
    const { rewrites } = compareOutputs(actual, readOutputs(outOf('observable-reference'), INTERVAL), N);
    expectFinalTotals(actual, N, received);

    const emitted = generateBatches(SEED, N).flat().length;
    console.log(
      `kill test, fromObservable + write-ahead log: ${landed} SIGKILLs survived (${describePhases(phases)}); ${N} batches compared with an uninterrupted run of what they received, all equal; ` +
        `${logged} log records checked against their batches; ${seenIn.size} of ${emitted} lines processed once each, ${emitted - seenIn.size} emitted while no process was receiving (lost by nature); ` +
        `${rewrites} batch outputs written again identically; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });

  test('corrupt newest checkpoints: resumes from the newest good one with a warning for each, outputs exact', async () => {
    const N = 30;
    const name = 'corrupt';
    const first = start(argsFor(name, N));
    let written = 0;
    await new Promise<void>((resolve) => {
      const arm = () => first.onNext((l) => l.startsWith('ckpt-done '), (l) => (l !== undefined && ++written < 8 ? arm() : resolve()));
      arm();
    });
    first.kill();
    await first.exited;
    keepRun(name, 1, first);
    const files = checkpointFiles(checkpointsOf(name));
    expect(files.length).toBeGreaterThanOrEqual(3);
    // The newest cut short, the next one with one byte changed near its end.
    const newest = fs.readFileSync(files[0]!);
    fs.writeFileSync(files[0]!, newest.subarray(0, Math.floor(newest.length / 2)));
    const second = fs.readFileSync(files[1]!);
    second[second.length - 5] ^= 0x20;
    fs.writeFileSync(files[1]!, second);
    const timeOf = (file: string) => /checkpoint-(\d+)\.rvck$/.exec(file)![1];

    const resumed = start(argsFor(name, N));
    await resumed.exited;
    keepRun(name, 2, resumed);
    expect(resumed.exit).toEqual({ code: 0, signal: null });
    const warnings = resumed.lines.filter((l) => l.startsWith('warning '));
    expect(warnings[0]).toContain(`Skipping the checkpoint at time ${timeOf(files[0]!)}`);
    expect(warnings[0]).toMatch(/truncated|length|bytes/i);
    expect(warnings[1]).toContain(`Skipping the checkpoint at time ${timeOf(files[1]!)}`);
    expect(warnings[1]).toContain(`Falling back to the checkpoint at time ${timeOf(files[2]!)}`);
    expect(resumed.stderr).toContain('warning: Skipping the checkpoint');

    await runToEnd(argsFor('corrupt-reference', N, ['--clock', 'manual']));
    const actual = readOutputs(outOf(name), INTERVAL);
    compareOutputs(actual, readOutputs(outOf('corrupt-reference'), INTERVAL), N);
    expectFinalTotals(actual, N, generateBatches(SEED, N));
    console.log(`kill test, corrupt checkpoints: the newest truncated and the next altered; resumed from the third with 2 warnings; ${N} batches equal to an uninterrupted run`);
  });

  test('every checkpoint corrupt: recovery fails with a clear error and writes nothing', async () => {
    const N = 40;
    const name = 'all-corrupt';
    const first = start(argsFor(name, N));
    let written = 0;
    await new Promise<void>((resolve) => {
      const arm = () => first.onNext((l) => l.startsWith('ckpt-done '), (l) => (l !== undefined && ++written < 5 ? arm() : resolve()));
      arm();
    });
    first.kill();
    await first.exited;
    const files = checkpointFiles(checkpointsOf(name));
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 3] ^= 0x01;
      fs.writeFileSync(file, bytes);
    }
    const logBefore = fs.readFileSync(path.join(outOf(name), 'log.jsonl'), 'utf8');

    const failed = start(argsFor(name, N));
    await failed.exited;
    keepRun(name, 2, failed);
    expect(failed.exit!.code).not.toBe(0);
    expect(failed.lines.filter((l) => l.startsWith('ready '))).toEqual([]);
    expect(failed.stderr).toContain('NoGoodCheckpointError');
    expect(failed.stderr).toContain(`None of the ${files.length} checkpoint${files.length === 1 ? '' : 's'} in ${checkpointsOf(name)} can be read`);
    for (const file of files) expect(failed.stderr).toContain(file);
    expect(failed.stderr).toMatch(/checksum|CRC/i);
    expect(fs.readFileSync(path.join(outOf(name), 'log.jsonl'), 'utf8'), 'no output written').toBe(logBefore);
    const message = failed.stderr.split('\n').find((l) => l.includes('None of the'));
    console.log(`kill test, every checkpoint corrupt: exit ${failed.exit!.code}, "${message?.trim()}"`);
  });
});
