import { afterAll, describe, expect, test } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BatchFailedError, Receiver, ReceiverBufferFullError, StreamingContext, type BatchInfo, type OverflowPolicy, type ReceiverInputDStream } from '../../engine/index.ts';

// A pipeline overloaded for a minute (issue 12, item 4): a receiver producing three times faster
// than the pipeline processes, for each overflow policy, in real time (the heap is what is
// measured). With a bounded buffer the delay settles — it stops growing once the buffer is full,
// at about bufferSize × the cost of a record — and the heap stays bounded; a control run with a
// buffer too large to fill shows both growing, so the measures can fail. Tests wait on
// conditions: the minute is the scenario, not a time limit (RIVULET_OVERLOAD_SECONDS shortens it).
//
// The delay measured is how late each batch starts after its batch time (processingStartTime −
// batchTime). BatchInfo.schedulingDelay counts from the batch's submission, and here the work
// runs on the thread that generates batches: while a batch's busy loop runs, the next batches
// are generated late, so their submission already lags their time. The heap is measured after a
// full garbage collection, once a second (live data, not garbage awaiting collection).

const SECONDS = Number(process.env.RIVULET_OVERLOAD_SECONDS ?? 60);
const INTERVAL = 100;
const BUFFER = 10_000;
/** The pipeline's cost: 0.1 ms of busy CPU per record, 10,000 records/s. */
const COST_MS = 0.1;
/** The producers' rate: three times what the pipeline takes. */
const RATE = 30_000;
/** A record: its number, then padding to 200 characters (a flat string, so that records held show in the heap). */
const recordOf = (n: number) => `${n} `.padEnd(200, 'x');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function work(records: number): void {
  const until = performance.now() + records * COST_MS;
  while (performance.now() < until) {
    // busy
  }
}

/** A push source that cannot be paused: RATE records/s of wall time, caught up at every tick. */
class Flood extends Receiver<string> {
  private timer: ReturnType<typeof setInterval> | undefined;
  private next = 0;
  onStart(): void {
    const begin = performance.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - begin) * RATE) / 1000);
      const records: string[] = [];
      while (this.next < due) records.push(recordOf(this.next++));
      void this.storeAll(records);
    }, 5);
  }
  onStop(): void {
    clearInterval(this.timer);
  }
  override get cannotPause(): string {
    return 'a timer pushes its records';
  }
}

/** A TCP server that writes numbered lines as fast as the connection takes them (it waits for 'drain'). */
async function lineServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let n = 0;
    let open = true;
    socket.on('close', () => (open = false));
    socket.on('error', () => (open = false));
    const write = () => {
      while (open) {
        let chunk = '';
        for (let i = 0; i < 100; i++) chunk += `${recordOf(n++)}\n`;
        if (!socket.write(chunk)) return void socket.once('drain', write);
      }
    };
    write();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

interface Sample {
  info: BatchInfo;
  /** processingStartTime − batchTime: how late the batch started. */
  lag: number;
  buffered: number;
}

interface Outcome {
  samples: Sample[];
  /** The live heap once a second, MB. */
  heapMB: number[];
  /** The record numbers processed, in order of processing. */
  processedInOrder: boolean;
  contiguous: boolean;
  processed: number;
  error: unknown;
}

