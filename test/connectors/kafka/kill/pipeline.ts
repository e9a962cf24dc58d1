/**
 * The pipeline kill.test.ts runs as a child process and SIGKILLs: Kafka in, state, Kafka out.
 *
 *   node --import tsx test/connectors/kafka/kill/pipeline.ts --bootstrap HOST:PORT --checkpoint DIR
 *     --in TOPIC --out TOPIC --total N [--interval 100] [--rate 150]
 *
 * Input: records `<id> <word>` on the input topic (all produced before the first run), read by a
 * Kafka direct stream at most `rate` records per second per partition, so the work spans many
 * batches. State: mapWithState counts each word's records; for every input record it outputs
 * `<id> <word> <count after it>` to the output topic through saveToKafka (transactional). A
 * state applied twice or lost shows as a count repeated or skipped; a batch written twice as an
 * id repeated. The state is checkpointed every 5 batches; batches after a checkpoint are made
 * again from the write-ahead log after a kill.
 *
 * Lines on stdout: `ready recovering=<bool>`, `batch-done <time> <consumed> <ranges>` (records
 * consumed up to and including that batch, and the batch's offset ranges), `finished` once all `total` records are consumed and their
 * batch completed; then the process stops and exits 0.
 */
import { existsSync } from 'node:fs';
import { createKafkaDirectStream, FileSystemCheckpointStore, hasOffsetRanges, saveToKafka, StateSpec, StreamingContext, type State } from '../../../../engine/index.ts';

const args = new Map<string, string>();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) args.set(argv[i]!.replace(/^--/, ''), argv[i + 1]!);
const need = (k: string) => args.get(k) ?? (console.error(`missing --${k}`), process.exit(2));
const bootstrap = need('bootstrap');
const checkpoint = need('checkpoint');
const total = Number(need('total'));
const interval = Number(args.get('interval') ?? 100);
const rate = Number(args.get('rate') ?? 150);
const say = (line: string) => process.stdout.write(line + '\n');

const recovering = existsSync(checkpoint);
const createContext = () => {
  // The sink's debug lines (written or skipped, per batch) go to stdout, for the test's report.
  const logger = { ...console, debug: (m: string) => say(`debug ${m}`) };
  const ssc = new StreamingContext({ batchInterval: interval, appName: 'kafka-kill', logger });
  ssc.checkpoint(checkpoint);
  const records = createKafkaDirectStream(ssc, { topics: [need('in')], kafkaParams: { 'bootstrap.servers': bootstrap, 'group.id': 'kill-test', 'auto.offset.reset': 'earliest' }, maxRatePerPartition: rate });
  const counted = records
    .map((r) => {
      const [id, word] = r.value!.split(' ');
      return [word!, id!] as [string, string];
    })
    .mapWithState(
      StateSpec.function((word: string, id: string | undefined, state: State<number>) => {
        const count = (state.exists() ? state.get() : 0) + 1;
        state.update(count);
        return { key: word, value: `${id} ${word} ${count}` };
      }),
    );
  counted.checkpoint(interval * 5);
  saveToKafka(counted, { topic: need('out'), kafkaParams: { 'bootstrap.servers': bootstrap, 'transactional.id': 'kill-test-sink' } });
  // After the sink (outputs run in order): how far the input is consumed.
  records.foreachRDD((rdd, time) => {
    const consumed = hasOffsetRanges<number>(rdd) ? rdd.offsetRanges.reduce((n, r) => n + r.untilOffset, 0) : 0;
    const ranges = hasOffsetRanges<number>(rdd) ? rdd.offsetRanges.map((r) => `${r.partition}:${r.fromOffset}-${r.untilOffset}`).join(',') : '';
    say(`batch-done ${time} ${consumed} ${ranges}`);
    if (consumed >= total) {
      say('finished');
      setImmediate(() => void ssc.stop().then(() => process.exit(0)));
    }
  });
  return ssc;
};

const ssc = await StreamingContext.getOrCreate(new FileSystemCheckpointStore(checkpoint), createContext);
ssc.start();
say(`ready recovering=${recovering}`);
await ssc.awaitTermination();
