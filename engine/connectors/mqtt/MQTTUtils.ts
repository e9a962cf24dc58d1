import { ReceiverInputDStream } from '../../dstream/ReceiverInputDStream.ts';
import type { DStream } from '../../dstream/DStream.ts';
import type { StreamingContext } from '../../streaming/StreamingContext.ts';
import { userCallSite } from '../../util/callSite.ts';
import { MQTTReceiver } from './MQTTReceiver.ts';
import type { MQTTStreamOptions } from './options.ts';
import { saveToMQTT, type MQTTSinkOptions } from './saveToMQTT.ts';
import { InvalidArgumentError, OutOfRangeError } from '../../util/errors.ts';

const utf8 = new TextDecoder();

function checkUrl(brokerUrl: string, operation: string): void {
  if (typeof brokerUrl !== 'string' || !/^(mqtts?|wss?|tcp|ssl):\/\//i.test(brokerUrl)) {
    throw new InvalidArgumentError(`${operation}: brokerUrl must be an mqtt://, mqtts://, ws:// or wss:// URL, got ${JSON.stringify(brokerUrl)}.`);
  }
}

function topicList(topics: string | readonly string[], operation: string): string[] {
  const list = typeof topics === 'string' ? [topics] : [...(topics ?? [])];
  if (list.length === 0 || !list.every((t) => typeof t === 'string' && t.length > 0)) {
    throw new InvalidArgumentError(`${operation}: topics must be a topic filter or a non-empty array of them (e.g. 'sensors/+/temperature'), got ${JSON.stringify(topics)}.`);
  }
  return list;
}

function checkedInteger(value: number, name: string, operation: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new OutOfRangeError(`${operation}: ${name} must be an integer from ${min} to ${max}, got ${value}.`);
  return value;
}

function receiver<T, R>(
  ssc: StreamingContext,
  brokerUrl: string,
  topics: string | readonly string[],
  options: MQTTStreamOptions<T>,
  operation: string,
  toRecord: (decoded: T, topic: string) => R,
): ReceiverInputDStream<R> {
  checkUrl(brokerUrl, operation);
  const list = topicList(topics, operation);
  if (options.decode !== undefined && typeof options.decode !== 'function') {
    throw new InvalidArgumentError(`${operation}: decode must be a function (payload, topic) => record; got ${typeof options.decode}.`);
  }
  const qos = options.qos ?? 1;
  if (qos !== 0 && qos !== 1) throw new OutOfRangeError(`${operation}: qos must be 0 or 1, got ${String(qos)} (QoS 2 is not supported: at-least-once plus the batch is what QoS 1 gives).`);
  const decode = options.decode ?? ((payload: Uint8Array) => utf8.decode(payload) as T);
  const r = new MQTTReceiver<R>(
    brokerUrl,
    list,
    {
      qos,
      clientId: options.clientId ?? `rivulet-${Math.random().toString(36).slice(2, 12)}`,
      cleanSession: options.cleanSession ?? options.clientId === undefined,
      sessionExpiryInterval: checkedInteger(options.sessionExpiryInterval ?? 86_400, 'sessionExpiryInterval', operation, 0, 0xffffffff),
      receiveMaximum: checkedInteger(options.receiveMaximum ?? 1000, 'receiveMaximum', operation, 1, 65_535),
      connectionTimeout: checkedInteger(options.connectionTimeout ?? 30_000, 'connectionTimeout', operation, 1, 2 ** 31 - 1),
      keepAliveInterval: checkedInteger(options.keepAliveInterval ?? 60, 'keepAliveInterval', operation, 0, 65_535),
      restartDelayMs: checkedInteger(options.restartDelayMs ?? 2000, 'restartDelayMs', operation, 1, 2 ** 31 - 1),
      username: options.username,
      password: options.password,
    },
    (topic, payload) => toRecord(decode(payload, topic), topic),
    operation,
  );
  return new ReceiverInputDStream<R>(ssc, r, operation, userCallSite(), options);
}

/**
 * MQTT in and out (Spark: Apache Bahir's `MQTTUtils`). See docs/connectors/mqtt.md.
 *
 * @example
 * ```ts
 * import { MQTTUtils } from 'rivulet/mqtt';
 * const readings = MQTTUtils.createStream(ssc, 'mqtt://localhost:1883', 'sensors/#', { clientId: 'dashboard' });
 * readings.count().print();
 * ```
 */
export const MQTTUtils = {
  /**
   * The messages of `topics` (filters, `+` and `#` allowed), one record per message: its payload
   * as UTF-8 text, or what `options.decode` makes of it. At-least-once with QoS 1 (the default)
   * and a persistent session (give a clientId); see MQTTReceiver.
   */
  createStream<T = string>(ssc: StreamingContext, brokerUrl: string, topics: string | readonly string[], options: MQTTStreamOptions<T> = {}): ReceiverInputDStream<T> {
    return receiver(ssc, brokerUrl, topics, options, 'MQTTUtils.createStream', (decoded) => decoded);
  },

  /** As createStream, each record `[topic, message]` (Bahir's createPairedStream). */
  createPairedStream<T = string>(ssc: StreamingContext, brokerUrl: string, topics: string | readonly string[], options: MQTTStreamOptions<T> = {}): ReceiverInputDStream<[string, T]> {
    return receiver(ssc, brokerUrl, topics, options, 'MQTTUtils.createPairedStream', (decoded, topic) => [topic, decoded] as [string, T]);
  },

  /** Publish every record of every batch; see saveToMQTT. */
  saveToMQTT<T>(stream: DStream<T>, brokerUrl: string, topic: string | ((record: T) => string), options: MQTTSinkOptions<T> = {}): void {
    checkUrl(brokerUrl, 'MQTTUtils.saveToMQTT');
    saveToMQTT(stream, brokerUrl, topic, options);
  },
};