async function overload(overflow: OverflowPolicy, seconds: number, bufferSize = BUFFER, source: 'socket' | 'flood' = 'flood'): Promise<Outcome> {
  const server = source === 'socket' ? await lineServer() : undefined;
  const ssc = new StreamingContext({ batchInterval: INTERVAL });
  const stream: ReceiverInputDStream<string> = server ? ssc.socketTextStream('127.0.0.1', server.port, { bufferSize, overflow }) : ssc.receiverStream(new Flood(), { bufferSize, overflow });
  let last = -1;
  let processedInOrder = true;
  let contiguous = true;
  let processed = 0;
  stream.foreachRDD(async (rdd) => {
    const records = await rdd.collect();
    for (const r of records) {
      const n = Number(r.slice(0, r.indexOf(' ')));
      if (n <= last) processedInOrder = false;
      if (n !== last + 1) contiguous = false;
      last = n;
    }
    processed += records.length;
    work(records.length);
  });
  const samples: Sample[] = [];
  const heapMB: number[] = [];
  let measured = performance.now();
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo }) => {
      samples.push({ info: batchInfo, lag: (batchInfo.processingStartTime ?? batchInfo.batchTime) - batchInfo.batchTime, buffered: stream.bufferedRecords });
      if (performance.now() - measured < 1000) return;
      gc();
      heapMB.push(process.memoryUsage().heapUsed / 2 ** 20);
      measured = performance.now();
    },
  });
  let error: unknown;
  const terminated = ssc.awaitTermination().catch((e: unknown) => (error = e));
  ssc.start();
  const start = performance.now();
  // The scenario lasts `seconds` (or until the stream fails); the wait polls, it asserts no time.
  await expect.poll(() => error !== undefined || performance.now() - start > seconds * 1000, { timeout: (seconds + 120) * 1000, interval: 250 }).toBe(true);
  await ssc.stop();
  await terminated;
  server?.close();
  return { samples, heapMB, processedInOrder, contiguous, processed, error };
}

const thirds = <T>(xs: T[]): [T[], T[], T[]] => {
  const k = Math.floor(xs.length / 3);
  return [xs.slice(0, k), xs.slice(k, 2 * k), xs.slice(2 * k)];
};
const max = (xs: number[]) => Math.max(...xs);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const receiverOf = (s: Sample) => Object.values(s.info.streamIdToInputInfo)[0]?.receiver;

const lines: string[] = [];
function report(name: string, o: Outcome): void {
  const [first, middle, last] = thirds(o.samples);
  const [h1, h2, h3] = thirds(o.heapMB).map((h) => (h.length === 0 ? '-' : max(h).toFixed(0)));
  const lag = (xs: Sample[]) => max(xs.map((s) => s.lag));
  const delay = (xs: Sample[]) => max(xs.map((s) => s.info.schedulingDelay ?? 0));
  const r = o.samples.map(receiverOf);
  lines.push(
    `${name}: ${o.samples.length} batches, ${o.processed} records processed; batch start lag max ${lag(first)} / ${lag(middle)} / ${lag(last)} ms (thirds), schedulingDelay max ${delay(first)} / ${delay(middle)} / ${delay(last)} ms; ` +
      `live heap max ${h1} / ${h2} / ${h3} MB; buffered max ${max(o.samples.map((s) => s.buffered))}; ` +
      `stored ${sum(r.map((x) => x?.numReceived ?? 0))}, dropped ${sum(r.map((x) => x?.numDropped ?? 0))}, blocked ${sum(r.map((x) => x?.blockedTime ?? 0))} ms; load ${loadavg()[0]!.toFixed(1)}`,
  );
}

afterAll(() => {
  if (lines.length > 0) console.log(`receiver overload, ${SECONDS} s each, buffer ${BUFFER}, producer ${RATE}/s, pipeline ${1000 / COST_MS}/s:\n${lines.join('\n')}`);
});

/** The delay settled: the batches of the last third started no later than those of the middle third, with slack for a loaded machine; the heap stayed bounded. */
function expectSettled(o: Outcome): void {
  const [, middle, last] = thirds(o.samples);
  const lag = (xs: Sample[]) => max(xs.map((s) => s.lag));
  expect(lag(last)).toBeLessThanOrEqual(lag(middle) + 10 * INTERVAL);
  // What the buffer holds is bounded, and the live heap grew by less than an unbounded buffer grows it (see the control).
  expect(max(o.samples.map((s) => s.buffered))).toBeLessThanOrEqual(BUFFER);
  for (const s of o.samples) expect(receiverOf(s)!.numBuffered).toBeLessThanOrEqual(BUFFER);
  const [h1, , h3] = thirds(o.heapMB);
  expect(max(h3!)).toBeLessThan(max(h1!) + HEAP_SLACK_MB);
}

