/**
 * The browser variant of `#kafka` (package.json "imports", `default` condition): Kafka speaks
 * TCP, which a page cannot open, so these throw NodeOnlyError without bringing the client into
 * the bundle.
 */
import type * as Kafka from './index.ts';
import { NodeOnlyError } from '../../platform/Platform.ts';

export const createKafkaDirectStream: typeof Kafka.createKafkaDirectStream = () => {
  throw new NodeOnlyError('createKafkaDirectStream');
};

export const saveToKafka: typeof Kafka.saveToKafka = () => {
  throw new NodeOnlyError('saveToKafka');
};
