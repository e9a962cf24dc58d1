import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { Receiver } from '../../sources/Receiver.ts';
import { ReceiverBufferFullError } from '../../sources/ReceiverBufferFullError.ts';
import type { MQTTStreamOptions } from './options.ts';

type SendPacket = (packet: Packet, cb?: (error?: Error) => void, ...rest: unknown[]) => void;

/**
 * Messages of MQTT topics, one record per message (Bahir's MQTTReceiver for Spark), in Node (TCP)
 * and in browsers (`ws://` / `wss://`, the broker's WebSocket listener).
 *
 * With QoS 1 each message's PUBACK is held until the batch holding its record has completed
 * (Receiver.storeReliably): a message acknowledged to the broker has been processed. Until then the
 * broker keeps it, and with a persistent session (a fixed clientId, cleanSession false) sends it
 * again after a crash or a lost connection: at-least-once, and a record may be processed twice.
 * With QoS 0, or a clean session, what the process held when it died is lost: at-most-once.
 *
 * The broker sends at most `receiveMaximum` messages before their PUBACKs: with QoS 1 a bound on
 * records held here, and the backpressure — a slow pipeline slows the broker's delivery, and what
 * waits stays in the broker's queue for this session. The stream's buffer (ReceiverOptions) bounds
 * both QoS: under overflow 'block' (the default) a message that finds it full is let in once there
 * is room, and until then mqtt.js reads nothing more from the connection (its handleMessage
 * backpressure), so TCP's flow control holds the broker back. Blocked longer than 1.5 ×
 * keepAliveInterval, the keep-alive fails and mqtt.js reconnects (a persistent session loses
 * nothing). Under 'drop-oldest' or 'drop-newest' a dropped QoS 1 message is acknowledged all the
 * same (you chose to drop it; unacknowledged, it would hold one of the broker's receiveMaximum
 * slots until a reconnect).
 */
export class MQTTReceiver<T> extends Receiver<T> {
  private client: MqttClient | undefined;
  /** PUBACKs waiting for their record's batch, by message id (mqtt.js sends them in receipt order). */
  private readonly held = new Map<number, Promise<void>>();

  constructor(
    readonly brokerUrl: string,
    readonly topics: readonly string[],
    private readonly options: Required<
      Pick<MQTTStreamOptions<T>, 'qos' | 'cleanSession' | 'clientId' | 'receiveMaximum' | 'sessionExpiryInterval' | 'connectionTimeout' | 'keepAliveInterval' | 'restartDelayMs'>
    > &
      Pick<MQTTStreamOptions<T>, 'username' | 'password'>,
    private readonly toRecord: (topic: string, payload: Uint8Array) => T,
    private readonly operation: string,
  ) {
    super();
  }

  onStart(): void {
    const o = this.options;
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      clean: o.cleanSession,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: o.cleanSession ? 0 : o.sessionExpiryInterval, receiveMaximum: o.receiveMaximum },
      connectTimeout: o.connectionTimeout,
      keepalive: o.keepAliveInterval,
      reconnectPeriod: o.restartDelayMs,
      // Subscriptions live in the session: made again only when the broker has none for us.
      resubscribe: false,
      customHandleAcks: (topic, payload, packet, done) => this.onMessage(topic, payload, packet.messageId, packet.qos, () => done(0)),
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
    };
    const client = mqtt.connect(this.brokerUrl, clientOptions);
    this.client = client;
    this.holdPubacks(client);
    // QoS 0 messages skip customHandleAcks: they are stored here, where mqtt.js waits for the
    // callback before it reads the next packet (nothing to acknowledge).
    client.handleMessage = (packet, callback) => {
      if (packet.qos !== 0) return callback();
      const payload = typeof packet.payload === 'string' ? new TextEncoder().encode(packet.payload) : packet.payload;
      this.onMessage(packet.topic, payload, undefined, 0, () => callback());
    };
    client.on('connect', (connack) => {
      if (connack.sessionPresent) return;
      client.subscribe([...this.topics], { qos: o.qos }, (error, granted) => {
        if (error) return this.reportError(`${this.operation}: could not subscribe to ${this.topics.join(', ')} on ${this.brokerUrl}`, error);
        const refused = (granted ?? []).filter((g) => g.qos >= 0x80);
        if (refused.length > 0) this.reportError(`${this.operation}: the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')} (reason code ${refused[0]!.qos})`);
      });
    });
    client.on('error', (error) => this.reportError(`${this.operation}: ${error.message} (${this.brokerUrl}); reconnecting every ${o.restartDelayMs} ms`, error));
  }

  async onStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held.clear();
    // A persistent session outlives the DISCONNECT (MQTT 5: until its expiry interval), with what is unacknowledged.
    if (client) await client.endAsync(false);
  }

  private onMessage(topic: string, payload: Uint8Array, messageId: number | undefined, qos: number, accept: () => void): void {
    let record: T;
    try {
      record = this.toRecord(topic, payload);
    } catch (e) {
      const text = new TextDecoder().decode(payload.subarray(0, 80));
      // Acknowledged: a message that cannot be decoded would come back on every reconnect.
      this.reportError(`${this.operation}: decode threw on a message of topic ${topic}; the message is skipped: ${JSON.stringify(text)}`, e);
      return accept();
    }
    if (qos === 0 || messageId === undefined) {
      void this.store(record);
    } else {
      const safe = this.storeReliably([record]).catch((e: unknown) => {
        // Dropped by the overflow policy the user chose: acknowledged, as a message processed.
        if (e instanceof ReceiverBufferFullError && (e.overflow === 'drop-oldest' || e.overflow === 'drop-newest')) return;
        throw e; // not acknowledged: the broker sends it again
      });
      safe.catch(() => {});
      this.held.set(messageId, safe);
    }
    // Under overflow 'block' with the buffer full, mqtt.js reads the next packet only once there is room.
    if (this.isBlocked()) void this.whenRoom().then(accept);
    else accept();
  }

  /**
   * mqtt.js sends a PUBACK as soon as the message handler accepts the message, and reads the
   * next packet only after that: a PUBACK for a record still in a batch is held here and sent
   * once the batch completes, while mqtt.js goes on reading.
   */
  private holdPubacks(client: MqttClient): void {
    const internals = client as unknown as { _sendPacket: SendPacket };
    const send = internals._sendPacket.bind(client);
    internals._sendPacket = (packet, cb, ...rest) => {
      const messageId = packet.cmd === 'puback' ? packet.messageId : undefined;
      const safe = messageId === undefined ? undefined : this.held.get(messageId);
      if (safe === undefined) return send(packet, cb, ...rest);
      this.held.delete(messageId!);
      cb?.();
      safe.then(
        () => {
          if (this.client === client && client.connected) send(packet);
        },
        () => {},
      );
    };
  }
}
