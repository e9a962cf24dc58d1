import mqtt, { type MqttClient } from 'mqtt';
import type { DStream } from '../../dstream/DStream.ts';
import { InvalidArgumentError } from '../../util/errors.ts';

/**
 * Options of `MQTTUtils.saveToMQTT(stream, brokerUrl, topic, options)`.
 *
 * @example
 * ```ts
 * import type { MQTTSinkOptions } from 'rivulet/mqtt';
 * const options: MQTTSinkOptions<[string, number]> = { encode: ([word, n]) => `${word}=${n}`, retain: true };
 * ```
 */
export interface MQTTSinkOptions<T> {
  /** Turn a record into the payload text. Default: a string as it is, anything else as JSON. */
  encode?: (record: T) => string;
  /** 1 (default): each publish waits for the broker's PUBACK; 0: fire and forget. */
  qos?: 0 | 1;
  retain?: boolean;
  clientId?: string;
  username?: string;
  password?: string;
}

const encodeDefault = (record: unknown): string => (typeof record === 'string' ? record : JSON.stringify(record));

/**
 * Publish each batch's records to MQTT, from the driver, in the batch's order; the batch's output
 * completes once the broker has acknowledged every message (QoS 1). At-least-once: a batch run
 * again after recovery publishes its records again (MQTT has no idempotent publish), so give
 * consumers a way to recognise a repeat (e.g. the batch time in the payload) or use retained
 * messages holding the latest value per topic.
 */
export function saveToMQTT<T>(stream: DStream<T>, brokerUrl: string, topic: string | ((record: T) => string), options: MQTTSinkOptions<T> = {}): void {
  if (typeof topic !== 'string' && typeof topic !== 'function') throw new InvalidArgumentError(`MQTTUtils.saveToMQTT: topic must be a topic name or a function record => topic, got ${typeof topic}.`);
  if (typeof topic === 'string' && (topic.length === 0 || /[+#]/.test(topic)))
    throw new InvalidArgumentError(`MQTTUtils.saveToMQTT: topic must be a topic name without wildcards, got ${JSON.stringify(topic)}.`);
  const encode = options.encode ?? encodeDefault;
  const qos = options.qos ?? 1;
  let client: MqttClient | undefined;
  const ssc = stream.context;
  const connected = (): MqttClient => {
    if (client) return client;
    client = mqtt.connect(brokerUrl, {
      protocolVersion: 5,
      clean: true,
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
    });
    const subscription = ssc.events$.subscribe((e) => {
      if (e.type !== 'streamingStopped') return;
      subscription.unsubscribe();
      void client?.endAsync();
      client = undefined;
    });
    return client;
  };
  stream.foreachRDD(async (rdd) => {
    const records = await rdd.collect();
    if (records.length === 0) return;
    const c = connected();
    const retain = options.retain ?? false;
    await Promise.all(records.map((r) => c.publishAsync(typeof topic === 'string' ? topic : topic(r), encode(r), { qos, retain })));
  });
}
