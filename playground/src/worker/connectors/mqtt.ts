/**
 * rivulet/mqtt as the playground's workers load it, on demand (modules.ts): its own chunk, with
 * the connector and MQTT.js in it. The mark below ends the engine's code in that chunk, so a call
 * site in it (`MQTTUtils.createPairedStream`) names the line of the user's pipeline, not the chunk.
 */
export * from 'rivulet/mqtt';
import { markEngineEnd } from '../../../../engine/util/callSite.ts';

markEngineEnd(() => new Error());
