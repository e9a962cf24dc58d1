/**
 * Where a JetStream connector connects and what it reads.
 *
 * @example
 * ```ts
 * import type { JetStreamSourceOptions } from 'rivulet/nats';
 * const options: JetStreamSourceOptions<{ user: string }> = {
 *   servers: 'nats://localhost:4222',
 *   streams: ['CLICKS'],
 *   decode: (data) => JSON.parse(new TextDecoder().decode(data)),
 * };
 * ```
 */
export interface JetStreamSourceOptions<T> {
  /** `nats://host:port` in Node; the server's WebSocket listener (`ws://`, `wss://`) in a browser. */
  servers: string | string[];
  /** The JetStream streams to read, each one partition (its sequence numbers are the offsets). */
  streams: string | string[];
  /**
   * Where a fresh start begins (never used on recovery: the checkpoint says): 'earliest' (the
   * stream's first message, default), 'latest' (only what is published from now on), or a stream
   * sequence per stream.
   */
  startingOffsets?: 'earliest' | 'latest' | Record<string, number>;
  /** Turn a message into a record. Default: its data as UTF-8 text. */
  decode?: (data: Uint8Array, subject: string, seq: number) => T;
}

/**
 * Where `JetStreamUtils.saveToJetStream` publishes, and how each record's message id is made.
 *
 * @example
 * ```ts
 * import type { JetStreamSinkOptions } from 'rivulet/nats';
 * const options: JetStreamSinkOptions<[string, number]> = {
 *   servers: 'nats://localhost:4222',
 *   subject: 'totals',
 *   msgId: ([word], batchTime) => `${batchTime}:${word}`,
 * };
 * ```
 */
export interface JetStreamSinkOptions<T> {
  servers: string | string[];
  /** The subject to publish to (a JetStream stream must capture it), or a function of the record. */
  subject: string | ((record: T) => string);
  /** Record → message data. Default: a string as it is, anything else as JSON. */
  encode?: (record: T) => string | Uint8Array;
  /**
   * The message id (the `Nats-Msg-Id` header) of a record: the same record of the same batch
   * must get the same id when the batch runs again after a crash. Default:
   * `<batchTime>-<index>`, the record's place in the batch's collected output (the same when
   * the batch is recomputed from the same input and state). A key of the record with the batch
   * time (`${batchTime}:${key}`) does not depend on order at all.
   */
  msgId?: (record: T, batchTime: number, index: number) => string;
}
