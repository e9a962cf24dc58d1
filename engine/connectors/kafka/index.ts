export type { KafkaParams } from './KafkaParams.ts';
export type { ConsumerRecord } from './ConsumerRecord.ts';
export type { KafkaSubscription } from './KafkaSource.ts';
export { createKafkaDirectStream, type KafkaDirectStreamOptions } from './createKafkaDirectStream.ts';
export { saveToKafka, type KafkaSinkOptions, type ProducerRecord } from './KafkaSink.ts';
