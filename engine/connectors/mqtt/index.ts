/**
 * `rivulet/mqtt`: MQTT in (a receiver, at-least-once with QoS 1 and a persistent session) and out
 * (at-least-once publishing), in Node and in browsers over WebSocket. Needs the `mqtt` package
 * (`npm install mqtt`). See docs/connectors/mqtt.md.
 */
export { MQTTUtils } from './MQTTUtils.ts';
export { MQTTReceiver } from './MQTTReceiver.ts';
export type { MQTTStreamOptions } from './options.ts';
export type { MQTTSinkOptions } from './saveToMQTT.ts';
