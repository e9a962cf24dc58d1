/**
 * nats-server with JetStream (its store in a fresh temporary directory), a WebSocket listener for
 * browsers and its HTTP monitoring endpoint (which lists the clients), on free loopback ports.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startOnFreePorts, type BrokerProcess } from './BrokerProcess.ts';

export interface NatsBroker {
  /** `nats://127.0.0.1:<port>`, for Node clients. */
  url: string;
  /** `ws://127.0.0.1:<port>`, the WebSocket listener, for browsers. */
  wsUrl: string;
  /** `http://127.0.0.1:<port>`, the monitoring endpoint (`/connz` lists the connected clients). */
  monitorUrl: string;
  process: BrokerProcess;
  /** Stop the server and remove its JetStream store. */
  stop(): Promise<void>;
}

export async function startNats(): Promise<NatsBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-nats-'));
  const { broker, ports } = await startOnFreePorts(3, ([port, wsPort, httpPort]) => {
    const config = path.join(dir, 'nats.conf');
    fs.writeFileSync(
      config,
      [
        `listen: "127.0.0.1:${port}"`,
        `jetstream { store_dir: ${JSON.stringify(path.join(dir, 'store'))}, max_memory_store: 256MB, max_file_store: 1GB }`,
        `websocket { listen: "127.0.0.1:${wsPort}", no_tls: true }`,
        `http: "127.0.0.1:${httpPort}"`,
        '',
      ].join('\n'),
    );
    return { name: 'nats-server', args: ['-c', config], ready: /Server is ready/, ports: [port!, wsPort!, httpPort!] };
  });
  return {
    url: `nats://127.0.0.1:${ports[0]}`,
    wsUrl: `ws://127.0.0.1:${ports[1]}`,
    monitorUrl: `http://127.0.0.1:${ports[2]}`,
    process: broker,
    async stop() {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