/**
 * How much more live heap the last third may reach than the first. A full buffer of 10,000
 * records of 200 characters is about 2 MB; an unbounded one grows by 20,000 records/s × ~220 bytes,
 * over 60 MB in 15 s.
 */
const HEAP_SLACK_MB = 24;

describe(`a receiver three times faster than the pipeline, for ${SECONDS} s`, () => {
  test("overflow 'block' (socketTextStream): the socket is paused while the buffer is full, TCP holds the server back; nothing is lost", async () => {
    const o = await overload('block', SECONDS, BUFFER, 'socket');
    report("block, socketTextStream", o);
    expect(o.error).toBeUndefined();
    expectSettled(o);
    expect(o.contiguous).toBe(true); // every line, in order: nothing dropped
    const r = o.samples.map(receiverOf);
    expect(sum(r.map((x) => x!.numDropped))).toBe(0);
    expect(sum(r.map((x) => x!.blockedTime))).toBeGreaterThan(0);
  }, 600_000);

  test("overflow 'drop-oldest': the freshest records are kept, in order", async () => {
    const o = await overload('drop-oldest', SECONDS);
    report('drop-oldest', o);
    expect(o.error).toBeUndefined();
    expectSettled(o);
    expect(o.processedInOrder).toBe(true);
    expect(sum(o.samples.map((s) => receiverOf(s)!.numDropped))).toBeGreaterThan(0);
  }, 600_000);

  test("overflow 'drop-newest': what finds the buffer full is dropped, the rest processed in order", async () => {
    const o = await overload('drop-newest', SECONDS);
    report('drop-newest', o);
    expect(o.error).toBeUndefined();
    expectSettled(o);
    expect(o.processedInOrder).toBe(true);
    expect(sum(o.samples.map((s) => receiverOf(s)!.numDropped))).toBeGreaterThan(0);
  }, 600_000);

  test("overflow 'fail': the stream fails with the buffer's coded error, once what it held is processed", async () => {
    const o = await overload('fail', SECONDS);
    report('fail', o);
    expect(o.error).toBeInstanceOf(BatchFailedError);
    const cause = (o.error as BatchFailedError).cause;
    expect(cause).toBeInstanceOf(ReceiverBufferFullError);
    expect(cause).toMatchObject({ code: 'RIVULET_RECEIVER_BUFFER_FULL', bufferSize: BUFFER, overflow: 'fail' });
    expect((cause as Error).message).toMatch(/^receiverStream at receiverOverload\.test\.ts:\d+:\d+: its buffer of 10000 records/);
    // Everything that went into the buffer was processed before the failure.
    const r = o.samples.map(receiverOf).filter((x) => x !== undefined);
    expect(o.processed).toBe(sum(r.map((x) => x.numReceived - x.numDropped)));
    expect(o.contiguous).toBe(true);
    expect(max(o.samples.map((s) => s.buffered))).toBeLessThanOrEqual(BUFFER);
  }, 600_000);

  test('control: with a buffer too large to fill, the same overload grows the delay and the heap without bound', async () => {
    const seconds = Math.max(20, Math.ceil(SECONDS / 2));
    const o = await overload('drop-newest', seconds, 100_000_000);
    report('control (unbounded)', o);
    // Its batches are few and huge (one may run for seconds, blocking the thread), so the lag is a
    // sawtooth: compared with what a full buffer allows (BUFFER × COST_MS = 1 s), it is far later.
    expect(max(o.samples.map((s) => s.lag))).toBeGreaterThan(5 * BUFFER * COST_MS);
    const [h1, , h3] = thirds(o.heapMB);
    expect(max(h3!)).toBeGreaterThan(max(h1!) + HEAP_SLACK_MB);
    expect(max(o.samples.map((s) => s.buffered))).toBeGreaterThan(10 * BUFFER);
  }, 600_000);
});
