/**
 * `rivulet/nats`: NATS JetStream in (a replayable source, stream sequences as offsets) and out (a
 * sink de-duplicated by message id), in Node and in browsers over WebSocket. Needs
 * `@nats-io/jetstream` and `@nats-io/nats-core`, and in Node `@nats-io/transport-node`. See
 * docs/connectors/nats.md.
 */
export { JetStreamUtils } from './JetStreamUtils.ts';
export { jetStreamSource } from './JetStreamSource.ts';
export type { JetStreamSinkOptions, JetStreamSourceOptions } from './options.ts';
