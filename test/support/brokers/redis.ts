/** redis-server on a free loopback port, nothing saved to disk. */
import { startOnFreePorts, type BrokerProcess } from './BrokerProcess.ts';

export interface RedisBroker {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  process: BrokerProcess;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisBroker> {
  const { broker, ports } = await startOnFreePorts(1, ([port]) => ({
    name: 'redis-server',
    // No RDB snapshots or AOF: the test's data lives as long as the server.
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
    ready: /Ready to accept connections/,
    ports: [port!],
  }));
  return { url: `redis://127.0.0.1:${ports[0]}`, port: ports[0]!, process: broker, stop: () => broker.stop() };
}
