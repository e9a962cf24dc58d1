import type { StreamingContext } from '../../streaming/StreamingContext.ts';
import { userCallSite } from '../../util/callSite.ts';
import { DirectInputDStream, type DirectStreamOptions } from '../DirectInputDStream.ts';
import { KafkaSource, type KafkaSubscription } from './KafkaSource.ts';
import type { ConsumerRecord } from './ConsumerRecord.ts';

/**
 * Options of `createKafkaDirectStream`: what to read (topics or a pattern, kafkaParams, starting
 * offsets) and how fast (maxRatePerPartition, backpressure).
 *
 * Spark: the arguments of `KafkaUtils.createDirectStream` (`ConsumerStrategies.Subscribe`'s
 * topics, kafkaParams and offsets) and the spark.streaming.kafka.* / backpressure settings.
 *
 * @example
 * ```ts
 * import type { KafkaDirectStreamOptions } from 'rivulet';
 * const options: KafkaDirectStreamOptions = { topics: ['words'], kafkaParams: { 'bootstrap.servers': '127.0.0.1:9092' }, maxRatePerPartition: 1000 };
 * ```
 */
export type KafkaDirectStreamOptions = KafkaSubscription & DirectStreamOptions;

/**
 * A direct stream over Kafka topics (Spark's `KafkaUtils.createDirectStream`): one RDD partition
 * per Kafka partition, offset ranges decided on the driver and logged before each batch runs,
 * read again exactly on recovery, committed to `group.id` after each batch. Node only.
 *
 * @example
 * ```ts no-run
 * import { createKafkaDirectStream } from 'rivulet';
 * const records = createKafkaDirectStream(ssc, { topics: ['words'], kafkaParams: { 'bootstrap.servers': '127.0.0.1:9092', 'group.id': 'wc' } });
 * records.map((r) => r.value).count().print();
 * ```
 */
export function createKafkaDirectStream(ssc: StreamingContext, options: KafkaDirectStreamOptions): DirectInputDStream<ConsumerRecord> {
  const { topics, subscribePattern, kafkaParams, offsets, ...rate } = options;
  const source = new KafkaSource({ topics, subscribePattern, kafkaParams, offsets });
  return new DirectInputDStream<ConsumerRecord>(ssc, source, rate, 'kafkaDirectStream', userCallSite());
}
