import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '#nats-transport';
import type { DStream } from '../../dstream/DStream.ts';
import { serverList } from './JetStreamSource.ts';
import type { JetStreamSinkOptions } from './options.ts';
import { InvalidArgumentError, OutputWriteError } from '../../util/errors.ts';

const encodeDefault = (record: unknown): string => (typeof record === 'string' ? record : JSON.stringify(record));

/**
 * Publish each batch's records to JetStream, each with a message id (`Nats-Msg-Id`) made from the
 * batch time and the record; the batch's output completes once the stream has acknowledged every
 * message. JetStream drops a message whose id it has seen within the stream's duplicate window
 * (`duplicate_window`, 2 minutes by default), so a batch that runs again after a crash — the
 * engine recomputes it from the logged ranges and the checkpointed state — publishes nothing
 * twice: with a replayable source, exactly-once into the stream, provided the pipeline is back
 * within the duplicate window.
 */
export function saveToJetStream<T>(stream: DStream<T>, options: JetStreamSinkOptions<T>, operation = 'JetStreamUtils.saveToJetStream'): void {
  const servers = serverList(options.servers, operation);
  const { subject } = options;
  if (typeof subject === 'string' ? subject.length === 0 || /[\s*>]/.test(subject) : typeof subject !== 'function') {
    throw new InvalidArgumentError(`${operation}: subject must be a subject without wildcards, or a function record => subject; got ${JSON.stringify(subject)}.`);
  }
  if (options.msgId !== undefined && typeof options.msgId !== 'function') throw new InvalidArgumentError(`${operation}: msgId must be a function (record, batchTime, index) => string.`);
  const encode = options.encode ?? encodeDefault;
  const msgId = options.msgId ?? ((_r: T, batchTime: number, index: number) => `${batchTime}-${index}`);
  let connection: Promise<NatsConnection> | undefined;
  const ssc = stream.context;
  const subscription = ssc.events$.subscribe((e) => {
    if (e.type !== 'streamingStopped') return;
    subscription.unsubscribe();
    const c = connection;
    connection = undefined;
    void c?.then((nc) => nc.close());
  });
  stream.foreachRDD(async (rdd, batchTime) => {
    const records = await rdd.collect();
    if (records.length === 0) return;
    const js = jetstream(await (connection ??= connectNats(servers, operation)));
    await Promise.all(
      records.map(async (r, i) => {
        const to = typeof subject === 'string' ? subject : subject(r);
        try {
          await js.publish(to, encode(r), { msgID: msgId(r, batchTime, i) });
        } catch (e) {
          throw new OutputWriteError(`${operation}: publishing to ${to} failed for the batch at ${batchTime} ms (is there a JetStream stream capturing ${to}?): ${(e as Error).message}`, { cause: e });
        }
      }),
    );
  });
}
