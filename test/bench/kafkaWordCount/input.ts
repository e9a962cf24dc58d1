/**
 * The Kafka word-count bench's data: input records (JSON lines of words, made the same way every
 * run), topics, producing them, and reading a sink topic back to check its counts against the
 * input's. Every variant's output is checked this way after every run: a record lost or counted
 * twice shows as a word whose summed counts differ.
 */
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka';
import { KafkaSource } from '../../../engine/connectors/kafka/KafkaSource.ts';
import { rng } from '../stats.ts';

export const PARTITIONS = 3;
const WORDS_PER_LINE = 10;
const VOCABULARY = 1000;
const vocab = Array.from({ length: VOCABULARY }, (_, i) => `w${i.toString(36)}`);

/** The value of input record `i` (of a run seeded `seed`): `{"id":i,"text":"w1 w2 …"}`, ten words, skewed as in text. */
export function line(seed: number, i: number): string {
  const rand = rng(seed * 1_000_003 + i);
  const ws: string[] = [];
  for (let w = 0; w < WORDS_PER_LINE; w++) ws.push(vocab[Math.floor(VOCABULARY * rand() ** 3)]!);
  return JSON.stringify({ id: i, text: ws.join(' ') });
}

/** The work each variant does per record: parse the JSON, split the text into words. */
export function wordsOf(value: string): string[] {
  return (JSON.parse(value) as { text: string }).text.split(' ');
}

/** Each word's count over records 0..n-1. */
export function expectedCounts(seed: number, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) for (const w of wordsOf(line(seed, i))) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

export async function createTopics(bootstrap: string, topics: string[]): Promise<void> {
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics, partitions: PARTITIONS, replicas: 1 });
    for (let attempt = 0; ; attempt++) {
      const known = await admin.metadata({ topics, forceUpdate: true }).catch(() => undefined);
      if (known && topics.every((t) => known.topics.get(t)?.partitionsCount === PARTITIONS)) break;
      if (attempt > 100) throw new Error(`topics ${topics.join(', ')} did not appear in Kafka's metadata`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.close();
  }
}

/** Records `from`..`until`-1 of `seed` to `topic`, round robin over its partitions, in sends of 2,000. */
export async function produce(bootstrap: string, topic: string, seed: number, from: number, until: number): Promise<void> {
  const producer = new Producer({ clientId: 'bench-input', bootstrapBrokers: [bootstrap], serializers: stringSerializers, idempotent: true, producerId: -1n, producerEpoch: -1, acks: -1 });
  try {
    for (let i = from; i < until; i += 2000) {
      const n = Math.min(2000, until - i);
      await producer.send({ messages: Array.from({ length: n }, (_, j) => ({ topic, partition: (i + j) % PARTITIONS, value: line(seed, i + j) })) });
    }
  } finally {
    await producer.close();
  }
}

/**
 * Resolves once no transaction is open or completing in `topic`: its last stable offset (read
 * committed) is its high watermark in every partition. A transaction's commit is acknowledged
 * before Kafka has written its commit markers to the partitions, so a read right after the last
 * acknowledgement may otherwise stop short of that transaction.
 */
async function settled(bootstrap: string, topic: string): Promise<void> {
  const consumer = new Consumer({ clientId: 'bench-check', groupId: 'bench-check', bootstrapBrokers: [bootstrap] });
  try {
    for (let attempt = 0; ; attempt++) {
      const [stable, high] = await Promise.all([0, 1].map((isolationLevel) => consumer.listOffsets({ topics: [topic], timestamp: -1n, isolationLevel: 1 - isolationLevel })));
      const s = stable!.get(topic)!;
      const h = high!.get(topic)!;
      if (s.every((o, p) => o === h[p])) return;
      if (attempt > 200) throw new Error(`${topic} still has an open transaction after 200 checks (stable offsets ${s}, high watermarks ${h})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await consumer.close(true);
  }
}

/**
 * Each word's summed counts in a sink topic (records key = word, value = count), read committed
 * once no transaction is completing, and how many records it holds.
 */
export async function sinkCounts(bootstrap: string, topic: string): Promise<{ counts: Map<string, number>; records: number }> {
  await settled(bootstrap, topic);
  const source = new KafkaSource({ topics: [topic], kafkaParams: { 'bootstrap.servers': bootstrap, 'auto.offset.reset': 'earliest' } });
  try {
    const ranges = await source.planBatch(await source.initialOffsets(), {});
    const counts = new Map<string, number>();
    let records = 0;
    for (const range of ranges) {
      for (const r of await source.readRange(range)) {
        records++;
        counts.set(r.key!, (counts.get(r.key!) ?? 0) + Number(r.value));
      }
    }
    return { counts, records };
  } finally {
    await source.close();
  }
}

/** What differs between a sink's counts and the expected ones: '' when they are equal. */
export function countsDiffer(expected: Map<string, number>, actual: Map<string, number>): string {
  const wrong: string[] = [];
  let missing = 0;
  let extra = 0;
  for (const [w, n] of expected) {
    const got = actual.get(w) ?? 0;
    if (got !== n) wrong.push(`${w}: ${got} (expected ${n})`);
    if (got < n) missing += n - got;
    else extra += got - n;
  }
  for (const [w, n] of actual) {
    if (!expected.has(w)) {
      wrong.push(`${w}: ${n} (not in the input)`);
      extra += n;
    }
  }
  if (wrong.length === 0) return '';
  return `${missing} words missing, ${extra} counted too often; ${wrong.slice(0, 5).join(', ')}${wrong.length > 5 ? ', …' : ''}`;
}
