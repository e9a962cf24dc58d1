import { ForEachDStream, HashPartitioner, InputDStream, RangePartitioner, type DStream, type RDD, type StreamingContext } from 'rivulet';
import type { RddSnapshot, StreamGraph, StreamNode } from '../protocol.ts';
import { formatRecord } from './format.ts';
import { PIPELINE_FILE } from './compile.ts';

const SITE_LINE = new RegExp(`${PIPELINE_FILE.replace('.', '\\.')}:(\\d+):\\d+`);

/**
 * Every stream of a context: inputs, what the outputs read, and the outputs — read from the
 * graph's public fields (the engine has no "list the streams" call; DStreamGraph.reachableStreams
 * covers what outputs read, and inputs no output reads are added from inputStreams).
 */
export function streamsOf(ssc: StreamingContext, hidden: ReadonlySet<DStream<any>>): DStream<unknown>[] {
  const all = new Set<DStream<unknown>>(ssc.graph.inputStreams);
  for (const s of ssc.graph.reachableStreams()) all.add(s);
  return [...all].filter((s) => !hidden.has(s)).sort((a, b) => a.id - b.id);
}

export function describeGraph(ssc: StreamingContext, hidden: ReadonlySet<DStream<any>>): StreamGraph {
  const nodes: StreamNode[] = streamsOf(ssc, hidden).map((s) => {
    const line = SITE_LINE.exec(s.creationSite);
    return {
      id: s.id,
      operation: s.operation,
      creationSite: s.creationSite,
      line: line ? Number(line[1]) : undefined,
      kind: s.constructor.name,
      slideDuration: s.slideDuration,
      parents: s.dependencies.filter((d) => !hidden.has(d)).map((d) => d.id),
      role: s instanceof ForEachDStream ? 'output' : s instanceof InputDStream ? 'input' : 'transformation',
      name: s.userName,
      windowDuration: windowOf(s),
    };
  });
  return { nodes };
}

/** A window's length (WindowedDStream, ReducedWindowedDStream: a public field), else undefined. */
function windowOf(s: DStream<unknown>): number | undefined {
  const w = (s as unknown as { windowDuration?: unknown }).windowDuration;
  return typeof w === 'number' ? w : undefined;
}

/**
 * Partitions of a batch's RDD, each cut to `maxPerPartition` records (the count stays exact).
 * The RDDs are persisted by the playground, so this reads what the batch computed instead of
 * running the user's functions a second time.
 */
export async function snapshotRdd(streamId: number, rdd: RDD<unknown>, maxPerPartition: number): Promise<RddSnapshot> {
  let parts: unknown[][];
  try {
    parts = await rdd.glom().collect();
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { streamId, rddId: rdd.id, numPartitions: rdd.numPartitions, partitions: [], count: 0, sampled: false, lineage: rdd.toDebugString(), error };
  }
  let sampled = false;
  const keyed = keyedRecords(parts);
  const partitions = parts.map((records) => {
    if (records.length > maxPerPartition) sampled = true;
    return { count: records.length, records: records.slice(0, maxPerPartition).map((r) => formatRecord(r)) };
  });
  return {
    streamId,
    rddId: rdd.id,
    numPartitions: rdd.numPartitions,
    partitions,
    count: partitions.reduce((n, p) => n + p.count, 0),
    sampled,
    lineage: rdd.toDebugString(),
    partitioner: rdd.partitioner ? `${partitionerName(rdd.partitioner)}(${rdd.partitioner.numPartitions})` : undefined,
    keyed,
  };
}

/** Pairs sent for records over time: at most this many per RDD (the page shows a few dozen keys). */
const MAX_KEYED = 200;

/** The first MAX_KEYED records as key and value text, when they are all [key, value] pairs. */
function keyedRecords(parts: unknown[][]): { key: string; value: string }[] | undefined {
  const out: { key: string; value: string }[] = [];
  for (const records of parts) {
    for (const r of records) {
      if (!Array.isArray(r) || r.length !== 2) return undefined;
      if (out.length < MAX_KEYED) out.push({ key: formatRecord(r[0], 80), value: formatRecord(r[1], 80) });
    }
  }
  return out.length > 0 ? out : undefined;
}

function partitionerName(p: object): string {
  if (p instanceof HashPartitioner) return 'HashPartitioner';
  if (p instanceof RangePartitioner) return 'RangePartitioner';
  return p.constructor.name;
}
