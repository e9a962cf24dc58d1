/**
 * mosquitto with an MQTT listener and a WebSocket listener (for browsers) on free loopback ports,
 * anonymous clients allowed. Sessions and queued messages live in memory as long as the broker.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startOnFreePorts, type BrokerProcess } from './BrokerProcess.ts';

export interface MosquittoBroker {
  /** `mqtt://127.0.0.1:<port>`, for Node clients. */
  url: string;
  /** `ws://127.0.0.1:<port>`, the WebSocket listener, for browsers. */
  wsUrl: string;
  process: BrokerProcess;
  stop(): Promise<void>;
}

export async function startMosquitto(): Promise<MosquittoBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-mosquitto-'));
  const { broker, ports } = await startOnFreePorts(2, ([port, wsPort]) => {
    const config = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(
      config,
      [
        `listener ${port} 127.0.0.1`,
        'protocol mqtt',
        `listener ${wsPort} 127.0.0.1`,
        'protocol websockets',
        'allow_anonymous true',
        'log_dest stderr',
        // Run as whoever started it (as root mosquitto would switch to the `mosquitto` user).
        `user ${os.userInfo().username}`,
        '',
      ].join('\n'),
    );
    return { name: 'mosquitto', args: ['-c', config], ready: /mosquitto version \S+ running/, ports: [port!, wsPort!] };
  });
  return {
    url: `mqtt://127.0.0.1:${ports[0]}`,
    wsUrl: `ws://127.0.0.1:${ports[1]}`,
    process: broker,
    async stop() {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
