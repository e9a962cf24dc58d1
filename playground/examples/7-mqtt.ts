// @playground mode=realtime
// MQTT over WebSocket: sensor readings from a real broker, averaged per sensor over 10 seconds.
// Needs a broker with a WebSocket listener: mosquitto with these two lines in its config
//   listener 9001
//   protocol websockets
// and readings published to it: mosquitto_pub -t sensors/kitchen/celsius -m 21.5
import { StreamingContext, Seconds } from 'rivulet';
import { MQTTUtils } from 'rivulet/mqtt';

const url = 'ws://localhost:9001';

const ssc = new StreamingContext({ batchInterval: Seconds(2) });
const readings = MQTTUtils.createPairedStream(ssc, url, 'sensors/+/celsius', {
  decode: (payload) => Number(new TextDecoder().decode(payload)),
});

readings
  .map(([topic, celsius]) => [topic.split('/')[1]!, { sum: celsius, n: 1 }])
  .reduceByKeyAndWindow((a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }), Seconds(10), Seconds(2))
  .map(([sensor, { sum, n }]) => `${sensor}: ${(sum / n).toFixed(1)} °C (${n} readings in the last 10 s)`)
  .print();

ssc.start();
