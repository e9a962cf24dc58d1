import { DirectInputDStream, type DirectStreamOptions } from '../DirectInputDStream.ts';
import type { DStream } from '../../dstream/DStream.ts';
import type { StreamingContext } from '../../streaming/StreamingContext.ts';
import { userCallSite } from '../../util/callSite.ts';
import { jetStreamSource } from './JetStreamSource.ts';
import { saveToJetStream } from './saveToJetStream.ts';
import type { JetStreamSinkOptions, JetStreamSourceOptions } from './options.ts';

/**
 * NATS JetStream in and out, in Node (`nats://`) and in browsers (the server's WebSocket
 * listener). See docs/connectors/nats.md.
 *
 * @example
 * ```ts
 * import { JetStreamUtils } from 'rivulet/nats';
 * const clicks = JetStreamUtils.createDirectStream(ssc, { servers: 'nats://localhost:4222', streams: 'CLICKS' });
 * JetStreamUtils.saveToJetStream(clicks.countByValue(), { servers: 'nats://localhost:4222', subject: 'click-counts' });
 * ```
 */
export const JetStreamUtils = {
  /**
   * A direct stream over JetStream streams (as Spark's KafkaUtils.createDirectStream over
   * topics): stream sequences are the offsets, each batch's ranges are logged before it runs and
   * read again exactly on recovery.
   */
  createDirectStream<T = string>(ssc: StreamingContext, source: JetStreamSourceOptions<T>, options: DirectStreamOptions = {}): DirectInputDStream<T> {
    const operation = 'JetStreamUtils.createDirectStream';
    return new DirectInputDStream<T>(ssc, jetStreamSource(source, operation), options, operation, userCallSite());
  },

  /** Publish every record of every batch, de-duplicated by message id; see saveToJetStream. */
  saveToJetStream<T>(stream: DStream<T>, options: JetStreamSinkOptions<T>): void {
    saveToJetStream(stream, options);
  },
};
