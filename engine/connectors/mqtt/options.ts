import type { ReceiverOptions } from '../../sources/ReceiverOptions.ts';

/**
 * Options of `MQTTUtils.createStream(ssc, brokerUrl, topics, options)`: Bahir's MQTTUtils
 * parameters (clientId, username, password, cleanSession, qos, connectionTimeout,
 * keepAliveInterval), plus MQTT 5's session expiry and receive maximum, and the receiver's buffer
 * ({@link ReceiverOptions}; overflow 'block' by default: mqtt.js stops reading while it is full).
 *
 * @example
 * ```ts
 * import type { MQTTStreamOptions } from 'rivulet/mqtt';
 * const options: MQTTStreamOptions<{ celsius: number }> = {
 *   clientId: 'thermometers-dashboard',
 *   decode: (payload) => JSON.parse(new TextDecoder().decode(payload)),
 * };
 * ```
 */
export interface MQTTStreamOptions<T> extends ReceiverOptions {
  /**
   * The MQTT client id. With one, the session is persistent by default (cleanSession false): the
   * broker keeps this client's subscriptions and the QoS 1 messages it has not acknowledged while
   * the application is down. Without one, a random id and a clean session (at-most-once).
   */
  clientId?: string;
  /** Default: false when a clientId is given, true otherwise. */
  cleanSession?: boolean;
  /** 1 (default): at-least-once with a persistent session; 0: at-most-once. */
  qos?: 0 | 1;
  /**
   * Turn a message's payload into a record. Default: the payload as UTF-8 text. A message it throws
   * on is reported to listeners (onReceiverError), acknowledged and skipped.
   */
  decode?: (payload: Uint8Array, topic: string) => T;
  username?: string;
  password?: string;
  /** Seconds the broker keeps a persistent session after the client disconnects. Default 86,400 (a day). */
  sessionExpiryInterval?: number;
  /**
   * At most this many messages delivered and not yet acknowledged (held until their batch
   * completes); the broker waits for acknowledgements beyond it. Default 1,000. Also bounded by
   * the broker's own setting (mosquitto: max_inflight_messages).
   */
  receiveMaximum?: number;
  /** Milliseconds to wait for the broker's CONNACK. Default 30,000. */
  connectionTimeout?: number;
  /** Seconds between keep-alive pings. Default 60. */
  keepAliveInterval?: number;
  /** Milliseconds between reconnection attempts after the connection fails or is lost. Default 2,000. */
  restartDelayMs?: number;
}
